import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVerificationKey, createEphemeralSigner } from '@sigstack/core';
import { createAlertSink, createLogSource, createMonitorMetrics, LogMonitor, MonitorError, parseMonitorConfig, type Alert, type LogKind } from '../src/index.js';
import { plainLeaves, startFakeLog, type FakeLog } from './helpers/fake-log.js';
import { ctX509Leaf, hashedRekordBody, makeCertificate, rekorV2Body } from './helpers/certificates.js';

const dir = mkdtempSync(join(tmpdir(), 'monitor-test-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const alice = makeCertificate('email:alice@example.com', 'https://issuer.example');
const watch = parseMonitorConfig('monitoredValues:\n  certIdentities:\n    - certSubject: ^alice@example\\.com$\n      issuers: [^https://issuer\\.example$]\n').monitoredValues;

const KINDS: { kind: LogKind; path: string; leaf: () => Buffer }[] = [
  { kind: 'rekor-v1', path: '', leaf: () => hashedRekordBody(alice) },
  { kind: 'tiles', path: '/tiles', leaf: () => rekorV2Body(alice) },
  { kind: 'ct', path: '/ct', leaf: () => ctX509Leaf(alice) },
];

let n = 0;
function monitorFor(log: FakeLog, kind: LogKind, path: string, opts: { state?: string; startIndex?: number } = {}) {
  const alerts: Alert[] = [];
  const lines: string[] = [];
  const metrics = createMonitorMetrics();
  const source = createLogSource(kind, log.url + path, [parseVerificationKey(log.publicKeyPem)]);
  const m = new LogMonitor({
    source,
    monitoredValues: watch,
    statePath: opts.state ?? join(dir, `state-${n++}.json`),
    ...(opts.startIndex !== undefined ? { startIndex: opts.startIndex } : {}),
    alerts: createAlertSink({ write: (l) => (lines.push(l), alerts.push(JSON.parse(l) as Alert)) }),
    metrics,
  });
  return { m, alerts, lines, metrics };
}

for (const { kind, path, leaf } of KINDS) {
  t.test(`${kind}: a growing log is quiet, a watched identity alerts within one poll`, async (t) => {
    const log = await startFakeLog(plainLeaves(300));
    t.teardown(() => log.close());
    const { m, alerts, metrics } = monitorFor(log, kind, path);
    const first = await m.poll();
    t.equal(first.verified?.size, 300, 'first poll trusts and stores the current tree');
    t.equal(first.entries, 0, 'and starts at its end');
    log.leaves = [...log.leaves, ...plainLeaves(270, 'b')];
    const second = await m.poll();
    t.same(second.alerts, []);
    t.equal(second.entries, 270);
    log.leaves = [...log.leaves, ...plainLeaves(3, 'c'), leaf(), ...plainLeaves(2, 'd')];
    const third = await m.poll();
    t.equal(third.alerts.length, 1);
    t.match(alerts[0], { type: 'identity', index: 573, kind, match: { found: { subject: 'alice@example.com', issuer: 'https://issuer.example' } } });
    t.match(await metrics.registry.getSingleMetricAsString('sigstack_monitor_entries_total'), /sigstack_monitor_entries_total(\{[^}]*\})? 276/);
  });

  t.test(`${kind}: a rolled-back log alerts ROLLBACK and keeps the verified state`, async (t) => {
    const log = await startFakeLog(plainLeaves(20));
    t.teardown(() => log.close());
    const state = join(dir, `rollback-${kind}.json`);
    const { m, alerts } = monitorFor(log, kind, path, { state });
    await m.poll();
    const before = readFileSync(state, 'utf8');
    log.leaves = log.leaves.slice(0, 12);
    const r = await m.poll();
    t.equal(r.verified, undefined);
    t.match(alerts, [{ type: 'inconsistency', code: 'ROLLBACK', verified: { size: 20 }, observed: { size: 12 } }]);
    t.equal(readFileSync(state, 'utf8'), before, 'state unchanged');
    await m.poll();
    t.equal(alerts.length, 2, 'the alert repeats on every poll');
  });

  t.test(`${kind}: a forked log (same size, other root; and a larger tree that does not extend) alerts FORK`, async (t) => {
    const log = await startFakeLog(plainLeaves(40));
    t.teardown(() => log.close());
    const { m, alerts } = monitorFor(log, kind, path);
    await m.poll();
    log.leaves = plainLeaves(40, 'fork');
    await m.poll();
    t.match(alerts, [{ type: 'inconsistency', code: 'FORK', message: /different roots/ }]);
    log.leaves = plainLeaves(45, 'fork');
    await m.poll();
    t.match(alerts[1], { type: 'inconsistency', code: 'FORK', message: /not an extension/ });
  });

  t.test(`${kind}: entries that are not the leaves of the signed tree alert FORK (after the identity they show)`, async (t) => {
    const log = await startFakeLog(plainLeaves(10));
    t.teardown(() => log.close());
    const { m, alerts } = monitorFor(log, kind, path);
    await m.poll();
    log.leaves = [...log.leaves, ...plainLeaves(5, 'real')];
    log.servedEntries = [...log.leaves.slice(0, 12), leaf(), ...log.leaves.slice(13)];
    const r = await m.poll();
    t.equal(r.verified, undefined, 'the new head is not stored');
    const fork = alerts.find((a) => a.type === 'inconsistency');
    t.match(fork, { code: 'FORK', message: /not the leaves of its signed tree|does not hash to the leaf/ });
    log.servedEntries = undefined;
    const again = await m.poll();
    t.equal(again.verified?.size, 15, 'the honest entries verify from the last good head');
  });

  t.test(`${kind}: a tree head signed by another key alerts BAD_SIGNATURE`, async (t) => {
    const log = await startFakeLog(plainLeaves(5));
    t.teardown(() => log.close());
    const { m, alerts } = monitorFor(log, kind, path);
    log.signWith = createEphemeralSigner('ecdsa-p256-sha256');
    await m.poll();
    t.match(alerts, [{ type: 'inconsistency', code: 'BAD_SIGNATURE' }]);
  });
}

t.test('tiles: a partial tile deleted once its full tile exists is read from the full tile (C2SP)', async (t) => {
  const log = await startFakeLog(plainLeaves(300));
  t.teardown(() => log.close());
  const { m, alerts } = monitorFor(log, 'tiles', '/tiles');
  await m.poll();
  log.leaves = [...log.leaves, ...plainLeaves(300, 'b'), hashedRekordBody(alice)];
  log.ahead = plainLeaves(400, 'ahead');
  log.deletePartials = true;
  const r = await m.poll();
  t.equal(r.verified?.size, 601);
  t.equal(r.entries, 301);
  t.match(alerts, [{ type: 'identity', index: 600 }]);
});

t.test('startIndex scans entries before the first tree head', async (t) => {
  const log = await startFakeLog([...plainLeaves(3), hashedRekordBody(alice)]);
  t.teardown(() => log.close());
  const { m, alerts } = monitorFor(log, 'rekor-v1', '', { startIndex: 0 });
  const r = await m.poll();
  t.equal(r.entries, 4);
  t.match(alerts, [{ type: 'identity', index: 3 }]);
});

t.test('a checkpoint origin other than the one verified before alerts ORIGIN_CHANGED', async (t) => {
  const log = await startFakeLog(plainLeaves(5));
  t.teardown(() => log.close());
  const state = join(dir, 'origin.json');
  const { m, alerts } = monitorFor(log, 'tiles', '/tiles', { state });
  await m.poll();
  const s = JSON.parse(readFileSync(state, 'utf8'));
  writeFileSync(state, JSON.stringify({ ...s, origin: 'other.example/log' }));
  await m.poll();
  t.match(alerts, [{ type: 'inconsistency', code: 'ORIGIN_CHANGED' }]);
});

t.test('a configured origin the log does not sign alerts ORIGIN_CHANGED from the first poll on', async (t) => {
  const log = await startFakeLog(plainLeaves(5));
  t.teardown(() => log.close());
  const alerts: Alert[] = [];
  const m = new LogMonitor({
    source: createLogSource('tiles', `${log.url}/tiles`, [parseVerificationKey(log.publicKeyPem)]),
    monitoredValues: watch,
    origin: 'expected.example/log',
    alerts: createAlertSink({ write: (l) => alerts.push(JSON.parse(l) as Alert) }),
  });
  await m.poll();
  await m.poll();
  t.match(alerts, [{ code: 'ORIGIN_CHANGED', message: /"fake.example\/log" is not "expected.example\/log"/ }, { code: 'ORIGIN_CHANGED' }]);
});

t.test('state: another log\'s state file and a garbage file are refused with STATE_FAILED', async (t) => {
  const log = await startFakeLog(plainLeaves(5));
  t.teardown(() => log.close());
  const state = join(dir, 'shared.json');
  await monitorFor(log, 'tiles', '/tiles', { state }).m.poll();
  await t.rejects(monitorFor(log, 'ct', '/ct', { state }).m.poll(), { code: 'STATE_FAILED', message: /belongs to tiles/ });
  writeFileSync(state, 'not json');
  await t.rejects(monitorFor(log, 'tiles', '/tiles', { state }).m.poll(), { code: 'STATE_FAILED' });
});

t.test('an unreachable log or one that serves garbage is FETCH_FAILED / BAD_RESPONSE, not an alert', async (t) => {
  const log = await startFakeLog(plainLeaves(5));
  const url = log.url;
  await log.close();
  const source = createLogSource('rekor-v1', url, [parseVerificationKey(log.publicKeyPem)], { timeoutMs: 2000 });
  const m = new LogMonitor({ source, monitoredValues: watch, alerts: createAlertSink({ write: () => t.fail('no alert') }) });
  await t.rejects(m.poll(), { code: 'FETCH_FAILED' });
  t.throws(() => createLogSource('rekor-v2', url, []), { code: 'INVALID_CONFIG' });
  t.throws(() => createLogSource('tiles', 'file:///etc', []), { code: 'INVALID_CONFIG' });
  t.ok(new MonitorError('FORK', 'x') instanceof Error);
});
