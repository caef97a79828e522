
/**
 * The storage contract of the log engine. Drivers are opaque to callers; each checks
 * at compile time that it `implements LogStore`.
 *
 * The contract is synchronous: the embedded driver (better-sqlite3) answers reads in
 * microseconds, and every read the engine does on a hot path (tiles, identities,
 * entries) is a point lookup. A networked driver would sit behind a read-through cache
 * (full tiles are immutable) and is out of scope for this version.
 *
 * Durability: when `commitBatch` returns, the batch is durable (survives power loss).
 * When it throws, the batch was applied entirely or not at all; the engine then
 * re-reads the state to learn which (see sequencer/recover.ts).
 */
export interface LogStore {
  /**
   * The state of the last committed batch, or undefined when the store holds no log.
   * Must reflect every commit that returned.
   */
  loadState(): StoredState | undefined;

  /**
   * Creates the log: records its metadata and the signed checkpoint of the empty tree.
   * Atomic. Throws LogError LOG_EXISTS if the store already holds a log.
   */
  initialize(meta: LogMeta, checkpoint: StoredCheckpoint): void;

  /**
   * Atomically and durably appends a batch:
   * - `entries` at consecutive indices starting at the stored checkpoint's size,
   * - their identity rows (identity hash → index),
   * - the tile writes (full tiles, and each touched level's partial tile replacing
   *   the previous, shorter, version of the same tile),
   * - the new checkpoint, replacing the stored one only if the stored one still has
   *   size `previousSize` (compare-and-swap; else LogError CHECKPOINT_CONFLICT and
   *   nothing is written),
   * - and whatever `inTransaction` writes: it runs synchronously inside the same
   *   transaction (personality index rows); if it throws, nothing is written.
   */
  commitBatch(batch: BatchCommit, inTransaction?: () => void): void;

  /**
   * Makes every batch committed so far durable (survives power loss), off the
   * caller's thread where the store can. A store whose commitBatch is already
   * durable when it returns omits this. The sequencer publishes a batch to readers
   * and answers its waiters only after sync() resolved, so nothing that could still
   * be lost is ever shown to anyone.
   */
  sync?(): Promise<void>;

  /** The stored hashes of tile (level, index): 32·width bytes, or undefined. Serves C2SP tiles. */
  readTile(level: number, index: number): Buffer | undefined;

  /**
   * The tile with, for a full tile, the inner nodes stored with it (`TileWrite.inner`),
   * so that a proof needs no rehashing of the 256 hashes. A store may drop `inner`;
   * the engine then recomputes it (255 hashes per tile read).
   */
  readTileNodes(level: number, index: number): StoredTile | undefined;

  /** The entry at `index`, or undefined. */
  readEntry(index: number): StoredEntry | undefined;

  /** Entries with start ≤ index < end, in index order. */
  iterateEntries(start: number, end: number): IterableIterator<IndexedEntry>;

  /** The index recorded for an identity hash (SHA-256 of the candidate's identity). */
  lookupIdentity(identityHash: Buffer): number | undefined;

  /** Counts of stored rows, for fsck: entries, identities, tiles, and the highest entry index (-1 if none). */
  stats(): StoreStats;

  /** Every stored tile's coordinates and width, for fsck. */
  iterateTiles(): IterableIterator<{ level: number; index: number; width: number }>;

  /** Releases the store. Further calls fail. */
  close(): void;
}

/** Facts fixed when the log is created; openLog refuses options that contradict them. */
export interface LogMeta {
  /** The checkpoint origin line. */
  origin: string;
  /** Tile height of the stored tiles (always 8). */
  tileHeight: number;
  /** Store layout version. */
  version: number;
}

export interface StoredCheckpoint {
  size: number;
  rootHash: Buffer;
  /** The complete signed note. */
  note: string;
  timestampMs: number;
}

export interface StoredState {
  meta: LogMeta;
  checkpoint: StoredCheckpoint;
}

export interface StoredEntry {
  leaf: Buffer;
  timestampMs: number;
}

export interface IndexedEntry extends StoredEntry {
  index: number;
}

export interface BatchEntry {
  index: number;
  leaf: Uint8Array;
  /** SHA-256 of the candidate's identity: the exact-dedupe key. */
  identityHash: Buffer;
  timestampMs: number;
}

export interface BatchCommit {
  /** Size of the stored checkpoint this batch extends (compare-and-swap). */
  previousSize: number;
  entries: readonly BatchEntry[];
  tiles: readonly TileWrite[];
  checkpoint: StoredCheckpoint;
}

export interface StoreStats {
  entries: number;
  identities: number;
  tiles: number;
  maxEntryIndex: number;
}

/** A tile to persist: full (256 hashes, immutable from now on) or the partial right-edge tile of its level. */
export interface TileWrite {
  level: number;
  index: number;
  /** The stored hashes: width = data.length / 32. */
  data: Buffer;
  /**
   * Full tiles only: the 255 nodes above the 256 hashes (within-tile levels 1..8,
   * level by level, 8160 bytes). Derived data, stored so that proofs from tiles read
   * from the store cost no hashing; fsck recomputes and checks it.
   */
  inner?: Buffer;
}

export interface StoredTile {
  data: Buffer;
  inner?: Buffer | undefined;
}

/** Store layout version written by this engine. */
export const STORE_VERSION = 1;
