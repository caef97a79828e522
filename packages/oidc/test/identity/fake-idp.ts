import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A real OIDC provider on 127.0.0.1 (ephemeral port): discovery document and JWKS
 * over node:http, with request counters so tests can see caching. Tokens are
 * minted with jose, the same library family real IdPs' SDKs use.
 */
export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(kid: string, alg: TestKey['alg']): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface FakeIdp {
  url: string;
  /** Mutable: what the server answers. */
  state: {
    discovery: Record<string, unknown> | null;
    jwks: { keys: JWK[] };
    discoveryStatus: number;
  };
  counts: { discovery: number; jwks: number };
  keys: TestKey[];
  close(): Promise<void>;
  mint(claims: JWTPayload, opts?: { key?: TestKey; header?: Record<string, unknown>; nowSeconds?: number }): Promise<string>;
}

export async function startFakeIdp(opts: { algs?: string[] | null; path?: string } = {}): Promise<FakeIdp> {
  const counts = { discovery: 0, jwks: 0 };
  const rsa = await makeKey('rsa-1', 'RS256');
  const ec = await makeKey('ec-1', 'ES256');
  const path = opts.path ?? '';
  const server = http.createServer((req, res) => {
    if (req.url === `${path}/.well-known/openid-configuration`) {
      counts.discovery++;
      if (!idp.state.discovery || idp.state.discoveryStatus !== 200) {
        res.writeHead(idp.state.discoveryStatus === 200 ? 404 : idp.state.discoveryStatus).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(idp.state.discovery));
      return;
    }
    if (req.url === `${path}/keys`) {
      counts.jwks++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(idp.state.jwks));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}${path}`;
  const idp: FakeIdp = {
    url,
    counts,
    keys: [rsa, ec],
    state: {
      discovery: {
        issuer: url,
        jwks_uri: `${url}/keys`,
        ...(opts.algs === null ? {} : { id_token_signing_alg_values_supported: opts.algs ?? ['RS256', 'ES256'] }),
      },
      jwks: { keys: [rsa.publicJwk, ec.publicJwk] },
      discoveryStatus: 200,
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
    async mint(claims, o = {}) {
      const key = o.key ?? rsa;
      const now = o.nowSeconds ?? Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: url, aud: 'sigstore', iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...o.header })
        .sign(key.privateKey);
    },
  };
  return idp;
}

/** A clock fixed at the given second, movable by hand. */
export function manualClock(seconds = Math.floor(Date.now() / 1000)): { now(): number; advance(s: number): void } {
  let ms = seconds * 1000;
  return { now: () => ms, advance: (s: number) => void (ms += s * 1000) };
}

export const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
