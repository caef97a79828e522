import { TufError } from '../errors.js';

/** Media type sigstore-go accepts for a signing config (protocols.md §9.3). */
export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

export interface SigningConfigService {
  url: string;
  majorApiVersion: number;
  validFor: { start: string; end?: string };
  operator?: string;
}

/** signing_config.v0.2.json, field for field (§9.3); Go clients refuse unknown fields. */
export interface SigningConfig {
  mediaType: typeof SIGNING_CONFIG_MEDIA_TYPE;
  caUrls: SigningConfigService[];
  oidcUrls: SigningConfigService[];
  rekorTlogUrls: SigningConfigService[];
  rekorTlogConfig: { selector: 'ANY' | 'ALL' | 'EXACT'; count?: number };
  tsaUrls: SigningConfigService[];
  tsaConfig: { selector: 'ANY' | 'ALL' | 'EXACT'; count?: number };
}

export interface SigningConfigOptions {
  /** Fulcio base URL (clients append /api/v2/signingCert). */
  caUrl: string;
  /** OIDC issuer URL (clients run discovery on it). */
  oidcUrl?: string;
  /** Rekor v1 base URL (clients post to <url>/api/v1/log/entries). */
  rekorUrl?: string;
  /**
   * Rekor v2 base URL (clients post to <url>/api/v2/log/entries), listed first with
   * majorApiVersion 2. sigstore-go (cosign 3) then signs to v2: it takes the highest
   * API version it supports among the services valid now, whatever the order
   * (pkg/root/signing_config.go SelectServices). At least one Rekor URL is required.
   */
  rekorV2Url?: string;
  /** The FULL timestamp URL, e.g. https://tsa.example.com/api/v1/timestamp. Omit for no TSA. */
  tsaUrl?: string;
  /** Start of the services' validity; must not be after the first signature. */
  start: Date;
  /** Operator name; sigstore-go keeps one Rekor/TSA per operator. */
  operator?: string;
}

/**
 * Builds signing_config.v0.2.json. Every service is API version 1 (Fulcio's v2 path is
 * API version 1 to clients) but a Rekor v2 log (2); selectors ANY.
 */
export function createSigningConfig(opts: SigningConfigOptions): SigningConfig {
  if (Number.isNaN(opts.start.getTime())) throw new TufError('INVALID_INPUT', 'signing config: start is not a date');
  const start = opts.start.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (opts.rekorUrl === undefined && opts.rekorV2Url === undefined) throw new TufError('INVALID_INPUT', 'signing config: a Rekor URL (v1 or v2) is required');
  const service = (url: string, majorApiVersion = 1): SigningConfigService => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new TufError('INVALID_INPUT', `signing config: "${url}" is not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TufError('INVALID_INPUT', `signing config: "${url}" is not http(s)`);
    const s: SigningConfigService = { url: url.replace(/\/+$/, ''), majorApiVersion, validFor: { start } };
    if (opts.operator !== undefined) s.operator = opts.operator;
    return s;
  };
  return {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: [service(opts.caUrl)],
    oidcUrls: opts.oidcUrl ? [service(opts.oidcUrl)] : [],
    rekorTlogUrls: [...(opts.rekorV2Url !== undefined ? [service(opts.rekorV2Url, 2)] : []), ...(opts.rekorUrl !== undefined ? [service(opts.rekorUrl)] : [])],
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls: opts.tsaUrl ? [service(opts.tsaUrl)] : [],
    tsaConfig: { selector: 'ANY' },
  };
}
