import type { Clock } from '@sigstack/core';
import type { NoteSigner } from './note/signed-note.js';
import type { LogStore } from './store/store.js';

/** A signed checkpoint of the log. */
export interface Checkpoint {
  /** The origin line (Rekor v1: `<hostname> - <treeID>`). */
  origin: string;
  size: number;
  rootHash: Buffer;
  /** The complete signed note (C2SP signed-note), as served. */
  text: string;
  /** The timestamp of the batch that produced it (ms since the epoch). */
  timestampMs: number;
}

/** What a personality asks the log to append. */
export interface AddCandidate {
  /**
   * The exact-dedupe key (for example the leaf hash, or a hash of the canonical
   * entry): a candidate whose identity is already in the log is answered with the
   * existing index and `duplicate: true`, never appended twice. Not stored itself:
   * the store keeps SHA-256(identity).
   */
  identity: Uint8Array;
  /**
   * The leaf bytes, or a function that makes them once the index and the batch
   * timestamp are known (CT's MerkleTreeLeaf embeds the timestamp). The function must
   * be pure and synchronous; it runs at most once, and not at all for duplicates.
   */
  leaf: Uint8Array | ((index: number, timestampMs: number) => Uint8Array);
  /** Opaque data handed back in `onSequenced` (e.g. the search-index keys of the entry). */
  extra?: unknown;
}

export interface AddResult {
  index: number;
  /** The batch timestamp of the entry (for a duplicate: the original entry's). */
  timestampMs: number;
  duplicate: boolean;
  /** A signed checkpoint that covers `index` (for a duplicate, the current one). */
  checkpoint: Checkpoint;
  /**
   * What the `attach` hook made for this entry (committed with it). Undefined for a
   * duplicate, and when the log has no `attach` hook.
   */
  attachment?: unknown;
}

/** An entry as committed, handed to `onSequenced` inside the batch transaction. */
export interface SequencedEntry {
  index: number;
  timestampMs: number;
  identity: Uint8Array;
  leaf: Uint8Array;
  extra: unknown;
  /** What the `attach` hook returned for this entry (undefined without the hook). */
  attachment?: unknown;
}

export interface LogOptions {
  /** Where the log lives, e.g. `SqliteStore.open(path)`. The log owns it from now on and closes it. */
  store: LogStore;
  /** The checkpoint origin line. Fixed when the log is created; openLog refuses another. */
  origin: string;
  /** Signs every checkpoint. Its name and key hint must match the stored checkpoint's. */
  noteSigner: NoteSigner;
  /** Source of the batch timestamps (default systemClock). */
  clock?: Clock;
  /** Most entries in one batch (one transaction, one checkpoint). */
  maxBatchSize?: number;
  /** Longest time the oldest queued entry waits for its batch to fill up. */
  maxBatchWaitMs?: number;
  /** Most entries accepted but not yet answered; beyond it add() rejects with PUSHBACK. */
  maxPending?: number;
  /** Largest leaf, in bytes; beyond it the entry is rejected with ENTRY_TOO_LARGE. */
  maxEntrySize?: number;
  /** Full tiles kept expanded in memory (each ~16 KiB); at least 16. */
  tileCacheSize?: number;
  /**
   * Called synchronously inside each batch's write transaction with the entries it
   * appends (not duplicates): whatever it writes to the same database commits
   * atomically with the leaves. If it throws, the batch is rolled back and its
   * waiters get STORE_FAILED.
   */
  onSequenced?: (entries: SequencedEntry[]) => void;
  /**
   * Called once per batch after it is sequenced (indices and timestamp fixed) and
   * before anything is written, alongside the checkpoint signature; returns one value
   * per entry, in order, e.g. Rekor's signed entry timestamps, which cover exactly
   * what sequencing fixes. Each value is set as `attachment` on the entries handed to
   * `onSequenced` (to be stored in the same transaction) and returned to that entry's
   * add() caller in AddResult.attachment. If it throws or rejects, or returns the
   * wrong number of values, nothing is written and the batch's waiters get
   * SIGNING_FAILED; the log goes on with the next batch.
   */
  attach?: (entries: readonly SequencedEntry[]) => readonly unknown[] | Promise<readonly unknown[]>;
}

export interface OpenLogOptions extends LogOptions {
  /** Create the log when the store holds none (default false: LOG_MISSING). */
  create?: boolean;
}

/** Counters for metrics. */
export interface LogStats {
  size: number;
  /** Entries accepted and not yet answered. */
  pending: number;
  batches: number;
  appended: number;
  duplicates: number;
  lastBatchSize: number;
  tileCache: { size: number; capacity: number; hits: number; misses: number };
}
