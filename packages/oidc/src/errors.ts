import { SigstackError } from '@sigstack/core';

/**
 * The closed set of identity failures: a bearer token that does not become a
 * Principal, an identity config that does not parse, a development token that cannot
 * be minted. HTTP statuses are not chosen here: the CA that asked for the principal
 * re-codes these into its own errors (Fulcio answers 401 for every authentication
 * failure, 503 when the IdP is unreachable).
 */
export type OidcErrorCode =
  | 'TOKEN_INVALID' // malformed, forged, wrong/forbidden alg, bad signature
  | 'TOKEN_EXPIRED' // exp (plus leeway) is in the past
  | 'TOKEN_NOT_YET_VALID' // nbf or iat (minus leeway) is in the future
  | 'WRONG_AUDIENCE' // aud does not contain the issuer's ClientID
  | 'ISSUER_UNTRUSTED' // iss matches no configured issuer or meta-issuer
  | 'UNKNOWN_KEY_ID' // kid not in the issuer's JWKS, even after a refresh
  | 'CLAIMS_INVALID' // required claims missing/invalid for the issuer type, email unverified
  | 'DISCOVERY_FAILED' // IdP unreachable, bad discovery document or JWKS (not the caller's fault)
  | 'CONFIG_INVALID' // the Fulcio identity config (file) is invalid (startup only)
  | 'DEV_ISSUER_NOT_STARTED' // dev-token: no running development issuer in the data directory
  | 'DEV_TOKEN_REQUEST_INVALID'; // dev-token: the requested identity or lifetime is not valid

export class OidcError extends SigstackError<OidcErrorCode> {}
