// --identity-token, SIGSTORE_ID_TOKEN, the ambient providers (GitHub Actions and
// Buildkite against local servers that play their token endpoints, the filesystem
// token), their order and the refusals; tokenIdentity on good and hostile tokens.
import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ClientError } from '../../src/errors.js';
import { resolveIdentityToken } from '../../src/identity/resolve-identity-token.js';
import { tokenIdentity } from '../../src/identity/token-identity.js';
import type { IdentityTokenOptions } from '../../src/identity/identity-token-options.js';

const dir = mkdtempSync(join(tmpdir(), 'sigstack-identity-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** An unsigned JWT-shaped token: these sources pass tokens through, the CA verifies them. */
function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
}
const GITHUB_TOKEN = jwt({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:org/app:ref:refs/heads/main', aud: 'sigstore' });
const BUILDKITE_TOKEN = jwt({ iss: 'https://agent.buildkite.com', sub: 'organization:org:pipeline:app', aud: 'sigstore' });
const ENV_TOKEN = jwt({ iss: 'https://gitlab.example.test', sub: 'project_path:org/app:ref_type:branch:ref:main', aud: 'sigstore' });
const FLAG_TOKEN = jwt({ iss: 'https://idp.example.test', sub: 'alice', email: 'alice@example.test' });
const NO_FILE = join(dir, 'no-such-token');

/** Plays the GitHub Actions runner's token endpoint and Buildkite's agent API. */
const requests: { path: string; auth: string | undefined; audience: string | null; body: string }[] = [];
let githubStatus = 200;
const ci = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, auth: req.headers.authorization, audience: url.searchParams.get('audience'), body });
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/github/token') {
      if (req.headers.authorization !== 'bearer runner-request-token' || url.searchParams.get('audience') !== 'sigstore' || url.searchParams.get('api-version') !== '2.0') {
        res.statusCode = 403;
        res.end('{"message":"forbidden"}');
        return;
      }
      res.statusCode = githubStatus;
      res.end(githubStatus === 200 ? JSON.stringify({ count: 1, value: GITHUB_TOKEN }) : '{}');
    } else if (url.pathname === '/v3/jobs/job-42/oidc/tokens' && req.method === 'POST') {
      const ok = req.headers.authorization === 'Token agent-token' && (JSON.parse(body) as { audience?: string }).audience === 'sigstore';
      res.statusCode = ok ? 201 : 401;
      res.end(ok ? JSON.stringify({ token: BUILDKITE_TOKEN }) : '{"message":"no"}');
    } else if (url.pathname === '/garbage') {
      res.end('not json');
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
});
await new Promise<void>((r) => ci.listen(0, '127.0.0.1', r));
t.teardown(() => new Promise<void>((r) => ci.close(() => r())));
const ciBase = `http://127.0.0.1:${(ci.address() as AddressInfo).port}`;
const githubEnv = {
  ACTIONS_ID_TOKEN_REQUEST_URL: `${ciBase}/github/token?api-version=2.0`,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
};
const buildkiteEnv = { BUILDKITE_AGENT_ACCESS_TOKEN: 'agent-token', BUILDKITE_AGENT_ENDPOINT: `${ciBase}/v3`, BUILDKITE_JOB_ID: 'job-42' };

function opts(extra: Partial<IdentityTokenOptions>): IdentityTokenOptions {
  return { env: {}, filesystemTokenPath: NO_FILE, log: () => {}, interactive: false, ...extra };
}

async function rejectsIdentity(tt: Test, p: Promise<unknown>, pattern: RegExp) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  tt.ok(err instanceof ClientError, `a ClientError (${String(err)})`);
  tt.equal((err as ClientError).code, 'IDENTITY_TOKEN');
  tt.match((err as Error).message, pattern);
}

t.test('--identity-token: a value, a file, and what is neither', async (tt) => {
  tt.equal(await resolveIdentityToken(opts({ identityToken: FLAG_TOKEN, env: { ...githubEnv, SIGSTORE_ID_TOKEN: ENV_TOKEN } })), FLAG_TOKEN, 'the flag wins over everything');
  const file = join(dir, 'token');
  writeFileSync(file, FLAG_TOKEN + '\n');
  tt.equal(await resolveIdentityToken(opts({ identityToken: file })), FLAG_TOKEN, 'a file is read (trailing newline trimmed)');
  await rejectsIdentity(tt, resolveIdentityToken(opts({ identityToken: NO_FILE })), /--identity-token is neither a token nor a readable file/);
  await rejectsIdentity(tt, resolveIdentityToken(opts({ identityToken: dir })), /reading --identity-token file/);
  const empty = join(dir, 'empty');
  writeFileSync(empty, '\n');
  await rejectsIdentity(tt, resolveIdentityToken(opts({ identityToken: empty })), /is empty/);
  const huge = join(dir, 'huge');
  writeFileSync(huge, Buffer.alloc(300 * 1024, 0x61));
  await rejectsIdentity(tt, resolveIdentityToken(opts({ identityToken: huge })), /larger than 262144 bytes: not a token/);
});

t.test('SIGSTORE_ID_TOKEN (how GitLab CI hands its id_tokens over)', async (tt) => {
  tt.equal(await resolveIdentityToken(opts({ env: { SIGSTORE_ID_TOKEN: ENV_TOKEN } })), ENV_TOKEN);
  tt.equal(await resolveIdentityToken(opts({ env: { SIGSTORE_ID_TOKEN: ` ${ENV_TOKEN}\n` } })), ENV_TOKEN, 'surrounding whitespace trimmed');
});

t.test('GitHub Actions: bearer request token, audience=sigstore', async (tt) => {
  requests.length = 0;
  tt.equal(await resolveIdentityToken(opts({ env: githubEnv })), GITHUB_TOKEN);
  tt.same(requests.map((r) => [r.path, r.auth, r.audience]), [['/github/token', 'bearer runner-request-token', 'sigstore']]);
  await rejectsIdentity(
    tt,
    resolveIdentityToken(opts({ env: { ...githubEnv, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' } })),
    /GitHub Actions token endpoint .* refused: HTTP 403/,
  );
  githubStatus = 200;
  await rejectsIdentity(
    tt,
    resolveIdentityToken(opts({ env: { ...githubEnv, ACTIONS_ID_TOKEN_REQUEST_URL: `${ciBase}/garbage?x=1` } })),
    /not JSON/,
  );
  tt.equal(await resolveIdentityToken(opts({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: githubEnv.ACTIONS_ID_TOKEN_REQUEST_URL, SIGSTORE_ID_TOKEN: ENV_TOKEN } })), ENV_TOKEN, 'only half of the GitHub variables: not enabled');
});

t.test('cosign order: GitHub, Buildkite, SIGSTORE_ID_TOKEN, the token file', async (tt) => {
  const file = join(dir, 'fs-token');
  const FS_TOKEN = jwt({ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:ci:builder' });
  writeFileSync(file, FS_TOKEN);
  const all = { ...githubEnv, ...buildkiteEnv, SIGSTORE_ID_TOKEN: ENV_TOKEN };
  tt.equal(await resolveIdentityToken(opts({ env: all, filesystemTokenPath: file })), GITHUB_TOKEN, 'GitHub first');
  tt.equal(await resolveIdentityToken(opts({ env: { ...buildkiteEnv, SIGSTORE_ID_TOKEN: ENV_TOKEN }, filesystemTokenPath: file })), BUILDKITE_TOKEN, 'then Buildkite');
  tt.equal(await resolveIdentityToken(opts({ env: { SIGSTORE_ID_TOKEN: ENV_TOKEN }, filesystemTokenPath: file })), ENV_TOKEN, 'then the variable');
  tt.equal(await resolveIdentityToken(opts({ filesystemTokenPath: file })), FS_TOKEN, 'then the file');
  tt.equal(await resolveIdentityToken(opts({ env: all, filesystemTokenPath: file, oidcProvider: 'filesystem' })), FS_TOKEN, '--oidc-provider picks one');
  tt.equal(
    await resolveIdentityToken(opts({ env: { ...githubEnv, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong', SIGSTORE_ID_TOKEN: ENV_TOKEN } })),
    ENV_TOKEN,
    'a failing provider hands over to the next (cosign)',
  );
  await rejectsIdentity(tt, resolveIdentityToken(opts({ env: all, oidcProvider: 'spiffe' })), /spiffe is not supported/);
  await rejectsIdentity(tt, resolveIdentityToken(opts({ env: all, oidcProvider: 'nope' })), /nope is not a valid OIDC provider/);
  await rejectsIdentity(tt, resolveIdentityToken(opts({ env: {}, oidcProvider: 'github-actions' })), /github-actions is not available/);
});

t.test('--oidc-disable-ambient-providers: none of them, not even SIGSTORE_ID_TOKEN (as cosign)', async (tt) => {
  requests.length = 0;
  const env = { ...githubEnv, ...buildkiteEnv, SIGSTORE_ID_TOKEN: ENV_TOKEN };
  await rejectsIdentity(tt, resolveIdentityToken(opts({ env, oidcDisableAmbientProviders: true })), /no identity token: pass --identity-token/);
  tt.equal(requests.length, 0, 'no provider was asked');
  tt.equal(await resolveIdentityToken(opts({ env, oidcDisableAmbientProviders: true, identityToken: FLAG_TOKEN })), FLAG_TOKEN);
});

t.test('no source at all', async (tt) => {
  await rejectsIdentity(tt, resolveIdentityToken(opts({})), /no identity token/);
  await rejectsIdentity(tt, resolveIdentityToken(opts({ env: { SIGSTORE_ID_TOKEN: '' } })), /no identity token/);
  await rejectsIdentity(tt, resolveIdentityToken(opts({ oidcIssuer: 'https://idp.example.test', authFlow: 'implicit' as never })), /unsupported oauth flow: implicit/);
  const secret = join(dir, 'secret');
  writeFileSync(secret, Buffer.from([0xff, 0xfe, 0x00]));
  await rejectsIdentity(tt, resolveIdentityToken(opts({ oidcIssuer: 'https://idp.example.test', oidcClientSecretFile: secret })), /client secret in file .* not valid utf8/);
});

t.test('tokenIdentity: who a token says it is, unverified', async (tt) => {
  tt.same(tokenIdentity(FLAG_TOKEN), { issuer: 'https://idp.example.test', subject: 'alice', email: 'alice@example.test' });
  tt.same(tokenIdentity(GITHUB_TOKEN), { issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:org/app:ref:refs/heads/main' });
  const bad: [string, RegExp][] = [
    ['', /not a JWT/],
    ['a.b', /not a JWT/],
    ['a.b.c.d', /not a JWT/],
    ['e30.!!!.c2ln', /not a JWT/],
    [`e30.${Buffer.from('{"iss":').toString('base64url')}.c2ln`, /payload is not JSON/],
    [`e30.${Buffer.from('[1]').toString('base64url')}.c2ln`, /not a JSON object/],
    [`e30.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`, /no "iss" claim/],
    [`e30.${Buffer.from('{"iss":"x","sub":5}').toString('base64url')}.c2ln`, /no "sub" claim/],
    ['a'.repeat(300 * 1024), /more than/],
  ];
  for (const [token, pattern] of bad) {
    try {
      tokenIdentity(token);
      tt.fail(`accepted ${token.slice(0, 40)}`);
    } catch (e) {
      tt.ok(e instanceof ClientError && e.code === 'IDENTITY_TOKEN' && pattern.test(e.message), `${token.slice(0, 30)}: ${(e as Error).message}`);
    }
  }
});
