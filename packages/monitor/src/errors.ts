import { SigstackError } from '@sigstack/core';

/**
 * The closed set of @sigstack/monitor error codes. The first group is what the monitor
 * alerts on (the log misbehaved); the second is the monitor's own trouble (config, state,
 * network), which it reports but which says nothing about the log's honesty.
 */
export type MonitorErrorCode =
  /** A checkpoint / STH whose signature does not verify with the trusted key (or has none by it). */
  | 'BAD_SIGNATURE'
  /** The log's latest tree is smaller than the one last verified. */
  | 'ROLLBACK'
  /** Same size as the last verified tree with another root, or a consistency proof that does not verify. */
  | 'FORK'
  /** The checkpoint origin changed since the last verified one. */
  | 'ORIGIN_CHANGED'
  /** The log served something malformed (JSON, proof, tile, entry) or out of range. */
  | 'BAD_RESPONSE'
  /** The log could not be reached or answered with an error status. */
  | 'FETCH_FAILED'
  /** The watch config or the command's options are invalid. */
  | 'INVALID_CONFIG'
  /** The state file could not be read or written, or is not one of ours. */
  | 'STATE_FAILED';

export class MonitorError extends SigstackError<MonitorErrorCode> {}

/** Codes that mean the log is not append-only or not signed by its key: always an alert. */
export const INCONSISTENCY_CODES: ReadonlySet<MonitorErrorCode> = new Set(['BAD_SIGNATURE', 'ROLLBACK', 'FORK', 'ORIGIN_CHANGED']);
