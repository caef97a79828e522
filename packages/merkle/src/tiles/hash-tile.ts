import { LogError } from '../errors.js';
import { HASH_SIZE, nodeHash } from '../hash.js';

/** C2SP tlog-tiles tile height: each tile covers 8 tree levels. */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile (2^TILE_HEIGHT). */
export const TILE_WIDTH = 256;
/** Bytes of a full tile as stored and served. */
export const FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE;
/** Nodes in an expanded tile: the 256 stored hashes plus the 255 nodes above them. */
const EXPANDED_NODES = 2 * TILE_WIDTH - 1;
/** Bytes of the inner nodes of a full tile (within-tile levels 1..8). */
export const INNER_NODES_BYTES = (TILE_WIDTH - 1) * HASH_SIZE;

/** Offset (in nodes) of within-tile level r in the expanded layout: 256 + 128 + … */
const LEVEL_OFFSET: readonly number[] = Array.from({ length: TILE_HEIGHT + 1 }, (_, r) => 2 * TILE_WIDTH - (2 * TILE_WIDTH >> r));

/**
 * One tile of the tree (C2SP tlog-tiles): the hashes at tree level 8·`level`, indices
 * [256·`index`, 256·`index` + width). Level 0 tiles hold leaf hashes; a level L tile
 * holds the roots of 256^L-leaf subtrees.
 *
 * In memory a tile is kept *expanded*: every complete node of the 8 levels inside it
 * is materialised (511 hashes for a full tile), so a proof reads any node in O(1).
 * Only the first `width` hashes (level r = 0) are ever stored or served.
 */
export class HashTile {
  readonly level: number;
  readonly index: number;
  #width: number;
  readonly #nodes: Buffer;

  private constructor(level: number, index: number, width: number, nodes: Buffer) {
    this.level = level;
    this.index = index;
    this.#width = width;
    this.#nodes = nodes;
  }

  /** An empty tile, ready for appends. */
  static empty(level: number, index: number): HashTile {
    return new HashTile(level, index, 0, Buffer.alloc(EXPANDED_NODES * HASH_SIZE));
  }

  /** Expands stored tile bytes (1..256 hashes) into a tile: 255 node hashes for a full tile. */
  static fromBytes(level: number, index: number, data: Uint8Array): HashTile {
    if (data.length === 0 || data.length % HASH_SIZE !== 0 || data.length > FULL_TILE_BYTES)
      throw new LogError('LOG_CORRUPT', `tile ${level}/${index} has ${data.length} bytes, not 1..256 hashes`);
    const width = data.length / HASH_SIZE;
    const nodes = Buffer.alloc(EXPANDED_NODES * HASH_SIZE);
    nodes.set(data, 0);
    const t = new HashTile(level, index, width, nodes);
    for (let r = 1; r <= TILE_HEIGHT; r++) {
      const count = width >> r;
      for (let k = 0; k < count; k++) t.#setNode(r, k, nodeHash(t.node(r - 1, 2 * k), t.node(r - 1, 2 * k + 1)));
    }
    return t;
  }

  /**
   * A full tile from its stored hashes and inner nodes (TileWrite.inner): no hashing.
   * Falls back to fromBytes when `inner` is absent.
   */
  static fromStored(level: number, index: number, data: Uint8Array, inner?: Uint8Array | null): HashTile {
    if (inner === undefined || inner === null) return HashTile.fromBytes(level, index, data);
    if (data.length !== FULL_TILE_BYTES || inner.length !== INNER_NODES_BYTES)
      throw new LogError('LOG_CORRUPT', `tile ${level}/${index} has ${data.length} + ${inner.length} bytes, not a full tile with inner nodes`);
    const nodes = Buffer.allocUnsafe(EXPANDED_NODES * HASH_SIZE);
    nodes.set(data, 0);
    nodes.set(inner, FULL_TILE_BYTES);
    return new HashTile(level, index, TILE_WIDTH, nodes);
  }

  get width(): number {
    return this.#width;
  }

  get full(): boolean {
    return this.#width === TILE_WIDTH;
  }

  /**
   * Node k of within-tile level r (0 ≤ r ≤ 8), a view into the tile: the root of the
   * 2^r stored hashes starting at k·2^r. Only complete nodes are meaningful.
   */
  node(r: number, k: number): Buffer {
    const off = (LEVEL_OFFSET[r]! + k) * HASH_SIZE;
    return this.#nodes.subarray(off, off + HASH_SIZE);
  }

  /** The root of a full tile: the hash one tile level up. */
  root(): Buffer {
    if (!this.full) throw new LogError('LOG_CORRUPT', `tile ${this.level}/${this.index} is not full`);
    return this.node(TILE_HEIGHT, 0);
  }

  /** Appends one hash and completes the nodes it closes (amortised one hash per append). */
  append(hash: Uint8Array): void {
    const p = this.#width;
    if (p >= TILE_WIDTH) throw new LogError('LOG_CORRUPT', `tile ${this.level}/${this.index} is already full`);
    this.#setNode(0, p, hash);
    this.#width = p + 1;
    for (let r = 0, k = p; k & 1; r++, k >>= 1) this.#setNode(r + 1, k >> 1, nodeHash(this.node(r, k - 1), this.node(r, k)));
  }

  /** A copy of the first `width` stored hashes (what is persisted and served). */
  bytes(width: number = this.#width): Buffer {
    if (width < 1 || width > this.#width) throw new LogError('NOT_FOUND', `tile ${this.level}/${this.index} has no width ${width}`);
    return Buffer.from(this.#nodes.subarray(0, width * HASH_SIZE));
  }

  /** A copy of the inner nodes of a full tile (what TileWrite.inner stores). */
  inner(): Buffer {
    if (!this.full) throw new LogError('LOG_CORRUPT', `tile ${this.level}/${this.index} is not full`);
    return Buffer.from(this.#nodes.subarray(FULL_TILE_BYTES));
  }

  /** An independent copy (the sequencer integrates into copies, so a failed batch leaves nothing behind). */
  clone(): HashTile {
    return new HashTile(this.level, this.index, this.#width, Buffer.from(this.#nodes));
  }

  #setNode(r: number, k: number, hash: Uint8Array): void {
    this.#nodes.set(hash, (LEVEL_OFFSET[r]! + k) * HASH_SIZE);
  }
}
