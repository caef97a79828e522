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
