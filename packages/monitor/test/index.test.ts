import t from 'tap';
import * as monitor from '../src/index.js';

// Pins the public surface of @sigstack/monitor: an addition or removal must be deliberate.
t.test('public runtime exports', async (t) => {
  t.same(Object.keys(monitor).sort(), [
    'CompactRange',
    'CtSource',
    'DEFAULT_FETCH_TIMEOUT_MS',
    'DEFAULT_POLL_INTERVAL_S',
    'DEFAULT_WEBHOOK_TIMEOUT_MS',
    'INCONSISTENCY_CODES',
    'LOG_KINDS',
    'LogMonitor',
    'MAX_ENTRY_JSON_BYTES',
    'MAX_MONITORED_VALUES',
    'MAX_RESPONSE_BYTES',
    'MONITOR_STATE_VERSION',
    'MonitorError',
    'REKOR_V1_FETCH_CONCURRENCY',
    'RekorV1Source',
    'TilesSource',
    'createAlertSink',
    'createLogSource',
    'createMonitorMetrics',
    'identitiesOfLeaf',
    'loadTrustedKeys',
    'matchIdentities',
    'parseMonitorConfig',
    'readMonitorConfig',
    'readMonitorState',
    'serveMetrics',
    'writeMonitorState',
  ]);
  t.same(monitor.LOG_KINDS, ['rekor-v1', 'tiles', 'ct']);
  t.equal(monitor.DEFAULT_POLL_INTERVAL_S, 60);
});

t.test('MonitorError is a SigstackError with a code; the inconsistency codes are the alerting ones', async (t) => {
  const { isSigstackError } = await import('@sigstack/core');
  const e = new monitor.MonitorError('FORK', 'fork');
  t.ok(isSigstackError(e));
  t.equal(e.name, 'MonitorError');
  t.same([...monitor.INCONSISTENCY_CODES].sort(), ['BAD_SIGNATURE', 'FORK', 'ORIGIN_CHANGED', 'ROLLBACK']);
});

t.test('config: rekor-monitor fields are read, unknown or malformed ones refused with INVALID_CONFIG naming them', async (t) => {
  const c = monitor.parseMonitorConfig(
    'log: {publicKeyFile: k.pub, origin: o}\nstartIndex: 7\nmonitoredValues:\n  certIdentities: [{certSubject: a, issuers: [b]}]\n  subjects: [c]\n  fingerprints: ["AB:CD"]\n',
    '/base',
  );
  t.same(c.log, { publicKeyFiles: ['/base/k.pub'], origin: 'o' });
  t.equal(c.startIndex, 7);
  t.same(c.monitoredValues.fingerprints, ['abcd']);
  const bad: [string, RegExp][] = [
    ['monitoredValues: {emails: [a]}', /unknown field "emails"/],
    ['monitoredValues: {certIdentities: [{issuers: [a]}]}', /certIdentities\[0\]\.certSubject must be a non-empty string/],
    ['monitoredValues: {fingerprints: [xyz]}', /fingerprints\[0\] is not a hex/],
    ['monitoredValues: {oidMatchers: {other: []}}', /oidMatchers: unknown field "other"/],
    ['startIndex: -1', /startIndex/],
    ['[1, 2]', /config must be a mapping/],
    ['a: [', /not YAML or JSON/],
  ];
  for (const [text, message] of bad) t.throws(() => monitor.parseMonitorConfig(text), { code: 'INVALID_CONFIG', message }, text);
  t.throws(() => monitor.loadTrustedKeys({}), { code: 'INVALID_CONFIG', message: /no log key/ });
  t.throws(() => monitor.loadTrustedKeys({ publicKeyFiles: ['/nonexistent.pub'] }), { code: 'INVALID_CONFIG' });
});
