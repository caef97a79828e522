import type { LogStore } from '@sigstack/merkle';

/** What the CT personality keeps next to each leaf, handed to the engine as `extra`. */
export interface CtLeafExtra {
  /** The precertificate as submitted (absent for an x509_entry: the certificate is in the leaf). */
  precert?: Buffer;
  /** chain[1..] up to the accepted root. */
  chain: Buffer[];
}

/**
 * What the CT log (RFC 6962) persists beside the log engine, behind named operations:
 * the Merkle leaf hash of each entry (get-proof-by-hash) and its extra_data
 * (get-entries). No service module knows which database holds them; each driver
 * checks at compile time that it `implements CtStore`.
 *
 * Atomicity: `addEntry` is a *batch write*, called only from the engine's
 * onSequenced hook inside `LogStore.commitBatch`'s transaction: a crash keeps the
 * leaves with all these rows or loses both, so get-entries never serves a leaf
 * without its extra_data and get-proof-by-hash never points at an uncommitted index.
 */
export interface CtStore {
  /** Batch write: the leaf hash and extra data of the entry at `index`. */
  addEntry(index: number, leafHash: Buffer, extra: CtLeafExtra): void;

  /** The index of the entry with this Merkle leaf hash, or undefined. */
  indexOf(leafHash: Buffer): number | undefined;

  /** The stored extra data of an index, or undefined (should not happen for a committed index). */
  extra(index: number): CtLeafExtra | undefined;
}

/**
 * A CT log's storage: the engine's LogStore and the personality's store over the
 * same database, so that addEntry shares the batch's transaction. The log owns
 * `log` and closes it; closing it releases `ct` too.
 */
export interface CtStorage {
  log: LogStore;
  ct: CtStore;
}
