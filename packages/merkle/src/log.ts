import { LogError } from './errors.js';
import type { LogReader } from './log-reader.js';
import type { AddCandidate, AddResult, Checkpoint, LogStats } from './log.types.js';
import type { ResolvedOptions } from './options.js';
import type { Sequencer } from './sequencer/sequencer.js';
import type { StoredEntry } from './store/store.js';

/**
 * An open append-only log: the sequencer (writes) and the reader (everything else)
 * over one store. Made by createLog/openLog. Reads are synchronous and see only
 * committed, published state.
 */
export class Log {
  readonly origin: string;
  readonly #opts: ResolvedOptions;
  readonly #reader: LogReader;
  readonly #sequencer: Sequencer;
  #closed: Promise<void> | undefined;

  /** @internal use createLog / openLog */
  constructor(opts: ResolvedOptions, reader: LogReader, sequencer: Sequencer) {
    this.origin = opts.origin;
    this.#opts = opts;
    this.#reader = reader;
    this.#sequencer = sequencer;
  }

  /**
   * Appends a candidate (or finds its duplicate). Resolves once the batch holding it
   * is durable and published, with a signed checkpoint that covers it. Rejects with
   * PUSHBACK, SHUTTING_DOWN, ENTRY_TOO_LARGE, INVALID_ENTRY, SIGNING_FAILED,
   * STORE_FAILED or CHECKPOINT_CONFLICT.
   */
  add(candidate: AddCandidate): Promise<AddResult> {
    return this.#sequencer.add(candidate);
  }

  /** The latest signed checkpoint. */
  checkpoint(): Checkpoint {
    return this.#reader.checkpoint();
  }

  /** The entry at `index`, or undefined if it is not (yet) in the log. */
  entry(index: number): StoredEntry | undefined {
    return this.#reader.entry(index);
  }

  /** The index of the entry added with this identity, if any. */
  indexOf(identity: Uint8Array): number | undefined {
    return this.#reader.indexOf(identity);
  }

  /** The inclusion proof of `index` in the tree of `size` (≤ current size), leaf to root. Throws INVALID_RANGE. */
  inclusionProof(index: number, size: number): Buffer[] {
    return this.#reader.inclusionProof(index, size);
  }

  /** The consistency proof from size1 to size2 (≤ current size). Throws INVALID_RANGE. */
  consistencyProof(size1: number, size2: number): Buffer[] {
    return this.#reader.consistencyProof(size1, size2);
  }

  /** The root of the tree of `size` leaves (≤ current size). Throws INVALID_RANGE. */
  rootAt(size: number): Buffer {
    return this.#reader.rootAt(size);
  }

  /** C2SP tile bytes (`tile/<level>/<index>[.p/<width>]`). Throws NOT_FOUND. */
  readTile(level: number, index: number, width?: number): Buffer {
    return this.#reader.readTile(level, index, width);
  }

  /** C2SP entry bundle bytes (`tile/entries/<index>[.p/<width>]`). Throws NOT_FOUND. */
  readEntryBundle(index: number, width?: number): Buffer {
    return this.#reader.readEntryBundle(index, width);
  }

  /**
   * Calls `observer` with the size of every batch committed from now on (one call per
   * batch, after it is durable; e.g. a batch-size histogram). Replaces any earlier one.
   */
  observeBatches(observer: (size: number) => void): void {
    this.#sequencer.batchObserver = observer;
  }

  stats(): LogStats {
    const c = this.#sequencer.counters;
    const cache = this.#reader.tileCache;
    return {
      size: this.#reader.checkpoint().size,
      pending: this.#sequencer.pending,
      batches: c.batches,
      appended: c.appended,
      duplicates: c.duplicates,
      lastBatchSize: c.lastBatchSize,
      tileCache: { size: cache.size, capacity: cache.capacity, hits: cache.hits, misses: cache.misses },
    };
  }

  /** Set when the sequencer stopped on a fatal error (the log must be reopened). */
  get fatalError(): LogError | undefined {
    return this.#sequencer.fatal;
  }

  /**
   * Stops accepting entries (SHUTTING_DOWN), commits and answers everything already
   * accepted, then closes the store. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await this.#sequencer.close();
      } finally {
        this.#opts.store.close();
      }
    })();
    return this.#closed;
  }
}
