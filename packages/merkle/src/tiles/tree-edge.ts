import { bitLength, shl, shr, testBit } from '../bits.js';
import { LogError } from '../errors.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from '../hash.js';
import type { TileWrite } from '../store/store.js';
import { HashTile, TILE_HEIGHT, TILE_WIDTH } from './hash-tile.js';

export type { TileWrite };

/**
 * The right edge of the tree: for each tile level, the rightmost tile, which is
 * partial (possibly empty). Everything left of it is in full tiles, which never change.
 * This is all the tree state the sequencer holds in memory: at most
 * ⌈log₂₅₆ n⌉ + 1 tiles, whatever the size of the log.
 */
export class TreeEdge {
  #size: number;
  /** tiles[L] = rightmost tile of level L; tiles[0] always exists. */
  readonly tiles: HashTile[];
  /** Full tiles completed by appends since the last takeWrites(). */
  #completed: HashTile[] = [];
  #touched = new Set<number>();

  private constructor(size: number, tiles: HashTile[]) {
    this.#size = size;
    this.tiles = tiles;
  }

  static empty(): TreeEdge {
    return new TreeEdge(0, [HashTile.empty(0, 0)]);
  }

  /**
   * Rebuilds the edge of a tree of `size` leaves from stored tiles: at level L the
   * tree has ⌊size/256^L⌋ hashes, the last (count mod 256) of which are in the
   * partial tile ⌊count/256⌋.
   */
  static load(size: number, readTile: (level: number, index: number) => Uint8Array | undefined): TreeEdge {
    const tiles: HashTile[] = [];
    for (let level = 0; ; level++) {
      const count = shr(size, TILE_HEIGHT * level);
      if (level > 0 && count === 0) break;
      const index = Math.floor(count / TILE_WIDTH);
      const width = count % TILE_WIDTH;
      if (width === 0) {
        tiles.push(HashTile.empty(level, index));
        continue;
      }
      const data = readTile(level, index);
      if (!data || data.length < width * HASH_SIZE)
        throw new LogError('LOG_CORRUPT', `right-edge tile ${level}/${index} of size ${size} is missing or shorter than ${width} hashes`);
      tiles.push(HashTile.fromBytes(level, index, data.subarray(0, width * HASH_SIZE)));
    }
    return new TreeEdge(size, tiles);
  }

  get size(): number {
    return this.#size;
  }

  clone(): TreeEdge {
    return new TreeEdge(
      this.#size,
      this.tiles.map((t) => t.clone()),
    );
  }

  /**
   * The root of the tree of `size` leaves. Every perfect subtree of the size's
   * decomposition lies in the edge tile of its level (bit h of size set ⇒ bit h mod 8
   * of that level's hash count is set), so this never reads the store.
   */
  root(): Buffer {
    const size = this.#size;
    if (size === 0) return EMPTY_ROOT;
    let acc: Buffer | undefined;
    const top = bitLength(size);
    for (let b = 0; b < top; b++) {
      if (!testBit(size, b)) continue;
      const n = this.#edgeNode(b, shr(size, b) - 1);
      acc = acc ? nodeHash(n, acc) : Buffer.from(n);
    }
    return acc!;
  }

  #edgeNode(level: number, index: number): Buffer {
    const r = level % TILE_HEIGHT;
    const t = this.tiles[(level - r) / TILE_HEIGHT]!;
    const first = shl(index, r) - t.index * TILE_WIDTH;
    if (first < 0 || first + (1 << r) > t.width) throw new LogError('LOG_CORRUPT', `node ${level}/${index} is not in the right edge`);
    return t.node(r, first >> r);
  }

  /** Appends one leaf hash, carrying full tiles' roots up a level. */
  append(leafHash: Uint8Array): void {
    let hash: Uint8Array = leafHash;
    for (let level = 0; ; level++) {
      let t = this.tiles[level];
      if (t === undefined) {
        t = HashTile.empty(level, 0);
        this.tiles[level] = t;
      }
      t.append(hash);
      this.#touched.add(level);
      if (!t.full) break;
      this.#completed.push(t);
      this.tiles[level] = HashTile.empty(level, t.index + 1);
      hash = t.root();
    }
    this.#size++;
  }

  /**
   * The tiles changed since the last call: every tile completed, then the current
   * partial tile of each touched level. Also returns the completed tiles themselves,
   * so that they can enter the tile cache once the batch is durable.
   */
  takeWrites(): { writes: TileWrite[]; completed: HashTile[] } {
    const writes: TileWrite[] = this.#completed.map((t) => ({ level: t.level, index: t.index, data: t.bytes(), inner: t.inner() }));
    for (const level of this.#touched) {
      const t = this.tiles[level]!;
      if (t.width > 0) writes.push({ level, index: t.index, data: t.bytes() });
    }
    const completed = this.#completed;
    this.#completed = [];
    this.#touched = new Set();
    return { writes, completed };
  }
}
