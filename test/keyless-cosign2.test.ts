// Keyless signing with cosign 2.5 against the stack's CA (legacy API v1) and its CT log,
// with tokens from an independent identity provider on 127.0.0.1 (RS256, discovery +
// JWKS) that the stack trusts through a Fulcio config.json. Trust for verification comes
// from the legacy variables (SIGSTORE_ROOT_FILE, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE,
// SIGSTORE_REKOR_PUBLIC_KEY): SCT checks on, no insecure flag. protocols.md §3, §4, §5.5, §12.1.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { startTestIssuer, tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { readLegacyBundle } from './lib/bundles.js';

t.setTimeout(300_000);

const dir = tempDir(t);
const keyless = await startKeylessStack(t, dir, { ci: true });
const { stack, idp, env2: env } = keyless;
const ci = keyless.ci!;
const cosign = peer('cosign2');
const services = ['--fulcio-url', stack.url, '--rekor-url', stack.url];

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `signed keyless by cosign 2.5 at ${new Date().toISOString()}\n`);
const bundle = join(dir, 'artifact.bundle');

t.test('sign-blob keyless: certificate from /api/v1/signingCert with an embedded SCT, entry in the log', async (t) => {
  const token = await idp.emailToken('alice@example.com');
  const r = await runClientOk(cosign, ['sign-blob', ...services, '--identity-token', tokenFile(dir, token), '--bundle', bundle, '--yes', artifact], { env });
  t.match(r.stderr, /Successfully verified SCT/, 'cosign verified the SCT at signing time');
  const b = readLegacyBundle(bundle);
  t.equal(b.kind, 'hashedrekord');
  const raw = JSON.parse(readFileSync(bundle, 'utf8'));
  const cert = new X509Certificate(Buffer.from(raw.cert, 'base64'));
  t.match(cert.subjectAltName ?? '', /email:alice@example\.com/);
  const lifetime = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000;
  t.equal(lifetime, 600, 'a 10-minute certificate');
});

t.test('verify-blob with --certificate-identity and --certificate-oidc-issuer', async (t) => {
  const r = await runClientOk(
    cosign,
    ['verify-blob', '--bundle', bundle, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url, '--rekor-url', stack.url, artifact],
    { env },
  );
  t.match(r.stderr, /Verified OK/);
});

t.test('a wrong identity, a wrong issuer and a tampered artifact are refused', async (t) => {
  const wrongId = await runClientFails(
    cosign,
    ['verify-blob', '--bundle', bundle, '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, '--rekor-url', stack.url, artifact],
    { env },
  );
  t.match(wrongId.stderr, /none of the expected identities matched|expected identity not found/i);
  const wrongIssuer = await runClientFails(
    cosign,
    ['verify-blob', '--bundle', bundle, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', ci.url, '--rekor-url', stack.url, artifact],
    { env },
  );
  t.notMatch(wrongIssuer.stderr, /Verified OK/);
  const tampered = join(dir, 'tampered.txt');
  writeFileSync(tampered, 'something else\n');
  const bad = await runClientFails(
    cosign,
    ['verify-blob', '--bundle', bundle, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url, '--rekor-url', stack.url, tampered],
    { env },
  );
  t.notMatch(bad.stderr, /Verified OK/);
});

t.test('verification fails without the CT log key from the trusted material (SCT is enforced)', async (t) => {
  const otherDir = tempDir(t);
  const otherKey = join(otherDir, 'other-ctfe.pub');
  // Some other P-256 key: the SCT in the certificate cannot verify against it.
  const { generateKeyPairSync } = await import('node:crypto');
  writeFileSync(otherKey, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
  const r = await runClientFails(
    cosign,
    ['verify-blob', '--bundle', bundle, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url, '--rekor-url', stack.url, artifact],
    { env: { ...env, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: otherKey } },
  );
  t.match(r.stderr, /SCT|certificate transparency|ctfe/i);
});

t.test('a CI-workflow identity, verified with the --certificate-github-workflow-* flags', async (t) => {
  const repo = 'acme/app';
  const ref = 'refs/heads/main';
  const token = await ci.githubToken(repo, '.github/workflows/release.yml', ref);
  const ciBundle = join(dir, 'ci.bundle');
  await runClientOk(cosign, ['sign-blob', ...services, '--identity-token', tokenFile(dir, token), '--bundle', ciBundle, '--yes', artifact], { env });
  const identity = `https://github.com/${repo}/.github/workflows/release.yml@${ref}`;
  const common = ['verify-blob', '--bundle', ciBundle, '--certificate-identity', identity, '--certificate-oidc-issuer', ci.url, '--rekor-url', stack.url];
  const ok = await runClientOk(
    cosign,
    [
      ...common,
      '--certificate-github-workflow-repository', repo,
      '--certificate-github-workflow-ref', ref,
      '--certificate-github-workflow-trigger', 'push',
      '--certificate-github-workflow-sha', 'a'.repeat(40),
      '--certificate-github-workflow-name', 'release',
      artifact,
    ],
    { env },
  );
  t.match(ok.stderr, /Verified OK/);
  const wrongRepo = await runClientFails(cosign, [...common, '--certificate-github-workflow-repository', 'acme/other', artifact], { env });
  t.notMatch(wrongRepo.stderr, /Verified OK/);
});

t.test('the CA refuses a token from an issuer it does not trust; nothing reaches the logs', async (t) => {
  const stranger = await startTestIssuer(t, { path: '/stranger' });
  const before = (await (await fetch(`${stack.url}/ct/v1/get-sth`)).json()) as { tree_size: number };
  const r = await runClientFails(cosign, ['sign-blob', ...services, '--identity-token', tokenFile(dir, await stranger.emailToken('eve@example.com')), '--bundle', join(dir, 'x.bundle'), '--yes', artifact], { env });
  t.match(r.stderr, /not trusted|untrusted|error processing the identity token/i);
  const after = (await (await fetch(`${stack.url}/ct/v1/get-sth`)).json()) as { tree_size: number };
  t.equal(after.tree_size, before.tree_size, 'no precertificate was logged');
});
