import { SigstackError } from '@sigstack/core';

/**
 * The closed set of Fulcio failures. Services only throw codes; the HTTP status for
 * each is chosen in one place at the plugin boundary (routes/). Upstream Fulcio
 * answers 401 for every authentication failure and 400 for request problems; the
 * suggested status is noted after each code.
 */
export type FulcioErrorCode =
  // --- identity (OIDC token → principal): @sigstack/oidc's OidcError codes, re-coded by FulcioService ---
  | 'TOKEN_INVALID' // malformed, forged, wrong/forbidden alg, bad signature (401)
  | 'TOKEN_EXPIRED' // exp (plus leeway) is in the past (401)
  | 'TOKEN_NOT_YET_VALID' // nbf or iat (minus leeway) is in the future (401)
  | 'WRONG_AUDIENCE' // aud does not contain the issuer's ClientID (401)
  | 'ISSUER_UNTRUSTED' // iss matches no configured issuer or meta-issuer (401)
  | 'UNKNOWN_KEY_ID' // kid not in the issuer's JWKS, even after a refresh (401)
  | 'CLAIMS_INVALID' // required claims missing/invalid for the issuer type, email unverified (401)
  | 'DISCOVERY_FAILED' // IdP unreachable, bad discovery document or JWKS (503: not the caller's fault)
  | 'CONFIG_INVALID' // the Fulcio config file is invalid (startup only)
  // --- issuance (principal + public key → certificate) ---
  | 'INVALID_PUBLIC_KEY' // public key unparseable (400)
  | 'UNSUPPORTED_KEY' // key type/size/curve not allowed (400)
  | 'POP_INVALID' // proof-of-possession signature does not verify (400)
  | 'CSR_INVALID' // CSR unparseable or its self-signature is bad (400)
  | 'CT_LOG_FAILED' // the CT log did not return an SCT (500/503)
  | 'CT_LOG_BUSY' // the CT log pushed back (queue full, shutting down): retry later (503 + Retry-After)
  | 'CA_UNAVAILABLE' // the signing key/backend is unavailable (503)
  | 'MALFORMED_REQUEST' // request body is not a valid signingCert request (400)
  | 'TOKEN_MISSING' // no identity token in the request at all (401)
  | 'CA_CHAIN_INVALID'; // CA chain unreadable, broken, or not matching its keys (startup only)

export class FulcioError extends SigstackError<FulcioErrorCode> {}
