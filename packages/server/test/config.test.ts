import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, publicUrlOf, readConfigFile, resolveConfig, DEFAULT_CONFIG } from '../src/config.js';

t.test('defaults need nothing configured', async (t) => {
  const c = resolveConfig();
  t.equal(c.host, '127.0.0.1');
  t.equal(c.port, 3000);
  t.equal(c.development, true);
  t.equal(publicUrlOf(c, 3000), 'http://127.0.0.1:3000');
  t.equal(DEFAULT_CONFIG.rekor.key.path, 'keys/rekor.pem');
});

t.test('file, then environment, then flags', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const f = join(dir, 'c.yaml');
  writeFileSync(f, 'port: 4000\nrekor:\n  maxBatchSize: 64\npublicUrl: https://log.example.com\n');
  const c = resolveConfig(readConfigFile(f), configFromEnv({ SIGSTACK_PORT: '5000' }), { host: '0.0.0.0' });
  t.equal(c.port, 5000);
  t.equal(c.host, '0.0.0.0');
  t.equal(c.rekor.maxBatchSize, 64);
  t.equal(c.rekor.maxBatchWaitMs, DEFAULT_CONFIG.rekor.maxBatchWaitMs, 'sections merge key by key');
  t.equal(publicUrlOf(c, 5000), 'https://log.example.com');
});

t.test('refuses dangerous or meaningless configuration', async (t) => {
  for (const [o, msg] of [
    [{ port: 70000 }, /port/],
    [{ rekor: { maxBatchSize: 0 } }, /maxBatchSize/],
    [{ publicUrl: 'ftp://x' }, /http/],
    [{ publicUrl: 'https://x/path' }, /origin/],
    [{ nonsense: true }, /unknown configuration key "nonsense"/],
    [{ rekor: { typo: 1 } }, /rekor\.typo/],
    [{ fulcio: { certValiditySeconds: 0 } }, /certValiditySeconds/],
    [{ fulcio: { caAlgorithm: 'rsa' } }, /caAlgorithm/],
    [{ ctlog: { enabled: false } }, /fulcio needs the CT log/],
    [{ ctlog: { prefix: 'no-slash' } }, /ctlog\.prefix/],
    [{ development: false, tuf: { enabled: false } }, /fulcio\.configFile is required outside development/],
    [{ development: false, fulcio: { enabled: false } }, /tuf needs tuf\.repositoryDir/],
  ] as const) {
    t.throws(() => resolveConfig(o as never), { code: 'CONFIG_INVALID', message: msg });
  }
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  writeFileSync(join(dir, 'bad.yaml'), 'port: [1, 2');
  t.throws(() => readConfigFile(join(dir, 'bad.yaml')), { code: 'CONFIG_INVALID' });
  t.throws(() => readConfigFile(join(dir, 'missing.yaml')), { code: 'CONFIG_INVALID', message: /cannot read/ });
});

t.test('errors name the field (issue 10: the schema validates)', async (t) => {
  for (const [o, msg] of [
    [{ port: 'eighty' }, /^port must be an integer between 0 and 65535, got "eighty"$/],
    [{ rekor: { key: { path: '' } } }, /^rekor\.key\.path/],
    [{ rekor: { key: { path: 'k.pem', passphrase: 'x' } } }, /^unknown configuration key "rekor\.key\.passphrase"$/],
    [{ logLevel: 'loud' }, /^logLevel must be one of fatal, error, warn, info, debug, trace, silent, got "loud"$/],
    [{ tsa: { policyOid: 'not.an.oid' } }, /^tsa\.policyOid must match/],
    [{ tuf: { timestampExpirySeconds: 1 } }, /^tuf\.timestampExpirySeconds must be an integer between 2 and/],
    [{ shedding: { writes: { maxQueueAgeMs: 0 } } }, /^shedding\.writes\.maxQueueAgeMs must be an integer between 1 and/],
    [{ shedding: { retryAfterMinSeconds: 5, retryAfterMaxSeconds: 2 } }, /retryAfterMaxSeconds \(2\) must not be below/],
    [{ development: 'yes' }, /^development: expected boolean, got "yes"$/],
  ] as const) {
    t.throws(() => resolveConfig(o as never), { code: 'CONFIG_INVALID', message: msg }, JSON.stringify(o));
  }
  const c = resolveConfig({ shedding: { reads: { maxQueueAgeMs: 100 } } });
  t.equal(c.shedding.reads.maxQueueAgeMs, 100);
  t.equal(c.shedding.writes.maxQueueAgeMs, DEFAULT_CONFIG.shedding.writes.maxQueueAgeMs, 'bounds have defaults');
  t.equal(c.tuf.onlineKey, undefined, 'an optional key without a value stays absent');
});

const DEPLOY = join(import.meta.dirname, '..', '..', '..', 'deploy');

t.test('deploy/sigstack.example.yaml is valid (issue 10)', async (t) => {
  const c = resolveConfig(readConfigFile(join(DEPLOY, 'sigstack.example.yaml')));
  t.equal(c.development, false);
  t.equal(c.publicUrl, 'https://sigstore.example.com');
  t.equal(c.tuf.onlineKey?.passphraseEnv, 'TUF_ONLINE_KEY_PASSPHRASE');
  t.same(c.shedding, DEFAULT_CONFIG.shedding, 'the example shows the shedding defaults');
  t.equal(c.rekorV2.enabled, true);
  t.equal(c.rekorV2.key.passphraseEnv, 'REKOR_V2_KEY_PASSPHRASE');
  t.same(c.rekorV2.witnessing.witnesses, [], 'witnessing is commented out');
});

t.test('the example\'s commented witnessing section, uncommented with a real key, is valid', async (t) => {
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(join(DEPLOY, 'sigstack.example.yaml'), 'utf8').split('\n');
  const at = lines.indexOf('  # witnessing:');
  t.ok(at > 0, 'the example has the section');
  for (let i = at; i < lines.length && lines[i]!.startsWith('  # '); i++) lines[i] = lines[i]!.replace(/^  # /, '  ');
  const text = lines
    .join('\n')
    .replace('witness.partner.example+<hex hint>+<base64 key>', 'w1.example+632fcd6f+BJimq2h4Qbdkm7zGd4pY0JPts92el+VxTtRpEkGppad7');
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  writeFileSync(join(dir, 'c.yaml'), text);
  const c = resolveConfig(readConfigFile(join(dir, 'c.yaml')));
  t.same(c.rekorV2.witnessing, {
    witnesses: [{ name: 'partner', url: 'https://witness.partner.example', key: 'w1.example+632fcd6f+BJimq2h4Qbdkm7zGd4pY0JPts92el+VxTtRpEkGppad7' }],
    quorum: 1,
    waitForWitnesses: false,
    timeoutMs: 5000,
  });
});

t.test('deploy/sigstack.schema.json is the schema the stack validates with', async (t) => {
  const { sigstackConfigJsonSchema } = await import('../src/config.js');
  const { readFileSync } = await import('node:fs');
  const path = join(DEPLOY, 'sigstack.schema.json');
  const text = JSON.stringify(sigstackConfigJsonSchema(), null, 2) + '\n';
  // Regenerate with SIGSTACK_WRITE_SCHEMA=1 npx tap packages/server/test/config.test.ts
  if (process.env.SIGSTACK_WRITE_SCHEMA === '1') writeFileSync(path, text);
  t.equal(readFileSync(path, 'utf8'), text);
});

t.test('witnessing: defaults, and the rules the schema cannot say (issue 11)', async (t) => {
  const W = { name: 'w1', url: 'http://127.0.0.1:3030', key: 'w1.example+632fcd6f+BJimq2h4Qbdkm7zGd4pY0JPts92el+VxTtRpEkGppad7' };
  t.same(DEFAULT_CONFIG.rekorV2.witnessing, { witnesses: [], waitForWitnesses: false, timeoutMs: 5000 }, 'no witnesses, fail open, 5 s');
  const c = resolveConfig({ rekorV2: { witnessing: { witnesses: [W], waitForWitnesses: true } }, ctlog: { witnessing: { witnesses: [W] } } });
  t.equal(c.rekorV2.witnessing.waitForWitnesses, true);
  t.equal(c.rekorV2.witnessing.quorum, undefined, 'quorum defaults to every witness (decided by the cosigner)');
  t.equal(c.ctlog.witnessing.witnesses.length, 1);
  for (const [o, msg] of [
    [{ rekorV2: { witnessing: { witnesses: [W], quorum: 2 } } }, /^rekorV2\.witnessing\.quorum \(2\) is more than the 1 witnesses configured$/],
    [{ rekorV2: { witnessing: { waitForWitnesses: true } } }, /^rekorV2\.witnessing\.waitForWitnesses needs witnesses$/],
    [{ rekor: { witnessing: { witnesses: [W], waitForWitnesses: true } } }, /^rekor\.witnessing\.waitForWitnesses: only Rekor v2 answers writes with a checkpoint note/],
    [{ rekorV2: { witnessing: { witnesses: [{ ...W, url: 'ftp://x' }] } } }, /^rekorV2\.witnessing\.witnesses\.0\.url must match/],
    [{ rekorV2: { witnessing: { witnesses: [{ ...W, key: 'not a key' }] } } }, /^rekorV2\.witnessing\.witnesses\.0\.key must match/],
    [{ rekorV2: { witnessing: { witnesses: [{ ...W, extra: 1 }] } } }, /witnesses\.0\.extra/],
    [{ rekorV2: { witnessing: { timeoutMs: 10 } } }, /^rekorV2\.witnessing\.timeoutMs must be an integer between 100 and/],
  ] as const) {
    t.throws(() => resolveConfig(o as never), { code: 'CONFIG_INVALID', message: msg }, JSON.stringify(o));
  }
});
