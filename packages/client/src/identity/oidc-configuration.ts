import * as oidc from 'openid-client';
import { ClientError } from '../errors.js';

/** What the interactive flows need to talk to the provider. */
export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  fetch: typeof globalThis.fetch;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Discovers the provider (`/.well-known/openid-configuration`) and describes our
 * client to openid-client. Plain http is allowed only for a loopback issuer (a
 * provider on the same machine, as in tests and `sigstack up`); anything else must be
 * https. ID token signatures are checked against the provider's JWKS
 * (enableNonRepudiationChecks), as cosign's go-oidc verifier does.
 */
export async function discoverProvider(settings: OidcClientSettings): Promise<oidc.Configuration> {
  let issuer: URL;
  try {
    issuer = new URL(settings.issuer);
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `--oidc-issuer ${settings.issuer} is not a URL`, { cause: e });
  }
  const insecure = issuer.protocol === 'http:';
  if (insecure && !LOOPBACK_HOSTS.has(issuer.hostname)) {
    throw new ClientError('IDENTITY_TOKEN', `--oidc-issuer ${settings.issuer}: an identity provider must use https (plain http only on loopback)`);
  } else if (!insecure && issuer.protocol !== 'https:') {
    throw new ClientError('IDENTITY_TOKEN', `--oidc-issuer ${settings.issuer}: not an http(s) URL`);
  }
  const fetchImpl = settings.fetch;
  const options: oidc.DiscoveryRequestOptions = {
    [oidc.customFetch]: (url: string, init: oidc.CustomFetchOptions) => fetchImpl(url, init as RequestInit),
  };
  if (insecure) options.execute = [oidc.allowInsecureRequests];
  const auth = settings.clientSecret !== undefined ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None();
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(issuer, settings.clientId, undefined, auth, options);
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `discovering the OpenID provider ${settings.issuer}: ${describeOidcError(e)}`, { cause: e });
  }
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** One line for an openid-client failure, naming the provider's own error code when there is one. */
export function describeOidcError(e: unknown): string {
  if (e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError) {
    return `${e.error}${e.error_description ? ` (${e.error_description})` : ''}`;
  }
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.message}${cause}`;
  }
  return String(e);
}

/** The provider's OAuth error code (`access_denied`, `expired_token`, ...), if the failure carries one. */
export function oauthErrorCode(e: unknown): string | undefined {
  if (e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError) return e.error;
  return undefined;
}
