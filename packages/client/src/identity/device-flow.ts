import * as oidc from 'openid-client';
import { ClientError } from '../errors.js';
import { OIDC_SCOPES } from './identity-token-options.js';
import { formatDuration } from './loopback-flow.js';
import { describeOidcError, oauthErrorCode } from './oidc-configuration.js';

export interface DeviceFlowOptions {
  config: oidc.Configuration;
  log: (line: string) => void;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Seconds we keep polling past the device code's `expires_in`, so that the provider
 * itself can answer `expired_token` (its clock decides, not ours).
 */
const EXPIRY_GRACE_SECONDS = 10;

/**
 * The device authorization grant (RFC 8628), for a person whose browser is elsewhere:
 * ask for a device code, print the verification URI and the user code, poll the token
 * endpoint. openid-client polls as §3.4–3.5 say: it waits `interval` seconds (5 when
 * the provider gives none) before each poll, adds 5 seconds on `slow_down`, and keeps
 * going on `authorization_pending`.
 */
export async function deviceFlow(opts: DeviceFlowOptions): Promise<string> {
  if (opts.config.serverMetadata().device_authorization_endpoint === undefined) {
    throw new ClientError('IDENTITY_TOKEN', `the identity provider ${opts.config.serverMetadata().issuer} offers no device authorization endpoint: use the normal flow`);
  }
  let authorization: oidc.DeviceAuthorizationResponse;
  try {
    authorization = await oidc.initiateDeviceAuthorization(opts.config, { scope: OIDC_SCOPES });
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `the identity provider refused the device authorization request: ${describeOidcError(e)}`, { cause: e });
  }
  const uri = authorization.verification_uri;
  opts.log(`Enter the verification code ${authorization.user_code} in your browser at: ${uri}`);
  if (authorization.verification_uri_complete && authorization.verification_uri_complete !== uri) {
    opts.log(`(or open ${authorization.verification_uri_complete})`);
  }
  opts.log(`Code will be valid for ${authorization.expires_in} seconds`);

  const expiry = AbortSignal.timeout((authorization.expires_in + EXPIRY_GRACE_SECONDS) * 1000);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signals = [expiry, timeout];
  if (opts.signal) signals.push(opts.signal);
  let tokens;
  try {
    tokens = await oidc.pollDeviceAuthorizationGrant(opts.config, authorization, undefined, { signal: AbortSignal.any(signals) });
  } catch (e) {
    const code = oauthErrorCode(e);
    if (code === 'expired_token' || (expiry.aborted && !timeout.aborted)) {
      throw new ClientError('IDENTITY_TOKEN', 'the device code expired before the sign-in was confirmed (expired_token): run the command again', { cause: e });
    }
    if (code === 'access_denied') {
      throw new ClientError('IDENTITY_TOKEN', `the identity provider refused the sign-in: ${describeOidcError(e)}`, { cause: e });
    }
    if (code !== undefined) {
      throw new ClientError('IDENTITY_TOKEN', `the identity provider refused the device code: ${describeOidcError(e)}`, { cause: e });
    }
    if (timeout.aborted) {
      throw new ClientError('IDENTITY_TOKEN', `waiting for the device sign-in: no answer within ${formatDuration(opts.timeoutMs)}`, { cause: e });
    }
    if (opts.signal?.aborted) throw new ClientError('IDENTITY_TOKEN', 'waiting for the device sign-in: cancelled', { cause: e });
    throw new ClientError('IDENTITY_TOKEN', `polling for the device sign-in: ${describeOidcError(e)}`, { cause: e });
  }
  if (typeof tokens.id_token !== 'string' || tokens.id_token === '') {
    throw new ClientError('IDENTITY_TOKEN', 'the identity provider answered no id_token');
  }
  opts.log('Token received!');
  return tokens.id_token;
}
