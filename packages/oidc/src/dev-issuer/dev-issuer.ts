import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { OidcError } from '../errors.js';
import { FileSigner, sha256, systemClock, type Clock, type Signer } from '@sigstack/core';

/**
 * The development identity provider: so that keyless signing works right after
 * `sigstack up` with nothing configured, the stack serves an OIDC discovery document
 * and a JWKS on its own origin, and the CA trusts them. Tokens are minted offline by
 * `sigstack dev-token`, which reads the issuer's key from the data directory: access
 * to the data directory is the only "login". It exists only under development
 * defaults; the stack logs a warning whenever it is on.
 *
 * Two issuers, because a CI token and a person's token map to different certificate
 * identities (protocols.md §3.5): `<url>/oidc` (type email) and `<url>/oidc/ci`
 * (type ci-provider with GitHub Actions' claim templates, so cosign's
 * `--certificate-github-workflow-*` flags can be exercised without GitHub).
 */

/** The key file, relative to the data directory. */
export const DEV_OIDC_KEY_FILE = 'keys/dev-oidc.pem';
/** Written by the running stack: where its issuers are (read by `sigstack dev-token`). */
export const DEV_OIDC_INFO_FILE = 'trust/dev-oidc.json';
/** The audience Sigstore clients request and Fulcio expects by default. */
export const DEV_AUDIENCE = 'sigstore';

export interface DevOidcInfo {
  /** Issuer of person tokens (type email). */
  emailIssuer: string;
  /** Issuer of CI-workflow tokens (type ci-provider, github-workflow templates). */
  ciIssuer: string;
  /** The key that signs tokens, relative to the data directory. */
  keyFile: string;
}

export function devIssuerUrls(publicUrl: string): { emailIssuer: string; ciIssuer: string } {
  return { emailIssuer: `${publicUrl}/oidc`, ciIssuer: `${publicUrl}/oidc/ci` };
}

/** The Fulcio config.json fragment that makes the CA trust the development issuers. */
export function devFulcioIssuers(publicUrl: string): Record<string, unknown> {
  const { emailIssuer, ciIssuer } = devIssuerUrls(publicUrl);
  return {
    [emailIssuer]: { IssuerURL: emailIssuer, ClientID: DEV_AUDIENCE, Type: 'email', Description: 'sigstack development issuer (people)' },
    [ciIssuer]: {
      IssuerURL: ciIssuer,
      ClientID: DEV_AUDIENCE,
      Type: 'ci-provider',
      CIProvider: 'github-workflow',
      Description: 'sigstack development issuer (CI workflows, GitHub Actions claims)',
    },
  };
}

export function openDevOidcKey(dataDir: string, create: boolean): FileSigner {
  return FileSigner.open({ path: join(dataDir, DEV_OIDC_KEY_FILE), create, algorithm: 'ecdsa-p256-sha256' });
}

/** RFC 7638 thumbprint of the P-256 key: a stable `kid`. */
function jwkOf(signer: Signer): { kty: string; crv: string; x: string; y: string; kid: string; alg: string; use: string } {
  const jwk = signer.publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
  const thumb = sha256(Buffer.from(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))).toString('base64url');
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: thumb, alg: 'ES256', use: 'sig' };
}

/** Discovery document and JWKS for both issuers, on the stack's origin. */
export function devOidcRoutes(opts: { signer: Signer; publicUrl: () => string }): FastifyPluginAsync {
  const jwk = jwkOf(opts.signer);
  return async (app) => {
    for (const suffix of ['/oidc', '/oidc/ci']) {
      app.get(`${suffix}/.well-known/openid-configuration`, async (_req, reply) => {
        const issuer = opts.publicUrl() + suffix;
        return reply.header('cache-control', 'max-age=300').send({
          issuer,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'email', 'email_verified'],
        });
      });
      app.get(`${suffix}/jwks`, async (_req, reply) => reply.header('cache-control', 'max-age=300').send({ keys: [jwk] }));
    }
  };
}

export interface DevTokenRequest {
  /** Person token: the email (type email issuer). */
  email?: string;
  /** CI token: GitHub Actions-shaped claims for this repository (ci issuer). */
  githubWorkflow?: {
    repository: string;
    /** Path of the workflow file, default `.github/workflows/release.yml`. */
    workflowPath?: string;
    ref?: string;
    sha?: string;
    eventName?: string;
    runId?: string;
    environment?: string;
  };
  audience?: string;
  /** Token lifetime in seconds (default 600). */
  ttlSeconds?: number;
}

/** Mints a token from the development issuer, reading its key and URLs from the data directory. */
export function mintDevToken(dataDir: string, req: DevTokenRequest, clock: Clock = systemClock): string {
  const infoPath = join(dataDir, DEV_OIDC_INFO_FILE);
  if (!existsSync(infoPath))
    throw new OidcError(
      'DEV_ISSUER_NOT_STARTED',
      `${infoPath} does not exist: start the stack with development defaults first (sigstack up --data-dir ${dataDir})`,
    );
  const info = JSON.parse(readFileSync(infoPath, 'utf8')) as DevOidcInfo;
  const signer = FileSigner.open({ path: join(dataDir, info.keyFile), algorithm: 'ecdsa-p256-sha256' });
  return signDevToken(signer, info, req, clock);
}

export function signDevToken(signer: FileSigner, info: Pick<DevOidcInfo, 'emailIssuer' | 'ciIssuer'>, req: DevTokenRequest, clock: Clock = systemClock): string {
  const now = Math.floor(clock.now() / 1000);
  const ttl = req.ttlSeconds ?? 600;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) throw new OidcError('DEV_TOKEN_REQUEST_INVALID', `token lifetime must be 1..86400 seconds, got ${ttl}`);
  const base = { aud: req.audience ?? DEV_AUDIENCE, iat: now, nbf: now, exp: now + ttl, jti: randomUUID() };
  let claims: Record<string, unknown>;
  if (req.email !== undefined) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(req.email)) throw new OidcError('DEV_TOKEN_REQUEST_INVALID', `"${req.email}" is not an email address`);
    if (req.githubWorkflow) throw new OidcError('DEV_TOKEN_REQUEST_INVALID', 'a token is either a person token (email) or a CI token, not both');
    claims = { iss: info.emailIssuer, sub: req.email, email: req.email, email_verified: true, ...base };
  } else if (req.githubWorkflow) {
    claims = { iss: info.ciIssuer, ...githubClaims(req.githubWorkflow), ...base };
  } else {
    throw new OidcError('DEV_TOKEN_REQUEST_INVALID', 'say whose token: --email ADDRESS, or --github-workflow with --repository OWNER/REPO');
  }
  const header = { alg: 'ES256', typ: 'JWT', kid: jwkOf(signer).kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = derToJose(signer.signSync(Buffer.from(input)), 32);
  return `${input}.${sig.toString('base64url')}`;
}

/** The claims GitHub Actions puts in its OIDC tokens (the ones Fulcio's templates read). */
function githubClaims(w: NonNullable<DevTokenRequest['githubWorkflow']>): Record<string, string> {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(w.repository)) throw new OidcError('DEV_TOKEN_REQUEST_INVALID', `--repository must be OWNER/REPO, got "${w.repository}"`);
  const owner = w.repository.split('/')[0]!;
  const ref = w.ref ?? 'refs/heads/main';
  const sha = w.sha ?? '0123456789abcdef0123456789abcdef01234567';
  const path = w.workflowPath ?? '.github/workflows/release.yml';
  const workflowRef = `${w.repository}/${path}@${ref}`;
  const runId = w.runId ?? '1';
  const idOf = (s: string) => String(parseInt(sha256(Buffer.from(s)).toString('hex').slice(0, 8), 16));
  return {
    sub: `repo:${w.repository}:ref:${ref}`,
    ref,
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha,
    repository: w.repository,
    repository_id: idOf(w.repository),
    repository_owner: owner,
    repository_owner_id: idOf(owner),
    repository_visibility: 'private',
    run_id: runId,
    run_number: runId,
    run_attempt: '1',
    actor: owner,
    actor_id: idOf(owner),
    workflow: path.split('/').pop()!.replace(/\.ya?ml$/, ''),
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    event_name: w.eventName ?? 'push',
    runner_environment: 'self-hosted',
    ...(w.environment ? { environment: w.environment } : {}),
  };
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

/** ASN.1 DER Ecdsa-Sig-Value → JOSE's fixed-width r ‖ s (RFC 7518 §3.4). */
function derToJose(der: Buffer, size: number): Buffer {
  let o = 2;
  if (der[0] !== 0x30) throw new RangeError('not a DER ECDSA signature');
  if (der[1]! & 0x80) o = 2 + (der[1]! & 0x7f);
  const read = (): Buffer => {
    if (der[o] !== 0x02) throw new RangeError('not a DER ECDSA signature');
    const len = der[o + 1]!;
    const v = der.subarray(o + 2, o + 2 + len);
    o += 2 + len;
    const trimmed = v[0] === 0 ? v.subarray(1) : v;
    return Buffer.concat([Buffer.alloc(size - trimmed.length), trimmed]);
  };
  return Buffer.concat([read(), read()]);
}
