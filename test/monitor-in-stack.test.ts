// The monitor inside `sigstack up` (config `monitor`, issue 14): a stack started with a
// watch list follows its own logs; keyless signatures for a watched identity, by cosign 2.5
// (Rekor v1) and cosign 3.1 (Rekor v2, through the signing config), are reported in the
// stack's own log (Rekor v1, Rekor v2 and the CT log's precertificates), to the webhook and
// on its /metrics, next to the stack metrics the dashboard needs (batch size, pending entries,
// checkpoint age, certificates per issuer, errors by code, TUF expiry). An external log
// that cannot be read is logged and counted, and the stack keeps serving.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { cosign3Blob } from './lib/cosign3-blob.js';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { resolveConfig } from '../packages/server/src/config.js';
import { pollFor } from './lib/poll.js';

t.setTimeout(240_000);

/** The value of one series on a /metrics text (undefined when absent). */
function series(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}


t.test('the monitor section is validated with the rest of the config', async (t) => {
  t.equal(resolveConfig({}).monitor.enabled, false, 'off by default');
  t.throws(() => resolveConfig({ monitor: { enabled: true, monitoredValues: { subjects: ['('] } } }), { code: 'CONFIG_INVALID', message: /monitor\.monitoredValues\.subjects\[0\] is not a valid regular expression/ });
  t.throws(() => resolveConfig({ monitor: { enabled: true, monitoredValues: { emails: ['a'] } } as never }), { code: 'CONFIG_INVALID', message: /unknown configuration key "monitor.monitoredValues.emails"/ });
  t.throws(() => resolveConfig({ monitor: { intervalSeconds: 0 } }), { code: 'CONFIG_INVALID', message: /monitor.intervalSeconds must be an integer between 1 and 86400/ });
  t.throws(() => resolveConfig({ monitor: { enabled: true, externalLogs: [{ name: 'x', url: 'http://127.0.0.1:1', kind: 'tiles' }] } }), { code: 'CONFIG_INVALID', message: /externalLogs x: give its key/ });
  t.throws(() => resolveConfig({ monitor: { enabled: true, externalLogs: [{ name: 'rekor', url: 'http://127.0.0.1:1', kind: 'tiles', publicKeyFile: 'k.pem' }] } }), { code: 'CONFIG_INVALID', message: /names must be unique and not rekor/ });
  t.throws(() => resolveConfig({ monitor: { externalLogs: [{ name: 'x', url: 'ftp://h', kind: 'tiles', publicKeyFile: 'k' }] } }), { code: 'CONFIG_INVALID', message: /url must match/ });
});

t.test('a stack with the monitor on: alert in its log and metrics after a cosign keyless signing', async (t) => {
  const dir = tempDir(t);
  const hooked: { monitor?: string; type: string; log: string; match: { found: { subject: string } } }[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hooked.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => hook.close(() => r())));
  // The idp's URL is known only once it runs, and the stack's config needs it: start the
  // stack with a placeholder issuer regexp that any issuer matches, then check the issuer in the alert.
  const { stack, idp, env2, env3 } = await startKeylessStack(t, dir, {
    stackYaml: [
      'rekorV2:',
      '  offerInSigningConfig: true',
      'monitor:',
      `  webhook: http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      '  enabled: true',
      '  intervalSeconds: 1',
      '  monitoredValues:',
      '    certIdentities:',
      '      - certSubject: ^alice@example\\.com$',
      '        issuers: [^https?://]',
      '  externalLogs:',
      '    - name: broken',
      '      url: http://127.0.0.1:1',
      '      kind: tiles',
      `      publicKeyFile: ${JSON.stringify(join(dir, 'missing.pem'))}`,
      '',
    ].join('\n'),
  });
  const metrics = async () => (await fetch(`${stack.url}/metrics`)).text();
  // The first poll of each log trusts its head: sign only after it, or alice's entry is before the start.
  await pollFor('a first verified poll of rekor and ctlog', async () => {
    const m = await metrics();
    return ['rekor', 'ctlog', 'rekorV2'].every((log) => (series(m, 'sigstack_monitor_polls_total', { log, result: 'ok' }) ?? 0) >= 1) ? true : undefined;
  });

  const cosign = peer('cosign2');
  const services = ['--fulcio-url', stack.url, '--rekor-url', stack.url, '--yes'];
  for (const [who, file] of [['bob@example.com', 'bob.txt'], ['alice@example.com', 'alice.txt']] as const) {
    writeFileSync(join(dir, file), `signed by ${who} at ${new Date().toISOString()}\n`);
    await runClientOk(cosign, ['sign-blob', ...services, '--identity-token', tokenFile(dir, await idp.emailToken(who)), '--bundle', join(dir, `${file}.bundle`), join(dir, file)], { env: env2 });
  }
  // cosign 3.1 signs to Rekor v2 (the signing config offers it) with a timestamp from the TSA.
  writeFileSync(join(dir, 'alice3.txt'), `signed by alice with cosign 3 at ${new Date().toISOString()}\n`);
  await cosign3Blob(stack, env3).signKeyless(tokenFile(dir, await idp.emailToken('alice@example.com')), join(dir, 'alice3.bundle'), join(dir, 'alice3.txt'));

  const alerts = await pollFor('identity alerts from rekor and ctlog in the stack log', async () => {
    const lines = stack
      .output()
      .split('\n')
      .filter((l) => l.includes('"monitor alert"'))
      .map((l) => JSON.parse(l) as { level: number; monitor: string; alert: { type: string; log: string; match: { found: { subject: string; issuer: string; kind: string } } } });
    return lines.length >= 4 ? lines : undefined;
  });
  t.same(alerts.map((a) => a.monitor).sort(), ['ctlog', 'ctlog', 'rekor', 'rekorV2'], "one alert per entry with alice's certificate (two precertificates in the CT log), none for bob");
  for (const a of alerts) {
    t.equal(a.level, 40, 'logged at warn');
    t.match(a.alert, { type: 'identity', match: { found: { subject: 'alice@example.com', issuer: idp.url } } });
  }
  t.equal(alerts.find((a) => a.monitor === 'ctlog')!.alert.match.found.kind, 'precertificate', 'CT: the precertificate');
  await pollFor('the webhook to get the four alerts', async () => (hooked.length >= 4 ? true : undefined), 10_000);
  t.same(hooked.map((h) => `${h.type} ${h.match.found.subject}`), Array(4).fill('identity alice@example.com'), 'each alert POSTed to the webhook');
  t.same(hooked.map((h) => h.log).sort(), alerts.map((a) => a.alert.log).sort(), 'the same alerts');

  const m = await metrics();
  t.equal(series(m, 'sigstack_monitor_alerts_total', { log: 'rekor', type: 'identity', code: 'MATCH' }), 1);
  t.equal(series(m, 'sigstack_monitor_alerts_total', { log: 'ctlog', type: 'identity', code: 'MATCH' }), 2);
  t.equal(series(m, 'sigstack_monitor_alerts_total', { log: 'rekorV2', type: 'identity', code: 'MATCH' }), 1);
  t.equal(series(m, 'sigstack_monitor_webhook_failures_total', { log: 'rekor' }), 0);
  t.ok((series(m, 'sigstack_monitor_entries_total', { log: 'rekor' }) ?? 0) >= 2, 'both rekor entries checked');
  t.ok((series(m, 'sigstack_monitor_verified_tree_size', { log: 'rekor' }) ?? 0) >= 2);

  // The broken external log: its polls fail, are logged and counted; the stack serves on.
  t.ok((series(m, 'sigstack_monitor_polls_total', { log: 'broken', result: 'error' }) ?? 0) >= 1, 'failed polls of the broken log are counted');
  t.match(stack.output(), /"monitor":"broken".*"monitor poll failed"/);
  t.equal((await fetch(`${stack.url}/healthz`)).status, 200);

  // The stack metrics.
  t.equal(series(m, 'sigstack_certificates_issued_total', { issuer: idp.url }), 3, 'three certificates from the configured issuer');
  t.equal(series(m, 'sigstack_certificates_issued_total', { issuer: 'other' }), 0, 'the bounded label set, at 0 from the start');
  t.ok((series(m, 'sigstack_log_batch_size_count', { log: 'rekor' }) ?? 0) >= 2, 'rekor batches observed');
  t.ok((series(m, 'sigstack_log_batch_size_count', { log: 'ctlog' }) ?? 0) >= 3, 'ctlog batches observed');
  t.ok((series(m, 'sigstack_log_batch_size_count', { log: 'rekorV2' }) ?? 0) >= 1, 'rekorV2 batches observed');
  for (const log of ['rekor', 'rekorV2', 'ctlog']) {
    t.equal(series(m, 'sigstack_log_pending_entries', { log }), 0, `${log}: nothing pending`);
    const age = series(m, 'sigstack_log_checkpoint_age_seconds', { log });
    t.ok(age !== undefined && age >= 0 && age < 3600, `${log}: checkpoint age ${age}`);
  }
  t.equal(series(m, 'sigstack_log_tree_size', { log: 'rekor' }), 2);
  for (const role of ['root', 'targets', 'snapshot', 'timestamp']) {
    const s = series(m, 'sigstack_tuf_metadata_expiry_seconds', { role });
    t.ok(s !== undefined && s > 0, `TUF ${role} expires in ${s} s`);
  }
  // A coded error: an entry that is not JSON is refused with a code, counted by code.
  const before = series(m, 'sigstack_errors_total', { code: 'FST_ERR_CTP_INVALID_JSON_BODY' }) ?? 0;
  const bad = await fetch(`${stack.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
  t.equal(bad.status, 400);
  const after = await metrics();
  t.ok(/^sigstack_errors_total\{code="[A-Z_]+"\} \d+$/m.test(after), 'errors by code');
  t.ok([...after.matchAll(/^sigstack_errors_total\{code="([A-Z0-9_]+)"\} (\d+)$/gm)].reduce((n, x) => n + Number(x[2]), 0) > before, 'the refusal was counted');
});
