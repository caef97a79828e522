import type { TsaErrorCode } from '../errors.js';

/**
 * The one table from TSA error codes to HTTP statuses (upstream
 * timestamp-authority answers 400 to every bad request and 415 to a non-application
 * Content-Type; pkg/api/timestamp.go, openapi.yaml).
 */
export const TSA_STATUS: Readonly<Record<TsaErrorCode, number>> = {
  MALFORMED_REQUEST: 400,
  UNSUPPORTED_VERSION: 400,
  UNSUPPORTED_HASH_ALGORITHM: 400,
  DIGEST_LENGTH_MISMATCH: 400,
  UNACCEPTED_POLICY: 400,
  UNACCEPTED_EXTENSION: 400,
  NONCE_TOO_LARGE: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_TOO_LARGE: 413,
  CERTIFICATE_NOT_VALID: 503,
  SIGNING_FAILED: 500,
  UNSUPPORTED_KEY: 500,
  INVALID_CHAIN: 500,
  INVALID_LEAF_PROFILE: 500,
  INVALID_OPTIONS: 500,
};
