// Container images signed and attested keyless in a real local registry: cosign 2.5
// (Fulcio v1, certificate and chain in the .sig layer annotations, trust from the
// SIGSTORE_* files) and cosign 3.1 (Fulcio v2, bundle as an OCI referrer, trust from
// trusted_root.json, services from the signing config). SCT checks on, no insecure flag.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { startRegistry } from './lib/registry.js';
import { pushTestImage } from './lib/oci-image.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';

t.setTimeout(300_000);

const dir = tempDir(t);
const [{ stack, idp, env2, env3 }, registry] = await Promise.all([startKeylessStack(t, dir), startRegistry(t, join(dir, 'registry'))]);
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const predicate = join(dir, 'predicate.json');
writeFileSync(predicate, JSON.stringify({ scanner: 'sigstack keyless test', result: 'clean' }));

const [image2, image3] = await Promise.all([
  pushTestImage(registry.host, 'test/keyless', 'cosign2', dir, env2),
  pushTestImage(registry.host, 'test/keyless', 'cosign3', dir, env2),
]);
const who = ['--certificate-identity', 'frank@example.com', '--certificate-oidc-issuer', idp.url];
const svc2 = ['--fulcio-url', stack.url, '--rekor-url', stack.url];
const svc3 = ['--signing-config', stack.signingConfig, '--trusted-root', stack.trustedRoot];

t.test('cosign 2.5 sign and attest keyless; verify and verify-attestation with the identity', async (t) => {
  await runClientOk(cosign2, ['sign', ...svc2, '--identity-token', tokenFile(dir, await idp.emailToken('frank@example.com')), '--yes', image2], { env: env2 });
  const v = await runClientOk(cosign2, ['verify', ...who, '--rekor-url', stack.url, image2], { env: env2 });
  t.match(v.stderr, /The code-signing certificate was verified using trusted certificate authority certificates/);
  t.match(v.stderr, /Existence of the claims in the transparency log was verified offline/);
  await runClientOk(cosign2, ['attest', ...svc2, '--identity-token', tokenFile(dir, await idp.emailToken('frank@example.com')), '--predicate', predicate, '--type', 'custom', '--yes', image2], { env: env2 });
  const a = await runClientOk(cosign2, ['verify-attestation', ...who, '--rekor-url', stack.url, '--type', 'custom', image2], { env: env2 });
  t.match(a.stderr, /The code-signing certificate was verified/);
  const wrong = await runClientFails(cosign2, ['verify', '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, '--rekor-url', stack.url, image2], { env: env2 });
  t.notMatch(wrong.stderr, /verified using trusted certificate authority/);
});

t.test('cosign 3.1 sign and attest keyless; verify and verify-attestation with --trusted-root', async (t) => {
  await runClientOk(cosign3, ['sign', ...svc3, '--identity-token', tokenFile(dir, await idp.emailToken('frank@example.com')), '--yes', image3], { env: env3 });
  const v = await runClientOk(cosign3, ['verify', ...who, '--trusted-root', stack.trustedRoot, image3], { env: env3 });
  t.match(v.stderr, /The code-signing certificate was verified using trusted certificate authority certificates/);
  await runClientOk(cosign3, ['attest', ...svc3, '--identity-token', tokenFile(dir, await idp.emailToken('frank@example.com')), '--predicate', predicate, '--type', 'custom', '--yes', image3], { env: env3 });
  const a = await runClientOk(cosign3, ['verify-attestation', ...who, '--trusted-root', stack.trustedRoot, '--type', 'custom', image3], { env: env3 });
  t.match(a.stderr, /The code-signing certificate was verified/);
  const wrong = await runClientFails(cosign3, ['verify', '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, '--trusted-root', stack.trustedRoot, image3], { env: env3 });
  t.notMatch(wrong.stderr, /verified using trusted certificate authority/);
});
