import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrustedRoot, readTrustedRootFile, resolveTrustedRoot, trustedRootFromLegacyEnv } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'trust-'));
t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));

t.test('cosign 2\'s SIGSTORE_* files become a trusted root', async (t) => {
  const rekor = join(dir, 'rekor.pub');
  writeFileSync(rekor, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
  const root = trustedRootFromLegacyEnv({ SIGSTORE_REKOR_PUBLIC_KEY: rekor })!;
  t.equal(root.tlogs.length, 1);
  t.equal(root.tlogs[0]!.logId!.keyId.length, 32, 'log ID is the SHA-256 of the key');
  t.equal(root.certificateAuthorities.length, 0);
  t.equal(trustedRootFromLegacyEnv({}), undefined, 'none set: none');
  writeFileSync(join(dir, 'empty.pem'), 'nothing here');
  t.throws(() => trustedRootFromLegacyEnv({ SIGSTORE_ROOT_FILE: join(dir, 'empty.pem') }), { code: 'TRUST_INVALID', message: /SIGSTORE_ROOT_FILE.*no CERTIFICATE/ });
  t.throws(() => trustedRootFromLegacyEnv({ SIGSTORE_REKOR_PUBLIC_KEY: join(dir, 'missing.pub') }), { code: 'TRUST_INVALID', message: /no such file/ });
});

t.test('a trusted root file is checked before use', async (t) => {
  t.throws(() => parseTrustedRoot('[]', 'tr.json'), { code: 'TRUST_INVALID', message: /tr\.json/ });
  t.throws(() => parseTrustedRoot('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}', 'tr.json'), { code: 'TRUST_INVALID', message: /not a trusted root/ });
  t.throws(() => parseTrustedRoot('{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"', 'tr.json'), { code: 'TRUST_INVALID', message: /not JSON/ });
  const big = join(dir, 'big.json');
  writeFileSync(big, Buffer.alloc(5 * 1024 * 1024, 32));
  t.throws(() => readTrustedRootFile(big), { code: 'TRUST_INVALID', message: /larger than/ });
});

t.test('no trust at all is an error that says how to get some, never a public-good default', async (t) => {
  await t.rejects(resolveTrustedRoot({ env: { HOME: dir, TUF_ROOT: join(dir, 'none') } }), { code: 'TRUST_INVALID', message: /initialize/ });
});
