import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { systemClock, type Clock } from '@sigstack/core';
import { OidcError } from '../errors.js';
import { findIssuer, type FulcioConfig, type IssuerConfig } from '../config/fulcio-config.js';
import { decodeUnverifiedToken } from './jwt-token.js';
import { OidcProvider, SUPPORTED_ALGORITHMS, type SupportedAlgorithm } from './oidc-provider.js';
import { compileCiProvider, principalFromClaims, type CompiledCiProvider } from './issuer-principals.js';
import type { IdentityVerifier, Principal } from '../principal.js';

/** Upstream Fulcio's discovery timeout (pkg/config defaultOIDCDiscoveryTimeout). */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 10_000;
/** Clock skew tolerated on exp, nbf and iat, in seconds. */
export const DEFAULT_LEEWAY_SECONDS = 60;
/**
 * Providers kept for meta-issuer matches (upstream: a 100-entry LRU). Bounded
 * because a wildcard lets callers name arbitrarily many concrete issuers.
 */
export const MAX_META_PROVIDERS = 100;

export interface IdentityVerifierOptions {
  /** Used for discovery and JWKS requests; default: node:http(s) honouring each issuer's CACert. */
  fetch?: typeof fetch;
  clock?: Clock;
  discoveryTimeoutMs?: number;
  leewaySeconds?: number;
}

interface ResolvedOptions {
  fetch?: typeof fetch;
  clock: Clock;
  discoveryTimeoutMs: number;
  leewaySeconds: number;
}

function resolveOptions(o: IdentityVerifierOptions = {}): ResolvedOptions {
  const leewaySeconds = o.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  if (!(leewaySeconds >= 0 && leewaySeconds <= 300)) throw new RangeError('leewaySeconds must be between 0 and 300');
  return {
    ...(o.fetch ? { fetch: o.fetch } : {}),
    clock: o.clock ?? systemClock,
    discoveryTimeoutMs: o.discoveryTimeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS,
    leewaySeconds,
  };
}

export interface OidcIdentityVerifier extends IdentityVerifier {
  /** Drops cached discovery documents and keys. */
  close(): void;
  /** Fetch counters per issuer URL (tests, metrics). */
  stats(issuerUrl: string): { discoveryFetches: number; jwksFetches: number } | undefined;
}

const iso = (seconds: unknown): string => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : String(seconds));

/**
 * Verifies OIDC ID tokens the way Fulcio does (protocols.md §3.2) and maps them to
 * a Principal (§3.5). The config is trusted; the token is not.
 */
export function createIdentityVerifier(config: FulcioConfig, options?: IdentityVerifierOptions): OidcIdentityVerifier {
  const opts = resolveOptions(options);
  const ciProviders = new Map<string, CompiledCiProvider>();
  for (const [name, meta] of config.ciIssuerMetadata) ciProviders.set(name, compileCiProvider(meta));
  const ctx = { config, ciProviders };

  const fixed = new Map<string, OidcProvider>();
  const meta = new Map<string, OidcProvider>(); // insertion order = LRU order

  function providerFor(issuer: IssuerConfig): OidcProvider {
    const make = () =>
      new OidcProvider(issuer.issuerUrl, {
        clock: opts.clock,
        timeoutMs: opts.discoveryTimeoutMs,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
        ...(issuer.caCert ? { caCert: issuer.caCert } : {}),
      });
    if (config.oidcIssuers.has(issuer.issuerUrl)) {
      let p = fixed.get(issuer.issuerUrl);
      if (!p) fixed.set(issuer.issuerUrl, (p = make()));
      return p;
    }
    let p = meta.get(issuer.issuerUrl);
    if (p) meta.delete(issuer.issuerUrl);
    else p = make();
    meta.set(issuer.issuerUrl, p);
    if (meta.size > MAX_META_PROVIDERS) meta.delete(meta.keys().next().value!);
    return p;
  }

  async function verifyToken(token: string): Promise<Principal> {
    const { header, iss } = decodeUnverifiedToken(token);
    const issuer = findIssuer(config, iss);
    if (!issuer) throw new OidcError('ISSUER_UNTRUSTED', `issuer ${iss} is not trusted`);

    const alg = header.alg;
    if (typeof alg !== 'string') throw new OidcError('TOKEN_INVALID', 'the identity token header has no alg');
    // Checked before any key lookup: `none` and HMAC (where the "secret" could be
    // the IdP's public key) never reach a verifier.
    if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new OidcError('TOKEN_INVALID', `the identity token is signed with ${alg}, which is never accepted`);
    }
    const kid = header.kid;
    if (kid !== undefined && typeof kid !== 'string') throw new OidcError('TOKEN_INVALID', 'the identity token header kid is not a string');

    const provider = providerFor(issuer);
    const allowed = await provider.allowedAlgorithms();
    if (!allowed.includes(alg as SupportedAlgorithm)) {
      throw new OidcError('TOKEN_INVALID', `the identity token is signed with ${alg}, but ${iss} only signs with ${allowed.join(', ')}`);
    }
    const keys = await provider.candidateKeys(alg as SupportedAlgorithm, kid);

    const now = opts.clock.now();
    let payload: JWTPayload | undefined;
    let lastError: unknown;
    for (const key of keys) {
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [alg],
          issuer: issuer.issuerUrl,
          audience: issuer.clientId,
          requiredClaims: ['exp'],
          currentDate: new Date(now),
          clockTolerance: opts.leewaySeconds,
        }));
        break;
      } catch (e) {
        // Only a signature mismatch means "try the next key with this kid/alg";
        // anything else was decided after the signature verified.
        if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
          lastError = e;
          continue;
        }
        throw mapJoseError(e, issuer);
      }
    }
    if (!payload) throw new OidcError('TOKEN_INVALID', `the identity token's signature does not verify with the keys of ${iss}`, { cause: lastError });

    // jose checks iat only together with maxTokenAge; Fulcio's docs require it to be
    // sane, and a token "issued" in the future is a clock or forgery problem.
    if (payload.iat !== undefined) {
      if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) throw new OidcError('TOKEN_INVALID', 'the identity token iat claim is not a number');
      if (payload.iat > now / 1000 + opts.leewaySeconds) {
        throw new OidcError('TOKEN_NOT_YET_VALID', `the identity token was issued in the future (iat ${iso(payload.iat)})`);
      }
    }
    return principalFromClaims(issuer, payload as Record<string, unknown>, ctx);
  }

  return {
    verify: verifyToken,
    close() {
      fixed.clear();
      meta.clear();
    },
    stats(issuerUrl) {
      const p = fixed.get(issuerUrl) ?? meta.get(issuerUrl);
      return p ? { ...p.stats } : undefined;
    },
  };
}

function mapJoseError(e: unknown, issuer: IssuerConfig): OidcError {
  if (e instanceof OidcError) return e;
  if (e instanceof joseErrors.JWTExpired) {
    return new OidcError('TOKEN_EXPIRED', `the identity token expired at ${iso(e.payload.exp)}`, { cause: e });
  }
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    const p = e.payload;
    if (e.reason === 'missing') return new OidcError('TOKEN_INVALID', `the identity token has no ${e.claim} claim`, { cause: e });
    switch (e.claim) {
      case 'nbf':
        return new OidcError('TOKEN_NOT_YET_VALID', `the identity token is not valid before ${iso(p.nbf)}`, { cause: e });
      case 'aud':
        return new OidcError('WRONG_AUDIENCE', `audience ${JSON.stringify(Array.isArray(p.aud) ? p.aud : [p.aud])} does not contain ${issuer.clientId}`, { cause: e });
      case 'iss':
        return new OidcError('ISSUER_UNTRUSTED', `issuer ${String(p.iss)} is not trusted`, { cause: e });
      default:
        return new OidcError('TOKEN_INVALID', `the identity token's ${e.claim} claim is invalid: ${e.message}`, { cause: e });
    }
  }
  if (e instanceof joseErrors.JOSEError) return new OidcError('TOKEN_INVALID', `the identity token is invalid: ${e.message}`, { cause: e });
  return new OidcError('TOKEN_INVALID', 'the identity token could not be verified', { cause: e });
}
