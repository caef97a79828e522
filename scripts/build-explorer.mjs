// Builds the log explorer (packages/explorer) into packages/explorer/dist, the static
// files the stack serves at /ui/. Runs after `tsc -b` (pnpm build). Vite only
// transpiles: the explorer's types are checked by `tsc -p packages/explorer` (its own
// `pnpm build`, and scripts/test.sh). Skipped when nothing under the package's sources
// changed since the last build, so a rebuild of the TypeScript packages stays fast.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../packages/explorer/', import.meta.url));
const dist = join(pkg, 'dist');
const stampFile = join(dist, '.build-stamp');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((n) => newest(join(path, n))));
}
const inputs = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(pkg, p));
const stamp = String(Math.max(...inputs.map(newest)));
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(dist, 'index.html'))) process.exit(0);

// vite is the explorer's own dependency: resolved from its package.
const { build } = await import(pathToFileURL(createRequire(join(pkg, 'package.json')).resolve('vite')).href);
// Built aside, then swapped in: a stack serving /ui/ during a rebuild finds the old files or the new ones.
const out = `${dist}.tmp-${process.pid}`;
await build({ root: pkg, configFile: join(pkg, 'vite.config.ts'), logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });
writeFileSync(join(out, '.build-stamp'), stamp);
rmSync(`${dist}.old`, { recursive: true, force: true });
if (existsSync(dist)) renameSync(dist, `${dist}.old`);
renameSync(out, dist);
rmSync(`${dist}.old`, { recursive: true, force: true });
