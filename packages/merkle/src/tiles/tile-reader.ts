import { shl } from '../bits.js';
import { LogError } from '../errors.js';
import type { NodeSource } from '../proof/proof-builder.js';
import type { StoredTile } from '../store/store.js';
import { FULL_TILE_BYTES, HashTile, TILE_HEIGHT, TILE_WIDTH } from './hash-tile.js';
import type { TileCache } from './tile-cache.js';
import type { TreeEdge } from './tree-edge.js';

/**
 * Answers node hashes from tiles: the in-memory right edge for partial tiles, the LRU
 * for recently used full tiles, and the store for the rest (one read, expanded once,
 * then cached). Node (h, k) lives in tile level ⌊h/8⌋, at within-tile level h mod 8.
 */
export class TileReader implements NodeSource {
  readonly #readTile: (level: number, index: number) => StoredTile | undefined;
  readonly #cache: TileCache;
  readonly #edge: () => TreeEdge;

  constructor(readTile: (level: number, index: number) => StoredTile | undefined, cache: TileCache, edge: () => TreeEdge) {
    this.#readTile = readTile;
    this.#cache = cache;
    this.#edge = edge;
  }

  node(level: number, index: number): Buffer {
    const tileLevel = level >> 3;
    const r = level & (TILE_HEIGHT - 1);
    const first = shl(index, r);
    const offset = first % TILE_WIDTH;
    return this.tile(tileLevel, (first - offset) / TILE_WIDTH).node(r, offset >> r);
  }

  /** The expanded tile (level, index): the edge's if it is the partial one, else a full tile. */
  tile(level: number, index: number): HashTile {
    const edge = this.#edge().tiles[level];
    if (edge === undefined || index > edge.index)
      throw new LogError('INVALID_RANGE', `tile ${level}/${index} is beyond the tree`);
    if (index === edge.index) return edge;
    let t = this.#cache.get(level, index);
    if (t) return t;
    const stored = this.#readTile(level, index);
    if (!stored || stored.data.length !== FULL_TILE_BYTES)
      throw new LogError('LOG_CORRUPT', `full tile ${level}/${index} is missing or has ${stored?.data.length ?? 0} bytes`);
    t = HashTile.fromStored(level, index, stored.data, stored.inner);
    this.#cache.set(t);
    return t;
  }
}
