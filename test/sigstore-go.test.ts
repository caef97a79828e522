// sigstore-go's own example clients (Debian's sigstore-go package): keyless signing with
// the stack's signing config and trusted root (Fulcio v2, Rekor v1, TSA), and
// verification with the trusted root file and through our TUF repository, with the
// verifier's defaults (SCT, tlog and a timestamp all required). protocols.md §13.3.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClient, runClientOk } from './lib/client-run.js';
import { startKeylessStack } from './lib/keyless-stack.js';

t.setTimeout(180_000);

const dir = tempDir(t);
const { stack, idp, env3: env } = await startKeylessStack(t, dir);
const signer = peer('sigstore-go-signing');
const verifier = peer('sigstore-go-verification');
const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, 'signed by sigstore-go\n');
const bundle = join(dir, 'artifact.sigstore.json');
const who = ['-expectedSAN', 'gina@example.com', '-expectedIssuer', idp.url];

t.test('sigstore-go-signing: keyless with the signing config (CA, log, TSA)', async (t) => {
  const r = await runClientOk(
    signer,
    ['-id-token', await idp.emailToken('gina@example.com'), '-signing-config', stack.signingConfig, '-trusted-root', stack.trustedRoot, '-rekor', '-tsa', artifact],
    { env },
  );
  // It prints the key it generated, then the bundle as one JSON line.
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  t.ok(line, 'a bundle on stdout');
  writeFileSync(bundle, line!);
  const b = JSON.parse(line!);
  t.equal(b.verificationMaterial.tlogEntries.length, 1);
  t.equal(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
});

t.test('sigstore-go-verification with the trusted root file', async (t) => {
  const r = await runClientOk(verifier, ['-trustedrootJSONpath', stack.trustedRoot, ...who, '-artifact', artifact, bundle], { env });
  t.match(r.stdout + r.stderr, /Verification successful!/);
});

t.test('sigstore-go-verification through our TUF repository', async (t) => {
  const r = await runClientOk(verifier, ['-tufRootURL', `${stack.url}/tuf`, '-tufTrustedRoot', stack.tufRoot, ...who, '-artifact', artifact, bundle], { env });
  t.match(r.stdout + r.stderr, /Verification successful!/);
});

t.test('a wrong identity and a tampered artifact are refused', async (t) => {
  // The example client prints the failure and exits 0, so the test reads its words.
  const wrong = await runClient(verifier, ['-trustedrootJSONpath', stack.trustedRoot, '-expectedSAN', 'eve@example.com', '-expectedIssuer', idp.url, '-artifact', artifact, bundle], { env });
  t.notMatch(wrong.stdout + wrong.stderr, /Verification successful!/);
  t.match(wrong.stdout + wrong.stderr, /expected SAN value "eve@example.com"/);
  const tampered = join(dir, 'tampered.txt');
  writeFileSync(tampered, 'not what was signed\n');
  const bad = await runClient(verifier, ['-trustedrootJSONpath', stack.trustedRoot, ...who, '-artifact', tampered, bundle], { env });
  t.notMatch(bad.stdout + bad.stderr, /Verification successful!/);
  t.match(bad.stdout + bad.stderr, /invalid signature|failed to verify signature/);
});
