// Keyless signing with cosign 3.1 (Fulcio API v2 through sigstore-go) and sigstore-js,
// trust from the stack's trusted_root.json, service URLs from its signing config (or the
// legacy flags): new-format bundles carrying the leaf with its embedded SCT, the Rekor
// entry and an RFC 3161 timestamp. sigstore-js verifies cosign's bundle and cosign
// verifies sigstore-js's. No insecure flag. protocols.md §4.2, §9, §12.2, §12.3, §13.2, §13.4.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { sigstoreJsVerify } from './lib/sigstore-js.js';
import { cosign3Blob } from './lib/cosign3-blob.js';

t.setTimeout(300_000);

const dir = tempDir(t);
const keyless = await startKeylessStack(t, dir, { ci: true });
const { stack, idp, env3: env } = keyless;
const ci = keyless.ci!;
const cosign = peer('cosign3');
const blob3 = cosign3Blob(stack, env, cosign);

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `signed keyless by cosign 3.1 at ${new Date().toISOString()}\n`);
const bundle = join(dir, 'artifact.sigstore.json');

function leafOf(bundlePath: string): X509Certificate {
  const b = JSON.parse(readFileSync(bundlePath, 'utf8'));
  const vm = b.verificationMaterial;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates?.[0]?.rawBytes;
  return new X509Certificate(Buffer.from(raw, 'base64'));
}

t.test('sign-blob with --signing-config and --trusted-root: CA v2, log, TSA from the signing config', async (t) => {
  const token = await idp.emailToken('bob@example.com');
  await blob3.signKeyless(tokenFile(dir, token), bundle, artifact);
  const b = JSON.parse(readFileSync(bundle, 'utf8'));
  t.match(b.mediaType, /application\/vnd\.dev\.sigstore\.bundle/);
  t.equal(b.verificationMaterial.tlogEntries.length, 1, 'one Rekor entry');
  t.ok(b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length, 'an RFC 3161 timestamp');
  t.match(leafOf(bundle).subjectAltName ?? '', /email:bob@example\.com/);
});

t.test('verify-blob --trusted-root with identity and issuer', async (t) => {
  t.match((await blob3.verify(bundle, 'bob@example.com', idp.url, artifact)).stderr, /Verified OK/);
});

t.test('a wrong identity or issuer is refused', async (t) => {
  for (const [id, iss] of [
    ['mallory@example.com', idp.url],
    ['bob@example.com', ci.url],
  ] as const) {
    const r = await blob3.verify(bundle, id, iss, artifact, runClientFails);
    t.notMatch(r.stderr, /Verified OK/, `${id} / ${iss}`);
  }
});

t.test('legacy service flags (--use-signing-config=false --fulcio-url --rekor-url)', async (t) => {
  const token = await idp.emailToken('carol@example.com');
  const legacy = join(dir, 'legacy.sigstore.json');
  await runClientOk(
    cosign,
    [
      'sign-blob', '--use-signing-config=false', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--trusted-root', stack.trustedRoot,
      '--identity-token', tokenFile(dir, token), '--bundle', legacy, '--yes', artifact,
    ],
    { env },
  );
  t.match((await blob3.verify(legacy, 'carol@example.com', idp.url, artifact)).stderr, /Verified OK/);
});

t.test('a CI-workflow identity with --certificate-github-workflow-* and regexp matching', async (t) => {
  const token = await ci.githubToken('acme/app', '.github/workflows/release.yml', 'refs/tags/v1.2.3', { ref_type: 'tag' });
  const ciBundle = join(dir, 'ci.sigstore.json');
  await blob3.signKeyless(tokenFile(dir, token), ciBundle, artifact);
  const r = await runClientOk(
    cosign,
    [
      'verify-blob', '--bundle', ciBundle, '--trusted-root', stack.trustedRoot,
      '--certificate-identity-regexp', '^https://github\\.com/acme/app/\\.github/workflows/release\\.yml@refs/tags/v',
      '--certificate-oidc-issuer', ci.url,
      '--certificate-github-workflow-repository', 'acme/app',
      '--certificate-github-workflow-ref', 'refs/tags/v1.2.3',
      artifact,
    ],
    { env },
  );
  t.match(r.stderr, /Verified OK/);
});

t.test('sigstore-js verifies the cosign bundle against our trusted root (SCT, tlog, TSA, chain)', async (t) => {
  const res = await sigstoreJsVerify(bundle, readFileSync(artifact), stack.trustedRoot, {
    certificateIssuer: idp.url,
    certificateIdentityEmail: 'bob@example.com',
  });
  t.equal(res.ok, true, res.error ?? '');
  const wrong = await sigstoreJsVerify(bundle, readFileSync(artifact), stack.trustedRoot, {
    certificateIssuer: idp.url,
    certificateIdentityEmail: 'mallory@example.com',
  });
  t.equal(wrong.ok, false, 'a wrong identity fails in sigstore-js too');
  const tampered = await sigstoreJsVerify(bundle, Buffer.from('tampered'), stack.trustedRoot, {});
  t.equal(tampered.ok, false, 'a tampered artifact fails');
});

t.test('sigstore-js signs keyless against the stack (v2 API, token in the body) and cosign 3.1 verifies it', async (t) => {
  const { sign } = await import('sigstore');
  const token = await idp.emailToken('dave@example.com');
  const payload = readFileSync(artifact);
  const b = await sign(payload, {
    fulcioURL: stack.url,
    rekorURL: stack.url,
    tsaServerURL: stack.url,
    identityToken: token,
  });
  const out = join(dir, 'sigstore-js.sigstore.json');
  writeFileSync(out, JSON.stringify(b));
  t.match((await blob3.verify(out, 'dave@example.com', idp.url, artifact)).stderr, /Verified OK/);
});
