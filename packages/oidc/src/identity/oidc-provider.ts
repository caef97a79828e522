import { importJWK, type CryptoKey, type JWK } from 'jose';
import type { Clock } from '@sigstack/core';
import { OidcError } from '../errors.js';
import { getIdpJson } from './http-get.js';

/** Signature algorithms an ID token may use (go-oidc's supportedAlgorithms). HS* and none never. */
export const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;
export type SupportedAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** How long a discovery document is reused before it is fetched again. */
export const DISCOVERY_TTL_MS = 60 * 60 * 1000;
/** After a failed discovery, callers get the cached failure for this long (do not hammer a down IdP). */
export const DISCOVERY_RETRY_MS = 10 * 1000;
/** A JWKS older than this is refetched on next use, so removed (revoked) keys stop verifying. */
export const JWKS_MAX_AGE_MS = 60 * 60 * 1000;
/**
 * Minimum time between refetches caused by an unknown `kid`. go-oidc refetches on
 * every miss; a floor keeps a caller with random kids from turning us into a
 * load generator against the IdP while still picking up a rotation within seconds.
 */
export const JWKS_REFRESH_COOLDOWN_MS = 10 * 1000;

export interface ProviderOptions {
  clock: Clock;
  timeoutMs: number;
  fetch?: typeof fetch;
  caCert?: string;
}

interface Discovery {
  jwksUri: string;
  algorithms: SupportedAlgorithm[];
}

interface KeyEntry {
  jwk: JWK;
  imported: Map<string, Promise<CryptoKey>>;
}

interface KeySet {
  keys: KeyEntry[];
  fetchedAt: number;
}

/**
 * One OIDC provider's discovery document and signing keys, fetched lazily and
 * cached (coreos/go-oidc NewProvider + remoteKeySet). Concurrent callers share one
 * in-flight request.
 */
export class OidcProvider {
  private discovery?: { value: Discovery; at: number } | { error: OidcError; at: number };
  private discoveryInFlight?: Promise<Discovery>;
  private keySet?: KeySet;
  private keysInFlight?: Promise<KeySet>;
  /** Counters for tests and metrics. */
  readonly stats = { discoveryFetches: 0, jwksFetches: 0 };

  constructor(
    readonly issuerUrl: string,
    private readonly opts: ProviderOptions,
  ) {}

  /** The algorithms this provider may sign ID tokens with. */
  async allowedAlgorithms(): Promise<SupportedAlgorithm[]> {
    return (await this.discover()).algorithms;
  }

  /**
   * Keys that could have signed a token with this header: matching `kid` (all keys
   * when the header has none), usable for signatures, of a type that fits `alg`.
   * An empty first answer triggers one JWKS refresh (rate-limited) before
   * UNKNOWN_KEY_ID, which is how a key rotation at the IdP is picked up.
   */
  async candidateKeys(alg: SupportedAlgorithm, kid: string | undefined): Promise<CryptoKey[]> {
    const now = this.opts.clock.now();
    let set = await this.keys(false);
    let found = select(set, alg, kid);
    if (found.length === 0 && now - set.fetchedAt >= JWKS_REFRESH_COOLDOWN_MS) {
      set = await this.keys(true);
      found = select(set, alg, kid);
    }
    if (found.length === 0) {
      throw new OidcError(
        'UNKNOWN_KEY_ID',
        kid === undefined
          ? `the JWKS of ${this.issuerUrl} has no key usable with ${alg}`
          : `the JWKS of ${this.issuerUrl} has no key with kid ${JSON.stringify(kid)} usable with ${alg}`,
      );
    }
    return Promise.all(
      found.map((e) => {
        let p = e.imported.get(alg);
        if (!p) {
          const created: Promise<CryptoKey> = importJWK(e.jwk, alg).then((k) => {
            if (k instanceof Uint8Array) throw new Error('not an asymmetric key');
            return k;
          });
          // A key that cannot be imported must not poison the cache forever.
          created.catch(() => e.imported.delete(alg));
          e.imported.set(alg, created);
          p = created;
        }
        return p.catch((cause: unknown) => {
          throw new OidcError('DISCOVERY_FAILED', `key ${JSON.stringify(e.jwk.kid ?? '')} in the JWKS of ${this.issuerUrl} cannot be used: ${(cause as Error).message}`, { cause });
        });
      }),
    );
  }

  private async discover(): Promise<Discovery> {
    const now = this.opts.clock.now();
    const d = this.discovery;
    if (d && 'value' in d && now - d.at < DISCOVERY_TTL_MS) return d.value;
    if (d && 'error' in d && now - d.at < DISCOVERY_RETRY_MS) throw d.error;
    this.discoveryInFlight ??= this.fetchDiscovery().then(
      (value) => {
        this.discovery = { value, at: this.opts.clock.now() };
        this.discoveryInFlight = undefined;
        return value;
      },
      (error: unknown) => {
        const e = error instanceof OidcError ? error : new OidcError('DISCOVERY_FAILED', `OIDC discovery for ${this.issuerUrl} failed`, { cause: error });
        this.discovery = { error: e, at: this.opts.clock.now() };
        this.discoveryInFlight = undefined;
        throw e;
      },
    );
    return this.discoveryInFlight;
  }

  private async fetchDiscovery(): Promise<Discovery> {
    this.stats.discoveryFetches++;
    const url = `${this.issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const doc = await getIdpJson(url, { ...this.httpOpts(), what: 'OIDC discovery document' });
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new OidcError('DISCOVERY_FAILED', `the discovery document at ${url} is not a JSON object`);
    const { issuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: algs } = doc as Record<string, unknown>;
    // go-oidc: "oidc: issuer did not match the issuer returned by provider". Without
    // this, any host serving a discovery document could vouch for another issuer.
    if (issuer !== this.issuerUrl) {
      throw new OidcError('DISCOVERY_FAILED', `the discovery document at ${url} names issuer ${JSON.stringify(issuer)}, not ${this.issuerUrl}`);
    }
    if (typeof jwksUri !== 'string') throw new OidcError('DISCOVERY_FAILED', `the discovery document at ${url} has no jwks_uri`);
    let jwks: URL;
    try {
      jwks = new URL(jwksUri);
    } catch {
      throw new OidcError('DISCOVERY_FAILED', `the discovery document at ${url} has an invalid jwks_uri ${JSON.stringify(jwksUri)}`);
    }
    if (jwks.protocol !== 'https:' && jwks.protocol !== 'http:') throw new OidcError('DISCOVERY_FAILED', `jwks_uri ${jwksUri} is not http(s)`);
    if (new URL(this.issuerUrl).protocol === 'https:' && jwks.protocol !== 'https:') {
      throw new OidcError('DISCOVERY_FAILED', `jwks_uri ${jwksUri} downgrades an https issuer to http`);
    }
    let algorithms: SupportedAlgorithm[] = ['RS256'];
    if (Array.isArray(algs)) {
      const listed = SUPPORTED_ALGORITHMS.filter((a) => algs.includes(a));
      // go-oidc: a provider listing only algorithms we do not support falls back to RS256 as well.
      if (listed.length) algorithms = listed;
    }
    return { jwksUri: jwks.href, algorithms };
  }

  private async keys(forceRefresh: boolean): Promise<KeySet> {
    const now = this.opts.clock.now();
    if (!forceRefresh && this.keySet && now - this.keySet.fetchedAt < JWKS_MAX_AGE_MS) return this.keySet;
    this.keysInFlight ??= this.fetchKeys().finally(() => {
      this.keysInFlight = undefined;
    });
    return this.keysInFlight;
  }

  private async fetchKeys(): Promise<KeySet> {
    const { jwksUri } = await this.discover();
    this.stats.jwksFetches++;
    const doc = await getIdpJson(jwksUri, { ...this.httpOpts(), what: 'JWKS' });
    const keys = (doc as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new OidcError('DISCOVERY_FAILED', `the JWKS at ${jwksUri} has no keys array`);
    const previous = new Map((this.keySet?.keys ?? []).map((e) => [JSON.stringify(e.jwk), e]));
    const entries: KeyEntry[] = [];
    for (const k of keys) {
      if (typeof k !== 'object' || k === null || Array.isArray(k)) continue;
      const jwk = k as JWK;
      // Symmetric keys never verify an ID token here: publishing an "oct" key in a
      // JWKS would hand every reader the signing secret.
      if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') continue;
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) continue;
      if ('d' in jwk) continue; // a private key published by mistake: ignore rather than use
      entries.push(previous.get(JSON.stringify(jwk)) ?? { jwk, imported: new Map() });
    }
    this.keySet = { keys: entries, fetchedAt: this.opts.clock.now() };
    return this.keySet;
  }

  private httpOpts(): { timeoutMs: number; fetch?: typeof fetch; caCert?: string } {
    return {
      timeoutMs: this.opts.timeoutMs,
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      ...(this.opts.caCert ? { caCert: this.opts.caCert } : {}),
    };
  }
}

function fits(jwk: JWK, alg: SupportedAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg === 'ES256') return jwk.kty === 'EC' && jwk.crv === 'P-256';
  if (alg === 'ES384') return jwk.kty === 'EC' && jwk.crv === 'P-384';
  if (alg === 'ES512') return jwk.kty === 'EC' && jwk.crv === 'P-521';
  return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
}

function select(set: KeySet, alg: SupportedAlgorithm, kid: string | undefined): KeyEntry[] {
  return set.keys.filter((e) => (kid === undefined || e.jwk.kid === kid) && fits(e.jwk, alg));
}
