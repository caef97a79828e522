import { SigningConfig, ServiceSelector, type Service } from '@sigstore/protobuf-specs';
import { ClientError } from '../errors.js';

/** The services one signing uses: where the certificate, the log entry and the timestamp come from. */
export interface SigningServices {
  fulcioUrl?: string;
  /** The identity provider people sign in with (the signing config's oidcUrls). */
  oidcUrl?: string;
  rekor?: { url: string; majorApiVersion: number };
  tsaUrl?: string;
}

/** The newest API versions this client speaks (sigstore-js's witnesses speak Rekor v1 and v2). */
const MAX_API = { ca: 1, oidc: 1, tlog: 2, tsa: 1 } as const;

/**
 * Picks the services from a signing config (v0.2, as cosign 3 reads it): for each kind,
 * the service valid now with the highest API version we speak, newest first. Only the
 * ANY selector is supported for logs and TSAs (one of each), as sigstore-js and cosign 3.
 */
export function servicesFromSigningConfig(text: string, source: string, now = new Date()): SigningServices {
  let config: SigningConfig;
  try {
    const json = JSON.parse(text) as { mediaType?: unknown };
    if (typeof json.mediaType !== 'string' || !json.mediaType.startsWith('application/vnd.dev.sigstore.signingconfig'))
      throw new Error(`mediaType ${JSON.stringify(json.mediaType)} is not a signing config`);
    config = SigningConfig.fromJSON(json);
  } catch (cause) {
    throw new ClientError('TRUST_INVALID', `${source}: ${(cause as Error).message}`, { cause });
  }
  for (const [name, sel] of [['rekorTlogConfig', config.rekorTlogConfig?.selector], ['tsaConfig', config.tsaConfig?.selector]] as const) {
    if (sel !== undefined && sel !== ServiceSelector.ANY && sel !== ServiceSelector.SERVICE_SELECTOR_UNDEFINED)
      throw new ClientError('TRUST_INVALID', `${source}: ${name}.selector ${ServiceSelector[sel]} is not supported (only ANY)`);
  }
  const out: SigningServices = {};
  const ca = pick(config.caUrls, MAX_API.ca, now);
  if (ca) out.fulcioUrl = ca.url;
  const oidc = pick(config.oidcUrls, MAX_API.oidc, now);
  if (oidc) out.oidcUrl = oidc.url;
  const tlog = pick(config.rekorTlogUrls, MAX_API.tlog, now);
  if (tlog) out.rekor = { url: tlog.url, majorApiVersion: tlog.majorApiVersion };
  const tsa = pick(config.tsaUrls, MAX_API.tsa, now);
  if (tsa) out.tsaUrl = tsa.url;
  return out;
}

function pick(services: Service[], maxApi: number, now: Date): Service | undefined {
  return services
    .filter((s) => s.majorApiVersion <= maxApi)
    .filter((s) => (!s.validFor?.start || s.validFor.start <= now) && (!s.validFor?.end || s.validFor.end >= now))
    .sort((a, b) => b.majorApiVersion - a.majorApiVersion || (b.validFor?.start?.getTime() ?? 0) - (a.validFor?.start?.getTime() ?? 0))[0];
}
