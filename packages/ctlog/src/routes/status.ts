import type { CtLogErrorCode } from '../errors.js';

/** The one table from CT log error codes to HTTP statuses. */
export const CTLOG_STATUS: Readonly<Record<CtLogErrorCode, number>> = {
  MALFORMED_REQUEST: 400,
  INVALID_CERTIFICATE: 400,
  MISSING_POISON: 400,
  UNEXPECTED_POISON: 400,
  INVALID_CHAIN: 400,
  UNKNOWN_ROOT: 400,
  UNSUPPORTED_CHAIN: 400,
  INVALID_RANGE: 400,
  NOT_FOUND: 404,
  INVALID_SCT: 400,
  INVALID_KEY: 500,
  INVALID_OPTIONS: 500,
};
