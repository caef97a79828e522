import type { LogStore } from '@sigstack/merkle';

/**
 * What the Rekor v1 personality persists beside the log engine, behind named
 * operations: the search index (protocols.md §6.8), the signed entry timestamps
 * (SETs, §6.5) and the tree ID. No service module knows which database holds them;
 * each driver checks at compile time that it `implements RekorIndexStore`.
 *
 * Atomicity: `addSearchRows` and `putSet` are *batch writes*. They are called only
 * from the engine's onSequenced hook, which runs inside `LogStore.commitBatch`'s
 * transaction (`inTransaction`), so a crash keeps an entry together with its index
 * rows and its SET, or loses all of them; no index row ever points at an entry that
 * was not committed. A driver must therefore write them in the same transaction as
 * the batch of the LogStore it was opened with (see RekorStorage).
 *
 * The contract is synchronous, like LogStore's (see merkle's store/store.ts and
 * docs/postgres-design.md for how a networked driver fits).
 */
export interface RekorIndexStore {
  /**
   * The log's tree ID: the stored one, or `create()`'s, stored durably before this
   * returns (it becomes part of the checkpoint origin, so it must never change).
   */
  treeId(create: () => bigint): bigint;

  /**
   * Batch write: records that the entry at `index` matches each of `keys` (hashes
   * `sha256:<hex>`, public-key fingerprints, e-mails, subjects). Keys are compared
   * case-insensitively: the store lower-cases them, as upstream does. Adding the same
   * (key, index) twice is not an error.
   */
  addSearchRows(index: number, keys: readonly string[]): void;

  /** The indexes recorded for a lower-cased `key`, ascending, at most `limit`. */
  findByKey(key: string, limit: number): number[];

  /** Batch write: the SET signed for the entry at `index` at sequencing. */
  putSet(index: number, set: Buffer): void;

  /** The stored SET of `index`, or undefined (entries from before SETs were stored). */
  getSet(index: number): Buffer | undefined;
}

/**
 * A Rekor v1 log's storage: the engine's LogStore and the personality's store over
 * the same database, so that the batch writes above share the batch's transaction.
 * The log owns `log` and closes it; closing it releases `rekor` too.
 */
export interface RekorStorage {
  log: LogStore;
  rekor: RekorIndexStore;
}
