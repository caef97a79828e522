import { SigstackError } from '@sigstack/core';

/**
 * The closed set of CT log failures. The HTTP status of each is chosen in one place,
 * routes/status.ts; the service only throws codes.
 */
export type CtLogErrorCode =
  | 'MALFORMED_REQUEST' // JSON shape, base64 or query parameter is wrong (400)
  | 'INVALID_CERTIFICATE' // a chain element is not a DER X.509 certificate we can parse (400)
  | 'MISSING_POISON' // add-pre-chain: chain[0] lacks the critical CT poison extension (400)
  | 'UNEXPECTED_POISON' // add-chain: chain[0] is a precertificate (400)
  | 'INVALID_CHAIN' // a link of the chain does not verify (issuer name or signature) (400)
  | 'UNKNOWN_ROOT' // the chain does not end at, or is not issued by, an accepted root (400)
  | 'UNSUPPORTED_CHAIN' // a Precertificate Signing Certificate chain (RFC 6962 §3.1), not supported (400)
  | 'INVALID_RANGE' // get-entries / get-sth-consistency / tree_size outside the tree (400)
  | 'NOT_FOUND' // get-proof-by-hash: no leaf with that hash in the tree (404)
  | 'INVALID_SCT' // verifyEmbeddedSct: missing, malformed or not signed by the log (400)
  | 'INVALID_KEY' // the log key is not ECDSA P-256 (configuration; 500)
  | 'INVALID_OPTIONS'; // openCtLog options unusable, e.g. no or unparseable roots (configuration; 500)

export class CtLogError extends SigstackError<CtLogErrorCode> {}
