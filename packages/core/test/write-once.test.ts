import t from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory, writeFileOnce } from '../src/fs/write-once.js';

const mode = (p: string) => statSync(p).mode & 0o777;

t.test('creates the file complete, with its mode, and leaves no temporary file', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'chain.pem');
  const content = 'x'.repeat(3 * 1024 * 1024) + 'end\n';
  t.equal(writeFileOnce(path, content, { mode: 0o600 }), true, 'this call created it');
  t.equal(readFileSync(path, 'utf8'), content, 'the whole content');
  t.equal(mode(path), 0o600);
  t.same(readdirSync(dir), ['chain.pem'], 'no *.tmp left behind');

  const bytes = Buffer.from([0, 1, 2, 255]);
  t.equal(writeFileOnce(join(dir, 'bytes'), bytes, { mode: 0o644 }), true);
  t.same(readFileSync(join(dir, 'bytes')), bytes, 'Uint8Array content as is');
});

t.test('never writes over a file that exists: the first writer wins', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'key.pem');
  writeFileSync(path, 'theirs');
  t.equal(writeFileOnce(path, 'ours', { mode: 0o600 }), false, 'reports that someone else won');
  t.equal(readFileSync(path, 'utf8'), 'theirs', 'the existing file is untouched');
  t.same(readdirSync(dir), ['key.pem'], 'our temporary file is removed');
});

t.test("concurrent processes: exactly one wins, and the file is the winner's, complete", async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'race.pem');
  const moduleUrl = new URL('../src/fs/write-once.ts', import.meta.url).href;
  const script = `import { writeFileOnce } from ${JSON.stringify(moduleUrl)};
    const content = process.argv[1].repeat(200000);
    process.stdout.write(String(writeFileOnce(${JSON.stringify(path)}, content, { mode: 0o644 })));`;
  const run = (letter: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script, letter], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
    });
  const results = await Promise.all(['a', 'b', 'c', 'd'].map(run));
  t.equal(results.filter((r) => r === 'true').length, 1, 'exactly one process created the file');
  const text = readFileSync(path, 'utf8');
  t.equal(text.length, 200000, 'complete');
  t.ok(/^(a+|b+|c+|d+)$/.test(text), 'one writer only, not a mixture');
  t.same(readdirSync(dir), ['race.pem'], 'no temporary files left behind');
});

t.test('a directory fsync that the platform refuses is not an error', async (t) => {
  t.doesNotThrow(() => fsyncDirectory(join(t.testdir(), 'does-not-exist')));
});
