// cosign 2.5 against the transparency log: key-based blob signing, the legacy bundle
// (SET only, verified offline) and the online lookup (no bundle), the new bundle format
// with --trusted-root, and a tampered artifact. protocols.md §6, §11.2, §12.1, §13.1.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { generateCosignKeyPair } from './lib/cosign-keys.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { logIdOf, readLegacyBundle, readSigstoreBundle } from './lib/bundles.js';
import { getEntry } from './lib/rekor-api.js';

t.setTimeout(240_000);

const stack = await startTestStack(t);
const dir = tempDir(t);
const cosign = peer('cosign2');
// Legacy verification takes the log key from SIGSTORE_REKOR_PUBLIC_KEY (no TUF).
const env = clientEnv(dir, { SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub });
// The trusted-root path must not see the legacy variable (it would mix trust sources).
const envTrustedRoot = clientEnv(dir);
const keys = await generateCosignKeyPair(cosign, dir, env);
const logID = logIdOf(stack.rekorPub);

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `an artifact signed by cosign 2.5 at ${new Date().toISOString()}\n`);
const tampered = join(dir, 'tampered.txt');
writeFileSync(tampered, 'not the artifact that was signed\n');

const bundle = join(dir, 'artifact.bundle');
const sigFile = join(dir, 'artifact.sig');

t.test('sign-blob --key --rekor-url --bundle uploads a hashedrekord entry', async (t) => {
  const r = await runClientOk(cosign, ['sign-blob', '--key', keys.key, '--rekor-url', stack.url, '--bundle', bundle, '--output-signature', sigFile, '--yes', artifact], { env });
  const m = /tlog entry created with index: (\d+)/.exec(r.stderr);
  t.ok(m, 'cosign reports the log index', { stderr: r.stderr });
  const b = readLegacyBundle(bundle);
  t.equal(b.kind, 'hashedrekord');
  t.equal(b.apiVersion, '0.0.1');
  t.equal(b.logIndex, Number(m?.[1]), 'bundle and message agree on the index');
  t.equal(b.logID, logID, 'logID is SHA-256 of the log key');
  const [id, entry] = await getEntry(stack.url, b.uuid);
  t.equal(id.slice(16), b.uuid, 'the log serves the entry under the bundle body leaf hash');
  t.equal(entry.logIndex, b.logIndex);
});

t.test('verify-blob with the bundle and --rekor-url', async (t) => {
  const r = await runClientOk(cosign, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--rekor-url', stack.url, artifact], { env });
  t.match(r.stderr, /Verified OK/);
});

t.test('verify-blob with the bundle, --offline (SET checked with SIGSTORE_REKOR_PUBLIC_KEY only)', async (t) => {
  const r = await runClientOk(cosign, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--offline', artifact], { env });
  t.match(r.stderr, /Verified OK/);
});

t.test('verify-blob with only the signature: online search of the log', async (t) => {
  const r = await runClientOk(cosign, ['verify-blob', '--key', keys.pub, '--signature', sigFile, '--rekor-url', stack.url, artifact], { env });
  t.match(r.stderr, /Verified OK/);
});

t.test('a tampered artifact is refused', async (t) => {
  const withBundle = await runClientFails(cosign, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--rekor-url', stack.url, tampered], { env });
  t.notMatch(withBundle.stderr, /Verified OK/);
  // cosign 2.5 compares the artifact digest with the bundle's hashedrekord body first.
  t.match(withBundle.stderr, /matching bundle to payload|invalid signature/);
  const online = await runClientFails(cosign, ['verify-blob', '--key', keys.pub, '--signature', sigFile, '--rekor-url', stack.url, tampered], { env });
  t.notMatch(online.stderr, /Verified OK/);
});

t.test('a bundle whose SET is not ours is refused', async (t) => {
  // Same bundle, verified against a different log key: the SET must not verify.
  const other = await generateCosignKeyPair(cosign, dir, env, 'not-the-log');
  const r = await runClientFails(cosign, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--offline', artifact], {
    env: { ...env, SIGSTORE_REKOR_PUBLIC_KEY: other.pub },
  });
  t.notMatch(r.stderr, /Verified OK/);
});

t.test('new bundle format: sign-blob --new-bundle-format, verify-blob --trusted-root', async (t) => {
  const nb = join(dir, 'artifact.sigstore.json');
  await runClientOk(cosign, ['sign-blob', '--key', keys.key, '--rekor-url', stack.url, '--new-bundle-format', '--bundle', nb, '--yes', artifact], { env });
  const b = readSigstoreBundle(nb);
  t.equal(b.kind, 'hashedrekord');
  t.same(b.kindVersion, { kind: 'hashedrekord', version: '0.0.1' });
  t.equal(b.logID, logID);
  t.ok(b.checkpoint, 'the bundle carries the inclusion proof checkpoint');
  t.ok(b.hasPromise, 'the bundle carries the SET');
  const r = await runClientOk(cosign, ['verify-blob', '--key', keys.pub, '--new-bundle-format', '--bundle', nb, '--trusted-root', stack.trustedRoot, artifact], { env: envTrustedRoot });
  t.match(r.stderr, /Verified OK/);
  await runClientFails(cosign, ['verify-blob', '--key', keys.pub, '--new-bundle-format', '--bundle', nb, '--trusted-root', stack.trustedRoot, tampered], { env: envTrustedRoot });
});
