import type { HashTile } from './hash-tile.js';

/** Full tiles the cache holds by default: ~16 KiB each expanded, so ~64 MiB. */
export const DEFAULT_TILE_CACHE_SIZE = 4096;

/** The cache never holds fewer tiles than this: two per tile level of a 2^53-leaf tree, and then some. */
export const MIN_TILE_CACHE_SIZE = 16;

const LEVEL_STRIDE = 2 ** 46;

/**
 * A bounded LRU of expanded *full* tiles. Full tiles never change, so the cache
 * needs no invalidation; partial tiles are never put here (the right edge lives in
 * TreeEdge). This is what keeps proofs off the store: a proof in a log of n entries
 * touches ⌈log₂₅₆ n⌉ tiles, and the upper ones are shared by every proof.
 */
export class TileCache {
  readonly capacity: number;
  readonly #map = new Map<number, HashTile>();
  hits = 0;
  misses = 0;

  /** At least MIN_TILE_CACHE_SIZE tiles are kept, so that one proof never reads a tile twice. */
  constructor(capacity: number = DEFAULT_TILE_CACHE_SIZE) {
    this.capacity = Math.max(MIN_TILE_CACHE_SIZE, Math.floor(capacity));
  }

  get(level: number, index: number): HashTile | undefined {
    const key = level * LEVEL_STRIDE + index;
    const t = this.#map.get(key);
    if (t === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.#map.delete(key);
    this.#map.set(key, t);
    return t;
  }

  set(tile: HashTile): void {
    const key = tile.level * LEVEL_STRIDE + tile.index;
    this.#map.delete(key);
    this.#map.set(key, tile);
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
  }

  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}
