// `sigstack monitor` as a process (the built CLI): exit statuses, JSON alert lines on
// stdout, the webhook, and the metrics endpoint, against the fake log.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { plainLeaves, startFakeLog } from './helpers/fake-log.js';

const BIN = fileURLToPath(new URL('../../cli/bin/sigstack.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'monitor-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const log = await startFakeLog(plainLeaves(30));
t.teardown(() => log.close());
writeFileSync(join(dir, 'log.pub'), log.publicKeyPem);
writeFileSync(join(dir, 'config.yaml'), 'log:\n  publicKeyFile: log.pub\nmonitoredValues:\n  subjects: [^alice@example\\.com$]\n');

const hooks: unknown[] = [];
const hook = Fastify();
hook.post('/hook', async (req) => (hooks.push(req.body), { ok: true }));
const hookUrl = `${await hook.listen({ host: '127.0.0.1', port: 0 })}/hook`;
t.teardown(() => hook.close());

const common = ['--url', `${log.url}/tiles`, '--kind', 'tiles', '--config', join(dir, 'config.yaml'), '--state', join(dir, 'state.json')];

t.test('--once: 0 on a healthy log, then 1 with a JSON alert line and a webhook call on a rollback', async (t) => {
  const ok = await run([...common, '--once']);
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stdout, '');
  t.match(ok.stderr, /verified tree 30/);
  log.leaves = log.leaves.slice(0, 25);
  const bad = await run([...common, '--once', '--webhook', hookUrl]);
  t.equal(bad.code, 1);
  const alert = JSON.parse(bad.stdout.trim());
  t.match(alert, { type: 'inconsistency', code: 'ROLLBACK', kind: 'tiles', verified: { size: 30 }, observed: { size: 25 } });
  t.match(hooks, [{ type: 'inconsistency', code: 'ROLLBACK' }]);
  log.leaves = plainLeaves(30, 'forked');
  const fork = await run([...common, '--once']);
  t.equal(fork.code, 1);
  t.match(JSON.parse(fork.stdout.trim()), { code: 'FORK' });
});

t.test('usage errors exit 2 naming the problem; an unreachable log exits 3', async (t) => {
  const missing = await run(['--url', log.url, '--kind', 'tiles']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /--config are required/);
  const kind = await run([...common.slice(0, 2), '--kind', 'rekor-v9', ...common.slice(4), '--once']);
  t.equal(kind.code, 2);
  t.match(kind.stderr, /--kind must be one of rekor-v1, tiles, ct/);
  writeFileSync(join(dir, 'bad.yaml'), 'monitoredValues:\n  subjects: ["("]\n');
  const re = await run(['--url', log.url, '--kind', 'rekor-v1', '--config', join(dir, 'bad.yaml'), '--once']);
  t.equal(re.code, 2);
  t.match(re.stderr, /subjects\[0\] is not a valid regular expression/);
  const port = await run([...common, '--once', '--metrics-listen', '127.0.0.1:70000']);
  t.equal(port.code, 2);
  t.match(port.stderr, /port must be at most 65535/);
  const addr = await run([...common, '--once', '--metrics-listen', '192.0.2.1:0']);
  t.equal(addr.code, 2);
  t.match(addr.stderr, /--metrics-listen: .*EADDRNOTAVAIL/);
  const down = await run(['--url', 'http://127.0.0.1:1', '--kind', 'rekor-v1', '--config', join(dir, 'config.yaml'), '--once']);
  t.equal(down.code, 3);
  t.match(down.stderr, /FETCH_FAILED/);
});

t.test('--metrics-listen serves the monitor metrics while it follows the log', async (t) => {
  const child = spawn(process.execPath, [BIN, 'monitor', ...common.slice(0, 6), '--interval', '0.2', '--metrics-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /metrics on (\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(stderr)));
  });
  let text = '';
  for (let i = 0; i < 50 && !/sigstack_monitor_polls_total\{log="http[^"]*",result="ok"\} [1-9]/.test(text); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await (await fetch(url)).text();
  }
  t.match(text, /sigstack_monitor_polls_total\{log="http[^"]*",result="ok"\} [1-9]/);
  t.match(text, /sigstack_monitor_verified_tree_size\{log="http[^"]*"\} 30/);
  t.match(text, /sigstack_monitor_alerts_total\{log="http[^"]*",type="inconsistency",code="FORK"\} 0/);
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.on('exit', r));
  t.equal(code, 0, 'SIGTERM stops it cleanly');
});
