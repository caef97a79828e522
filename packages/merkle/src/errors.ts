import { SigstackError } from '@sigstack/core';

/**
 * The closed set of log-engine error codes. The engine knows nothing about HTTP:
 * each personality maps these to statuses at its plugin boundary (for example
 * PUSHBACK → 503 with Retry-After).
 *
 * Fatal codes (the sequencer stops, every later write is refused, and the log must be
 * reopened, which re-runs recovery): CHECKPOINT_CONFLICT, and STORE_FAILED when the
 * store cannot even be re-read after a failed commit. A STORE_FAILED that the engine
 * recovers from is delivered to the batch's waiters only.
 */
export type LogErrorCode =
  /** The pending queue is full; retry later. */
  | 'PUSHBACK'
  /** A leaf is larger than `maxEntrySize`. */
  | 'ENTRY_TOO_LARGE'
  /** A candidate is malformed (no identity, leaf function threw or returned no bytes). */
  | 'INVALID_ENTRY'
  /** The log is closing or closed. */
  | 'SHUTTING_DOWN'
  /** An inclusion or consistency proof does not verify. */
  | 'INVALID_PROOF'
  /** An index or tree size is outside the log, or not an integer. */
  | 'INVALID_RANGE'
  /** The store failed to commit or read; see `cause`. */
  | 'STORE_FAILED'
  /** The stored checkpoint is not the one this sequencer last wrote: another writer, or a restored backup. */
  | 'CHECKPOINT_CONFLICT'
  /** The checkpoint signer failed; the batch was not committed. */
  | 'SIGNING_FAILED'
  /** A requested tile or entry bundle does not exist (yet). */
  | 'NOT_FOUND'
  /** A signed note or checkpoint is malformed or its signatures do not verify. */
  | 'INVALID_NOTE'
  /** createLog found an existing log in the store. */
  | 'LOG_EXISTS'
  /** openLog found no log in the store (and `create` was not set). */
  | 'LOG_MISSING'
  /** The stored log is inconsistent (tiles, entries and checkpoint disagree). */
  | 'LOG_CORRUPT'
  /** The options do not match the stored log (origin, signer key) or are out of range. */
  | 'INVALID_OPTIONS';

export class LogError extends SigstackError<LogErrorCode> {}

/** Wraps any failure into a LogError with `code`, keeping the original as `cause`. */
export function toLogError(code: LogErrorCode, message: string, cause: unknown): LogError {
  if (cause instanceof LogError) return cause;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new LogError(code, message + detail, { cause });
}
