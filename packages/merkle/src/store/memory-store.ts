import { LogError } from '../errors.js';
import type {
  BatchCommit,
  IndexedEntry,
  LogMeta,
  LogStore,
  StoreStats,
  StoredCheckpoint,
  StoredEntry,
  StoredState,
  StoredTile,
} from './store.js';

/** Where an injected commit fault fires. */
export type FaultPoint =
  /** Before anything is applied: the batch is lost, as if the transaction rolled back. */
  | 'before-persist'
  /** After the whole batch is applied: durable, but the caller sees a failure (an fsync or connection error after COMMIT). */
  | 'after-persist';

export interface Fault {
  at: FaultPoint;
  /** How many commits fail (default 1). */
  times?: number;
  /** The error thrown (default a plain Error). */
  error?: Error;
}

/**
 * An in-memory LogStore for tests, with fault hooks at both sides of the durability
 * point. It honours the same atomicity contract as the SQLite store: a batch is
 * applied entirely or not at all. Not durable, obviously.
 */
export class MemoryStore implements LogStore {
  #meta: LogMeta | undefined;
  #checkpoint: StoredCheckpoint | undefined;
  readonly #entries: StoredEntry[] = [];
  readonly #identities = new Map<string, number>();
  readonly #tiles = new Map<string, StoredTile>();
  #faults: Required<Omit<Fault, 'error'>> & { error?: Error } = { at: 'before-persist', times: 0 };
  #closed = false;
  /** Number of batches committed. */
  commits = 0;
  /** Called after each successful commit, with the batch (tests observe ordering with it). */
  onCommit: ((batch: BatchCommit) => void) | undefined;
  /** Called on every read (tests count store reads with it). */
  onRead: ((what: 'tile' | 'entry' | 'identity', level?: number, index?: number) => void) | undefined;

  /** Makes the next `times` commits fail at `at`. */
  injectFault(fault: Fault): void {
    this.#faults = { at: fault.at, times: fault.times ?? 1, ...(fault.error ? { error: fault.error } : {}) };
  }

  /** Removes any pending fault. */
  clearFaults(): void {
    this.#faults = { at: 'before-persist', times: 0 };
  }

  loadState(): StoredState | undefined {
    this.#open();
    return this.#checkpoint && this.#meta ? { meta: { ...this.#meta }, checkpoint: { ...this.#checkpoint } } : undefined;
  }

  initialize(meta: LogMeta, checkpoint: StoredCheckpoint): void {
    this.#open();
    if (this.#checkpoint) throw new LogError('LOG_EXISTS', 'the memory store already holds a log');
    this.#meta = { ...meta };
    this.#checkpoint = { ...checkpoint };
  }

  commitBatch(batch: BatchCommit, inTransaction?: () => void): void {
    this.#open();
    if (this.#faults.times > 0 && this.#faults.at === 'before-persist') {
      this.#faults.times--;
      throw this.#faults.error ?? new Error('injected fault before persisting');
    }
    const stored = this.#checkpoint?.size;
    if (stored !== batch.previousSize)
      throw new LogError('CHECKPOINT_CONFLICT', `stored checkpoint has size ${stored ?? 'none'}, expected ${batch.previousSize}`);
    // Validate everything before touching state, so a failure applies nothing.
    let next = batch.previousSize;
    const seen = new Set<string>();
    for (const e of batch.entries) {
      if (e.index !== next++) throw new LogError('STORE_FAILED', `batch entry ${e.index} is not at the next index`);
      const key = e.identityHash.toString('hex');
      if (this.#identities.has(key) || seen.has(key)) throw new LogError('STORE_FAILED', `identity of entry ${e.index} already stored`);
      seen.add(key);
    }
    if (batch.checkpoint.size !== next) throw new LogError('STORE_FAILED', 'checkpoint size does not match the entries');
    inTransaction?.();
    for (const e of batch.entries) {
      this.#entries[e.index] = { leaf: Buffer.from(e.leaf), timestampMs: e.timestampMs };
      this.#identities.set(e.identityHash.toString('hex'), e.index);
    }
    for (const t of batch.tiles)
      this.#tiles.set(`${t.level}/${t.index}`, { data: Buffer.from(t.data), inner: t.inner && Buffer.from(t.inner) });
    this.#checkpoint = { ...batch.checkpoint };
    this.commits++;
    this.onCommit?.(batch);
    if (this.#faults.times > 0 && this.#faults.at === 'after-persist') {
      this.#faults.times--;
      throw this.#faults.error ?? new Error('injected fault after persisting');
    }
  }

  readTile(level: number, index: number): Buffer | undefined {
    this.#open();
    this.onRead?.('tile', level, index);
    return this.#tiles.get(`${level}/${index}`)?.data;
  }

  readTileNodes(level: number, index: number): StoredTile | undefined {
    this.#open();
    this.onRead?.('tile', level, index);
    return this.#tiles.get(`${level}/${index}`);
  }

  readEntry(index: number): StoredEntry | undefined {
    this.#open();
    this.onRead?.('entry', undefined, index);
    return this.#entries[index];
  }

  *iterateEntries(start: number, end: number): IterableIterator<IndexedEntry> {
    for (let i = start; i < Math.min(end, this.#entries.length); i++) {
      const e = this.#entries[i];
      if (e) yield { index: i, ...e };
    }
  }

  lookupIdentity(identityHash: Buffer): number | undefined {
    this.#open();
    this.onRead?.('identity');
    return this.#identities.get(identityHash.toString('hex'));
  }

  stats(): StoreStats {
    return {
      entries: this.#entries.filter(Boolean).length,
      identities: this.#identities.size,
      tiles: this.#tiles.size,
      maxEntryIndex: this.#entries.length - 1,
    };
  }

  *iterateTiles(): IterableIterator<{ level: number; index: number; width: number }> {
    for (const [k, v] of this.#tiles) {
      const [level, index] = k.split('/').map(Number) as [number, number];
      yield { level, index, width: v.data.length / 32 };
    }
  }

  /** Test hook: overwrites a stored tile (to simulate corruption). */
  corruptTile(level: number, index: number, data: Buffer, inner?: Buffer): void {
    this.#tiles.set(`${level}/${index}`, { data, inner });
  }

  close(): void {
    this.#closed = true;
  }

  /** Reopens a closed store (the data survives, as a file would). */
  reopen(): this {
    this.#closed = false;
    return this;
  }

  #open(): void {
    if (this.#closed) throw new LogError('STORE_FAILED', 'the memory store is closed');
  }
}
