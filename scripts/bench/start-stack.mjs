// The one way the benchmarks start a live stack: `sigstack up` on a free port,
// resolved with {child, url} once it says it is up.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function startStack(dataDir, { args = [], env = {} } = {}) {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/sigstack.js'), 'up', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    const on = (d) => {
      out += d;
      const m = /sigstack is up at (\S+)/.exec(out);
      if (m) res({ child, url: m[1] });
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (c) => rej(new Error(`stack exited ${c}: ${out}`)));
  });
}
