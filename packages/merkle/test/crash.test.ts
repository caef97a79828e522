import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSigner } from '@sigstack/core';
import t from 'tap';
import { createEcdsaNoteVerifier, fsck, SqliteStore } from '../src/index.js';
import { tempDir } from './helpers/tmp.js';

/**
 * SIGKILL a writer at random points under load, then check with fsck that the store
 * is consistent and that every acknowledged entry is in it, at the acknowledged index
 * (conventions.md §5, crash tests). Each round restarts the writer on the same file,
 * so recovery after a kill is exercised too.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(here, '../../..');
const ROUNDS = 3;

function runAndKill(db: string, key: string, tag: string, killAfterMs: number): Promise<string[]> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures/crash-writer.ts'), db, key, tag], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let armed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (!armed && out.includes('ready')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('error', rej);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') rej(new Error(`writer exited on its own: ${out.slice(-500)}`));
      else res(out.split('\n').filter((l) => l !== '' && !l.startsWith('ready')));
    });
  });
}

t.test('SIGKILL under load loses no acknowledged entry and leaves a consistent log', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'crash.db');
  const key = join(dir, 'key.pem');
  const acked = new Map<number, string>();
  let lastSize = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const lines = await runAndKill(db, key, `r${round}`, 150 + Math.floor(Math.random() * 350));
    for (const l of lines) {
      const [index, leaf] = l.split(' ') as [string, string];
      acked.set(Number(index), leaf);
    }
    const store = SqliteStore.open(db, { readonly: true });
    const verifier = createEcdsaNoteVerifier('crash.test', FileSigner.open({ path: key }).publicKey);
    const report = fsck(store, { verifiers: [verifier] });
    t.same(report.problems, [], `round ${round}: fsck after SIGKILL (size ${report.size}, ${lines.length} acks this round)`);
    t.ok(report.size >= lastSize, 'the log never shrinks');
    lastSize = report.size;
    let missing = 0;
    for (const [index, leaf] of acked) {
      const e = store.readEntry(index);
      if (!e || e.leaf.toString() !== leaf) missing++;
    }
    t.equal(missing, 0, `all ${acked.size} acknowledged entries are durable at their index`);
    store.close();
  }
  t.ok(acked.size > 0, 'the writer made progress');
});
