import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Teardown } from './temp-dir.js';

/**
 * An OIDC identity provider for the interop tests, independent of the stack's own
 * development issuer: discovery document + JWKS on 127.0.0.1, RS256 keys (what most
 * real providers sign with), tokens minted in-process with jose. The stack trusts it
 * through a Fulcio config.json handed to `sigstack up --fulcio-config`, exactly as an
 * operator would configure Keycloak or Dex.
 */
export interface TestIssuer {
  /** The issuer URL (`iss`), e.g. http://127.0.0.1:43123/realms/test */
  url: string;
  /** Signs a token with the issuer's current key; `claims` override the defaults. */
  token(claims: Record<string, unknown>, opts?: { expiresInSeconds?: number; kid?: string }): Promise<string>;
  /** A person token: email + email_verified. */
  emailToken(email: string, extra?: Record<string, unknown>): Promise<string>;
  /** GitHub Actions-shaped claims for a CI-workflow identity. */
  githubToken(repository: string, workflowPath: string, ref: string, extra?: Record<string, unknown>): Promise<string>;
  /** Requests served so far, by path (to see the JWKS cache at work). */
  hits: Map<string, number>;
}

export async function startTestIssuer(t: Teardown, opts: { path?: string; audience?: string } = {}): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const path = opts.path ?? '/realms/test';
  const hits = new Map<string, number>();
  let url = '';
  const server: Server = createServer((req, res) => {
    const p = (req.url ?? '').split('?')[0]!;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (p === `${path}/.well-known/openid-configuration`)
      return json({
        issuer: url,
        jwks_uri: `${url}/protocol/openid-connect/certs`,
        authorization_endpoint: `${url}/protocol/openid-connect/auth`,
        token_endpoint: `${url}/protocol/openid-connect/token`,
        response_types_supported: ['code', 'id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    if (p === `${path}/protocol/openid-connect/certs`) return json({ keys: [jwk] });
    res.writeHead(404).end();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  t.teardown(() => new Promise<void>((res) => server.close(() => res())));

  const audience = opts.audience ?? 'sigstore';
  const token: TestIssuer['token'] = async (claims, o = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: url, aud: audience, iat: now, nbf: now, exp: now + (o.expiresInSeconds ?? 600), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'test-key-1', typ: 'JWT' })
      .sign(privateKey);
  };
  return {
    url,
    hits,
    token,
    emailToken: (email, extra = {}) => token({ sub: `user-${email}`, email, email_verified: true, ...extra }),
    githubToken: (repository, workflowPath, ref, extra = {}) => {
      const owner = repository.split('/')[0]!;
      const workflowRef = `${repository}/${workflowPath}@${ref}`;
      const sha = 'a'.repeat(40);
      return token({
        sub: `repo:${repository}:ref:${ref}`,
        ref,
        ref_type: 'branch',
        sha,
        repository,
        repository_id: '1001',
        repository_owner: owner,
        repository_owner_id: '2002',
        repository_visibility: 'private',
        run_id: '77',
        run_number: '7',
        run_attempt: '1',
        actor: owner,
        actor_id: '2002',
        workflow: 'release',
        workflow_ref: workflowRef,
        workflow_sha: sha,
        job_workflow_ref: workflowRef,
        job_workflow_sha: sha,
        event_name: 'push',
        runner_environment: 'self-hosted',
        ...extra,
      });
    },
  };
}

/** A Fulcio config.json (upstream's own format) trusting the test issuer. */
export function fulcioConfigFor(issuer: TestIssuer, ci?: TestIssuer): Record<string, unknown> {
  const OIDCIssuers: Record<string, unknown> = {
    [issuer.url]: { IssuerURL: issuer.url, ClientID: 'sigstore', Type: 'email' },
  };
  if (ci) OIDCIssuers[ci.url] = { IssuerURL: ci.url, ClientID: 'sigstore', Type: 'ci-provider', CIProvider: 'github-workflow' };
  return { OIDCIssuers };
}

let tokenFiles = 0;
/**
 * Writes a token to a file for `--identity-token FILE`, with no trailing newline
 * (cosign puts the file's bytes into the Authorization header as they are). A real
 * token is longer than a file name may be, and cosign 3.1 gives up on the raw form
 * ("file name too long") once os.Stat fails with anything but "does not exist".
 */
export function tokenFile(dir: string, token: string): string {
  const p = join(dir, `token-${++tokenFiles}.jwt`);
  writeFileSync(p, token);
  return p;
}
