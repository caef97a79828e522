import { SigstackError } from '@sigstack/core';

/**
 * The closed set of TSA failures. HTTP statuses are chosen in one place,
 * routes/status.ts; the RFC 3161 failInfo bit for the codes that have one is in
 * asn1/pki-status-info.ts (FAIL_INFO_OF). The service only throws codes.
 */
export type TsaErrorCode =
  // -- the caller's request (4xx) --
  | 'MALFORMED_REQUEST' // body is not a DER TimeStampReq / not the JSON request form (400)
  | 'UNSUPPORTED_VERSION' // TimeStampReq version is not 1 (400; failInfo badRequest)
  | 'UNSUPPORTED_HASH_ALGORITHM' // imprint hash is not SHA-256/384/512, or has parameters (400; badAlg)
  | 'DIGEST_LENGTH_MISMATCH' // hashedMessage length differs from the hash size (400; badDataFormat)
  | 'UNACCEPTED_POLICY' // reqPolicy / tsaPolicyOID is not our policy (400; unacceptedPolicy)
  | 'UNACCEPTED_EXTENSION' // the request carries extensions (400; unacceptedExtension)
  | 'NONCE_TOO_LARGE' // the nonce is above MAX_NONCE_OCTETS (400; badRequest)
  | 'UNSUPPORTED_MEDIA_TYPE' // Content-Type is neither application/timestamp-query nor application/json (415)
  | 'REQUEST_TOO_LARGE' // body above the route's limit (413)
  // -- ours (5xx) --
  | 'CERTIFICATE_NOT_VALID' // the clock is outside the TSA leaf's validity: no token can verify (503)
  | 'SIGNING_FAILED' // the Signer failed (500)
  // -- configuration / startup (never reach HTTP) --
  | 'UNSUPPORTED_KEY' // the signer is not ECDSA P-256/P-384 (clients verify only ecdsa-with-SHA*)
  | 'INVALID_CHAIN' // chain unreadable, not leaf-first, broken, or not matching the key
  | 'INVALID_LEAF_PROFILE' // leaf lacks the TSA profile (single critical timeStamping EKU, not a CA, ...)
  | 'INVALID_OPTIONS'; // bad option value (policy OID, validity, ...)

export class TsaError extends SigstackError<TsaErrorCode> {}
