/** The three ways to read a log. */
export type LogKind = 'rekor-v1' | 'tiles' | 'ct';
export const LOG_KINDS: readonly LogKind[] = ['rekor-v1', 'tiles', 'ct'];

/** A tree head whose signature verified with a trusted key. */
export interface VerifiedHead {
  /** Checkpoint origin (for CT, which has none, the log's URL). */
  origin: string;
  size: number;
  rootHash: Buffer;
  /** The signed form as served (checkpoint note, or the STH JSON), kept as evidence. */
  signed: string;
  /** When the log signed it (CT STH timestamp), ms since the epoch; undefined for notes. */
  timestampMs?: number;
}

/** One leaf of the log as it is hashed (RFC 6962 leaf input). */
export interface LeafEntry {
  index: number;
  leaf: Buffer;
}

/**
 * A log read through its own API. Every method throws MonitorError: BAD_SIGNATURE /
 * FORK when the log misbehaved, FETCH_FAILED / BAD_RESPONSE when it could not be read.
 */
export interface LogSource {
  readonly kind: LogKind;
  readonly url: string;
  /** The latest tree head, signature verified. */
  head(): Promise<VerifiedHead>;
  /** Proves `to` extends `from` (from.size < to.size) and returns the verified proof; throws FORK when it does not. */
  proveConsistency(from: VerifiedHead, to: VerifiedHead): Promise<Buffer[]>;
  /** Leaves [start, end) of the tree `head`, in order. */
  entries(start: number, end: number, head: VerifiedHead): AsyncIterable<LeafEntry>;
}
