// Keyless signing right after `sigstack up` with nothing configured: the development
// OIDC issuer on the stack's own origin, tokens from `sigstack dev-token` (a person and a
// CI workflow), cosign 3.1 with the signing config and trusted root the stack wrote,
// cosign 2.5 with the legacy files. issue 3 item 4.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { SIGSTACK_BIN } from './lib/stack-process.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { run } from './lib/run.js';
import { tokenFile } from './lib/oidc-issuer.js';

t.setTimeout(240_000);

const dir = tempDir(t);
const stack = await startTestStack(t);
const cosign3 = peer('cosign3');
const cosign2 = peer('cosign2');
const env3 = clientEnv(dir);
const env2 = clientEnv(dir, { SIGSTORE_ROOT_FILE: stack.fulcioChain, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: stack.ctfePub, SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub });
const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, 'signed with a development token\n');

async function devToken(...args: string[]): Promise<string> {
  const r = await run(process.execPath, [SIGSTACK_BIN, 'dev-token', '--data-dir', stack.dataDir, ...args], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`dev-token failed: ${r.stderr}`);
  return r.stdout.trim();
}

t.test('the stack says loudly that the development issuer is on', async (t) => {
  t.match(stack.output(), /development OIDC issuer/i);
});

t.test('discovery and JWKS are served on the origin', async (t) => {
  const d = (await (await fetch(`${stack.url}/oidc/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  t.equal(d.issuer, `${stack.url}/oidc`);
  const jwks = (await (await fetch(d.jwks_uri)).json()) as { keys: { kty: string; d?: string }[] };
  t.equal(jwks.keys.length, 1);
  t.equal(jwks.keys[0]?.kty, 'EC');
  t.notOk(jwks.keys[0]?.d, 'no private part');
});

t.test('a person token: cosign 3.1 signs and verifies with the stack files, cosign 2.5 verifies the legacy way', async (t) => {
  // --out writes the file cosign reads as is (no trailing newline).
  const token = join(dir, 'alice.token');
  await devToken('--email', 'alice@example.com', '--out', token);
  t.notMatch(readFileSync(token, 'utf8'), /\n/);
  const bundle = join(dir, 'a.sigstore.json');
  await runClientOk(cosign3, ['sign-blob', '--signing-config', stack.signingConfig, '--trusted-root', stack.trustedRoot, '--identity-token', token, '--bundle', bundle, '--yes', artifact], { env: env3 });
  const v = await runClientOk(
    cosign3,
    ['verify-blob', '--bundle', bundle, '--trusted-root', stack.trustedRoot, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', `${stack.url}/oidc`, artifact],
    { env: env3 },
  );
  t.match(v.stderr, /Verified OK/);
  const legacy = join(dir, 'a.bundle');
  await runClientOk(cosign2, ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', token, '--bundle', legacy, '--yes', artifact], { env: env2 });
  const v2 = await runClientOk(
    cosign2,
    ['verify-blob', '--bundle', legacy, '--rekor-url', stack.url, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', `${stack.url}/oidc`, artifact],
    { env: env2 },
  );
  t.match(v2.stderr, /Verified OK/);
});

t.test('a CI token: the certificate carries the workflow identity and GitHub extensions', async (t) => {
  const token = tokenFile(dir, await devToken('--github-workflow', '--repository', 'acme/app', '--ref', 'refs/heads/release'));
  const bundle = join(dir, 'ci.sigstore.json');
  await runClientOk(cosign3, ['sign-blob', '--signing-config', stack.signingConfig, '--trusted-root', stack.trustedRoot, '--identity-token', token, '--bundle', bundle, '--yes', artifact], { env: env3 });
  const common = [
    'verify-blob', '--bundle', bundle, '--trusted-root', stack.trustedRoot,
    '--certificate-identity', 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/release',
    '--certificate-oidc-issuer', `${stack.url}/oidc/ci`,
  ];
  const v = await runClientOk(cosign3, [...common, '--certificate-github-workflow-repository', 'acme/app', '--certificate-github-workflow-ref', 'refs/heads/release', artifact], { env: env3 });
  t.match(v.stderr, /Verified OK/);
  await runClientFails(cosign3, [...common, '--certificate-github-workflow-ref', 'refs/heads/main', artifact], { env: env3 });
});

t.test('dev-token refuses what it cannot mint', async (t) => {
  for (const args of [[], ['--email', 'not-an-email'], ['--github-workflow'], ['--email', 'a@b.example', '--ttl', 'soon']]) {
    const r = await run(process.execPath, [SIGSTACK_BIN, 'dev-token', '--data-dir', stack.dataDir, ...args], { timeoutMs: 20_000 });
    t.equal(r.code, 2, `dev-token ${args.join(' ')} exits 2`);
    t.match(r.stderr, /sigstack: /);
  }
  const none = await run(process.execPath, [SIGSTACK_BIN, 'dev-token', '--data-dir', join(dir, 'nothing-here'), '--email', 'a@b.example'], { timeoutMs: 20_000 });
  t.equal(none.code, 2);
  t.match(none.stderr, /start the stack with development defaults/);
});
