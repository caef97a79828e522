import type { RekorErrorCode } from '../errors.js';

/** The one table from Rekor error codes to HTTP statuses (upstream pkg/api/error.go). */
export const REKOR_STATUS: Readonly<Record<RekorErrorCode, number>> = {
  MALFORMED_ENTRY: 400,
  UNSUPPORTED_KIND: 400,
  INVALID_SIGNATURE: 400,
  INVALID_KEY: 400,
  ENTRY_EXISTS: 409,
  NOT_FOUND: 404,
  INVALID_ID: 400,
  INVALID_QUERY: 400,
  TOO_MANY_QUERIES: 422,
  INVALID_RANGE: 400,
  UNKNOWN_TREE: 400,
  NOT_WITNESSED: 503,
};
