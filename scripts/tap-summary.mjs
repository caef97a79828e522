// Turns tap's closing "# { total: N, pass: N, fail: N, skip: N }" into the line CI
// counts: "N passed, N failed[, N skipped]". Exits with tap's status.
import { readFileSync } from 'node:fs';
const [file, status] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
const m = [...text.matchAll(/^# \{ (total: .*) \}$/gm)].pop();
const counts = { total: 0, pass: 0, fail: 0, skip: 0, todo: 0 };
if (m) for (const part of m[1].split(',')) {
  const [k, v] = part.split(':').map((s) => s.trim());
  counts[k] = Number(v);
}
const failed = counts.fail || (Number(status) !== 0 && counts.pass === 0 ? 1 : 0);
let line = `${counts.pass} passed, ${failed} failed`;
if (counts.skip || counts.todo) line += `, ${counts.skip + counts.todo} skipped`;
console.log(line);
process.exit(Number(status) !== 0 || failed ? 1 : 0);
