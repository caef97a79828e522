// Keyless signatures with an RFC 3161 timestamp still verify after the certificate has
// expired: the verifier checks the certificate at the TSA's genTime (and the log's
// integratedTime), not at the current time. The stack runs with 4-second certificates so
// the test can outlive one; everything else is the development default. cosign 2.5
// (legacy bundle + detached .tsr + --timestamp-certificate-chain) and cosign 3.1 (the
// timestamp inside the bundle, trust from trusted_root.json). protocols.md §8.5, §12.6.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { sigstoreJsVerify } from './lib/sigstore-js.js';

t.setTimeout(300_000);

const VALIDITY_S = 4;
const dir = tempDir(t);
const { stack, idp, env2, env3 } = await startKeylessStack(t, dir, { stackYaml: `fulcio:\n  certValiditySeconds: ${VALIDITY_S}\n` });
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const tsaUrl = `${stack.url}/api/v1/timestamp`;

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `timestamped at ${new Date().toISOString()}\n`);
const legacyBundle = join(dir, 'artifact.bundle');
const tsr = join(dir, 'artifact.tsr');
const newBundle = join(dir, 'artifact.sigstore.json');

const token = await idp.emailToken('erin@example.com');
await runClientOk(
  cosign2,
  ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--timestamp-server-url', tsaUrl, '--rfc3161-timestamp', tsr,
    '--identity-token', tokenFile(dir, token), '--bundle', legacyBundle, '--yes', artifact],
  { env: env2 },
);
await runClientOk(
  cosign3,
  ['sign-blob', '--signing-config', stack.signingConfig, '--trusted-root', stack.trustedRoot, '--identity-token', tokenFile(dir, await idp.emailToken('erin@example.com')),
    '--bundle', newBundle, '--yes', artifact],
  { env: env3 },
);
const cert = new X509Certificate(Buffer.from(JSON.parse(readFileSync(legacyBundle, 'utf8')).cert, 'base64'));
const wait = Date.parse(cert.validTo) + 2000 - Date.now();
if (wait > 0) await sleep(wait);

t.test('the certificates have expired', async (t) => {
  t.ok(Date.now() > Date.parse(cert.validTo), `now is past notAfter ${cert.validTo}`);
});

t.test('cosign 2.5 verify-blob --use-signed-timestamps --timestamp-certificate-chain', async (t) => {
  const r = await runClientOk(
    cosign2,
    ['verify-blob', '--bundle', legacyBundle, '--rfc3161-timestamp', tsr, '--use-signed-timestamps', '--timestamp-certificate-chain', stack.tsaChain,
      '--certificate-identity', 'erin@example.com', '--certificate-oidc-issuer', idp.url, '--rekor-url', stack.url, artifact],
    { env: env2 },
  );
  t.match(r.stderr, /Verified OK/);
});

t.test('cosign 3.1 verify-blob --trusted-root --use-signed-timestamps', async (t) => {
  const r = await runClientOk(
    cosign3,
    ['verify-blob', '--bundle', newBundle, '--trusted-root', stack.trustedRoot, '--use-signed-timestamps',
      '--certificate-identity', 'erin@example.com', '--certificate-oidc-issuer', idp.url, artifact],
    { env: env3 },
  );
  t.match(r.stderr, /Verified OK/);
});

t.test('sigstore-js verifies the expired-certificate bundle by its timestamps', async (t) => {
  const r = await sigstoreJsVerify(newBundle, readFileSync(artifact), stack.trustedRoot, { certificateIssuer: idp.url, certificateIdentityEmail: 'erin@example.com' });
  t.equal(r.ok, true, r.error ?? '');
});
