// cosign 3.1 against the transparency log (Rekor v1 through the legacy URL flags):
// sign-blob / attest-blob write a Sigstore bundle v0.3 through sigstore-go, verify-blob /
// verify-blob-attestation check it with --trusted-root only. cosign 3.1 submits
// hashedrekord 0.0.1 for blobs and dsse 0.0.1 for attestations whatever
// --rekor-entry-type says (the flag is deprecated and ignored). Bundles are also
// crossed with cosign 2.5 (--new-bundle-format). protocols.md §6, §9, §12.2, §13.2.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { generateCosignKeyPair } from './lib/cosign-keys.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { logIdOf, readSigstoreBundle } from './lib/bundles.js';
import { getEntry } from './lib/rekor-api.js';

t.setTimeout(240_000);

const stack = await startTestStack(t);
const dir = tempDir(t);
const cosign3 = peer('cosign3');
const cosign2 = peer('cosign2');
// No SIGSTORE_* variable: with one set, cosign 3 skips the trusted root and new-bundle
// verification refuses (protocols.md §12.2).
const env = clientEnv(dir);
const keys = await generateCosignKeyPair(cosign3, dir, env);
const logID = logIdOf(stack.rekorPub);

const artifact = join(dir, 'artifact.bin');
writeFileSync(artifact, `an artifact signed by cosign 3.1 at ${new Date().toISOString()}\n`);
const tampered = join(dir, 'tampered.bin');
writeFileSync(tampered, 'an artifact nobody signed\n');
const predicate = join(dir, 'predicate.json');
writeFileSync(predicate, JSON.stringify({ builder: 'sigstack interop test', buildId: String(Date.now()) }));

const SIGN_FLAGS = ['--use-signing-config=false', '--rekor-url', stack.url, '--key', keys.key, '--yes'];
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

const bundle = join(dir, 'artifact.sigstore.json');

t.test('sign-blob --use-signing-config=false --rekor-url --key --bundle', async (t) => {
  await runClientOk(cosign3, ['sign-blob', ...SIGN_FLAGS, '--bundle', bundle, artifact], { env });
  const b = readSigstoreBundle(bundle);
  t.equal(b.mediaType, BUNDLE_V03);
  t.same(b.kindVersion, { kind: 'hashedrekord', version: '0.0.1' });
  t.equal(b.logID, logID);
  t.ok(b.hasPromise, 'the bundle carries the SET');
  t.match(b.checkpoint, /^.+ - \d+\n\d+\n\S+\n\n\u2014 /, 'the bundle carries a Rekor v1 checkpoint');
  const [id] = await getEntry(stack.url, b.uuid);
  t.equal(id.slice(16), b.uuid);
});

t.test('verify-blob --key --bundle --trusted-root', async (t) => {
  const r = await runClientOk(cosign3, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--trusted-root', stack.trustedRoot, artifact], { env });
  t.match(r.stderr, /Verified OK/);
});

t.test('verify-blob refuses a tampered artifact', async (t) => {
  const r = await runClientFails(cosign3, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--trusted-root', stack.trustedRoot, tampered], { env });
  t.notMatch(r.stderr, /Verified OK/);
});

t.test('cosign 2.5 verifies a cosign 3.1 bundle (--new-bundle-format --trusted-root)', async (t) => {
  // cosign 2.5 links sigstore-go v0.7.1, whose ParseEntry rejects a tlog entry with
  // logIndex 0 ("nil value in transaction log entry": it tests LogIndex == 0, and protojson
  // omits a zero index). The log's very first entry (index 0, signed above) is therefore
  // unverifiable by cosign 2.5 from a new-format bundle; that is the client's bug. Use a
  // later entry.
  const b3 = join(dir, 'artifact.cosign3-for-cosign2.sigstore.json');
  await runClientOk(cosign3, ['sign-blob', ...SIGN_FLAGS, '--bundle', b3, artifact], { env });
  t.ok(readSigstoreBundle(b3).logIndex > 0, 'not the first entry of the log');
  const r = await runClientOk(cosign2, ['verify-blob', '--key', keys.pub, '--new-bundle-format', '--bundle', b3, '--trusted-root', stack.trustedRoot, artifact], { env });
  t.match(r.stderr, /Verified OK/);
});

t.test('cosign 3.1 verifies a cosign 2.5 new-format bundle', async (t) => {
  const b2 = join(dir, 'artifact.cosign2.sigstore.json');
  await runClientOk(cosign2, ['sign-blob', '--key', keys.key, '--rekor-url', stack.url, '--new-bundle-format', '--bundle', b2, '--yes', artifact], { env });
  const r = await runClientOk(cosign3, ['verify-blob', '--key', keys.pub, '--bundle', b2, '--trusted-root', stack.trustedRoot, artifact], { env });
  t.match(r.stderr, /Verified OK/);
});

t.test('attest-blob / verify-blob-attestation', async (t) => {
  const att = join(dir, 'artifact.att.sigstore.json');
  await runClientOk(cosign3, ['attest-blob', ...SIGN_FLAGS, '--predicate', predicate, '--type', 'custom', '--bundle', att, artifact], { env });
  const b = readSigstoreBundle(att);
  t.equal(b.mediaType, BUNDLE_V03);
  t.same(b.kindVersion, { kind: 'dsse', version: '0.0.1' }, 'cosign 3.1 submits a dsse entry');
  t.equal(b.logID, logID);
  const [id] = await getEntry(stack.url, b.uuid);
  t.equal(id.slice(16), b.uuid);

  const ok = await runClientOk(cosign3, ['verify-blob-attestation', '--key', keys.pub, '--bundle', att, '--trusted-root', stack.trustedRoot, '--type', 'custom', artifact], { env });
  t.match(ok.stderr, /Verified OK/);
  const bad = await runClientFails(cosign3, ['verify-blob-attestation', '--key', keys.pub, '--bundle', att, '--trusted-root', stack.trustedRoot, '--type', 'custom', tampered], { env });
  t.notMatch(bad.stderr, /Verified OK/);
});

t.test('attest-blob --rekor-entry-type intoto still submits dsse (the flag is ignored by cosign 3.1)', async (t) => {
  const att = join(dir, 'artifact.att-intoto.sigstore.json');
  await runClientOk(cosign3, ['attest-blob', ...SIGN_FLAGS, '--rekor-entry-type', 'intoto', '--predicate', predicate, '--type', 'custom', '--bundle', att, artifact], { env });
  t.same(readSigstoreBundle(att).kindVersion, { kind: 'dsse', version: '0.0.1' });
  const ok = await runClientOk(cosign3, ['verify-blob-attestation', '--key', keys.pub, '--bundle', att, '--trusted-root', stack.trustedRoot, '--type', 'custom', artifact], { env });
  t.match(ok.stderr, /Verified OK/);
});
