import { sha256 } from '@sigstack/core';
import { isSize, shr } from './bits.js';
import { LogError, toLogError } from './errors.js';
import type { Checkpoint } from './log.types.js';
import { ProofBuilder } from './proof/proof-builder.js';
import type { LogStore, StoredEntry } from './store/store.js';
import { encodeEntryBundle } from './tiles/entry-bundle.js';
import { FULL_TILE_BYTES, TILE_HEIGHT, TILE_WIDTH, type HashTile } from './tiles/hash-tile.js';
import { TileCache } from './tiles/tile-cache.js';
import { TileReader } from './tiles/tile-reader.js';
import type { TreeEdge } from './tiles/tree-edge.js';

/** The committed state readers see: replaced as a whole after each durable commit. */
export interface PublishedState {
  edge: TreeEdge;
  checkpoint: Checkpoint;
}

/**
 * Every read of the log: checkpoint, entries, identities, proofs, tiles. Reads see
 * only committed state: the sequencer integrates each batch into a copy of the right
 * edge and publishes it (one synchronous assignment) after the store commit returned.
 */
export class LogReader {
  readonly #store: LogStore;
  readonly #cache: TileCache;
  readonly #tiles: TileReader;
  readonly #proofs: ProofBuilder;
  #state: PublishedState;

  constructor(store: LogStore, state: PublishedState, tileCacheSize: number) {
    this.#store = store;
    this.#state = state;
    this.#cache = new TileCache(tileCacheSize);
    this.#tiles = new TileReader(
      (level, index) => {
        try {
          return store.readTileNodes(level, index);
        } catch (cause) {
          throw toLogError('STORE_FAILED', `cannot read tile ${level}/${index}`, cause);
        }
      },
      this.#cache,
      () => this.#state.edge,
    );
    this.#proofs = new ProofBuilder(this.#tiles);
  }

  get state(): PublishedState {
    return this.#state;
  }

  get tileCache(): TileCache {
    return this.#cache;
  }

  /**
   * Makes a committed batch visible. Called only after the store commit returned.
   * The tiles the batch completed enter the cache: they are immutable from now on.
   */
  publish(state: PublishedState, completed: readonly HashTile[]): void {
    this.#state = state;
    for (const t of completed) this.#cache.set(t);
  }

  /** Replaces the state after recovery (the tree may have moved under us). */
  reset(state: PublishedState): void {
    this.#state = state;
    this.#proofs.clear();
  }

  checkpoint(): Checkpoint {
    return this.#state.checkpoint;
  }

  entry(index: number): StoredEntry | undefined {
    if (!isSize(index) || index >= this.#state.checkpoint.size) return undefined;
    try {
      return this.#store.readEntry(index);
    } catch (cause) {
      throw toLogError('STORE_FAILED', `cannot read entry ${index}`, cause);
    }
  }

  indexOf(identity: Uint8Array): number | undefined {
    if (!(identity instanceof Uint8Array) || identity.length === 0) return undefined;
    let i: number | undefined;
    try {
      i = this.#store.lookupIdentity(sha256(identity));
    } catch (cause) {
      throw toLogError('STORE_FAILED', 'cannot look up identity', cause);
    }
    return i !== undefined && i < this.#state.checkpoint.size ? i : undefined;
  }

  inclusionProof(index: number, size: number): Buffer[] {
    this.#checkSize(size);
    return this.#proofs.inclusion(index, size);
  }

  consistencyProof(size1: number, size2: number): Buffer[] {
    this.#checkSize(size2);
    return this.#proofs.consistency(size1, size2);
  }

  rootAt(size: number): Buffer {
    this.#checkSize(size);
    return this.#proofs.rootAt(size);
  }

  /**
   * A C2SP hash tile of the current tree: full (no width) or partial (width 1..255).
   * A partial tile of an older tree size is the prefix of the current tile, so any
   * width the tree has reached is served. Throws NOT_FOUND.
   */
  readTile(level: number, index: number, width?: number): Buffer {
    if (!Number.isInteger(level) || level < 0 || level > 63 || !isSize(index))
      throw new LogError('NOT_FOUND', `no tile ${level}/${index}`);
    const count = shr(this.#state.checkpoint.size, TILE_HEIGHT * level);
    const want = width ?? TILE_WIDTH;
    if (!Number.isInteger(want) || want < 1 || want > TILE_WIDTH || index * TILE_WIDTH + want > count)
      throw new LogError('NOT_FOUND', `tile ${level}/${index}${width ? `.p/${width}` : ''} is not in the tree`);
    const tile = this.#tiles.tile(level, index);
    const bytes = tile.bytes(want);
    if (width === undefined && bytes.length !== FULL_TILE_BYTES) throw new LogError('LOG_CORRUPT', `tile ${level}/${index} is short`);
    return bytes;
  }

  /** A C2SP entry bundle: entries [256·index, 256·index + width), each uint16-length-prefixed. Throws NOT_FOUND. */
  readEntryBundle(index: number, width?: number): Buffer {
    const want = width ?? TILE_WIDTH;
    const start = index * TILE_WIDTH;
    if (!isSize(index) || !Number.isInteger(want) || want < 1 || want > TILE_WIDTH || start + want > this.#state.checkpoint.size)
      throw new LogError('NOT_FOUND', `entry bundle ${index}${width ? `.p/${width}` : ''} is not in the log`);
    const leaves: Buffer[] = [];
    try {
      for (const e of this.#store.iterateEntries(start, start + want)) leaves.push(e.leaf);
    } catch (cause) {
      throw toLogError('STORE_FAILED', `cannot read entry bundle ${index}`, cause);
    }
    if (leaves.length !== want) throw new LogError('LOG_CORRUPT', `entry bundle ${index} is missing entries`);
    return encodeEntryBundle(leaves);
  }

  #checkSize(size: number): void {
    if (!isSize(size) || size > this.#state.checkpoint.size)
      throw new LogError('INVALID_RANGE', `tree size ${size} is beyond the current size ${this.#state.checkpoint.size}`);
  }
}
