import {
  decodeEntryBundle,
  entriesPath,
  HASH_SIZE,
  HashTile,
  leafHash,
  ProofBuilder,
  tilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
  type NodeSource,
} from '@sigstack/merkle';
import { MonitorError } from '../errors.js';
import { httpGet, httpGetOrNotFound } from './http-get.js';
import { checkedConsistency, HttpLogSource } from './http-log-source.js';
import type { LeafEntry, VerifiedHead } from './log-source.js';
import { verifyNoteHead } from './verify-note-head.js';

/** Largest checkpoint note read (C2SP notes are a few hundred bytes; cosignatures add lines). */
const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** Tiles kept between polls (an expanded tile is 16 KiB: at most 16 MiB). */
const MAX_CACHED_TILES = 1024;
/** Tile fetch rounds allowed for one proof (each round fetches every tile the proof still lacks). */
const MAX_PROOF_ROUNDS = 16;

/** Thrown inside a NodeSource to say which tile is missing (never escapes this module). */
class MissingTile {
  constructor(readonly level: number, readonly index: number, readonly width: number) {}
}

/**
 * Any C2SP tlog-tiles log (Rekor v2, and the stack's read-only tile views of its Rekor
 * v1 and CT logs): `<url>/checkpoint`, `<url>/tile/<L>/<N>[.p/<W>]`,
 * `<url>/tile/entries/<N>[.p/<W>]`. Consistency proofs are built here from the hash
 * tiles (merkle's ProofBuilder) and verified against both signed roots, so a log that
 * serves tiles of another tree fails the proof. Entries are checked against the level-0
 * tile of the same tree (their leaf hashes).
 */
export class TilesSource extends HttpLogSource {
  readonly kind = 'tiles' as const;
  /** Tiles by `level/index/width` (a partial tile of one size is not the tile of another). */
  readonly #tiles = new Map<string, HashTile>();

  async head(): Promise<VerifiedHead> {
    const where = this.urlOf('checkpoint');
    const note = (await httpGet(where, { ...this.http, maxBytes: MAX_CHECKPOINT_BYTES })).toString('utf8');
    return verifyNoteHead(note, this.keys, where);
  }

  async proveConsistency(from: VerifiedHead, to: VerifiedHead): Promise<Buffer[]> {
    if (from.size === 0) return [];
    const proof = await this.#withTiles(to.size, (b) => b.consistency(from.size, to.size));
    return checkedConsistency(from, to, proof);
  }

  async *entries(start: number, end: number, head: VerifiedHead): AsyncIterable<LeafEntry> {
    for (let n = Math.floor(start / TILE_WIDTH); n * TILE_WIDTH < end; n++) {
      const width = widthAt(0, n, head.size);
      let bundle: Buffer[];
      try {
        bundle = decodeEntryBundle(await this.#partialOrFull(entriesPath(n, width < TILE_WIDTH ? width : undefined), entriesPath(n), width));
      } catch (e) {
        if (e instanceof MonitorError) throw e;
        throw new MonitorError('BAD_RESPONSE', `entry bundle ${n}: ${(e as Error).message}`, { cause: e });
      }
      // A full bundle fetched in place of a deleted partial one: its first `width` entries.
      if (bundle.length > width && width < TILE_WIDTH) bundle = bundle.slice(0, width);
      if (bundle.length !== width) throw new MonitorError('BAD_RESPONSE', `entry bundle ${n} has ${bundle.length} entries, not ${width}`);
      const hashes = await this.#tile(0, n, width);
      for (let k = Math.max(0, start - n * TILE_WIDTH); k < width && n * TILE_WIDTH + k < end; k++) {
        if (!leafHash(bundle[k]!).equals(hashes.node(0, k)))
          throw new MonitorError('FORK', `entry ${n * TILE_WIDTH + k} does not hash to the leaf of the tree's tile`);
        yield { index: n * TILE_WIDTH + k, leaf: bundle[k]! };
      }
    }
  }

  /**
   * Runs a synchronous ProofBuilder computation over tiles fetched on demand: each run
   * that hits a tile not yet fetched stops, the tile is fetched, and the run restarts
   * (a proof needs O(log n) tiles, so a few rounds).
   */
  async #withTiles<T>(size: number, fn: (b: ProofBuilder) => T): Promise<T> {
    const source: NodeSource = {
      node: (level, index) => {
        const tileLevel = Math.floor(level / TILE_HEIGHT);
        const r = level % TILE_HEIGHT;
        const first = index * 2 ** r;
        const n = Math.floor(first / TILE_WIDTH);
        const width = widthAt(tileLevel, n, size);
        const t = this.#tiles.get(`${tileLevel}/${n}/${width}`);
        if (!t) throw new MissingTile(tileLevel, n, width);
        return t.node(r, (first % TILE_WIDTH) / 2 ** r);
      },
    };
    for (let round = 0; round < MAX_PROOF_ROUNDS; round++) {
      try {
        return fn(new ProofBuilder(source));
      } catch (e) {
        if (!(e instanceof MissingTile)) throw new MonitorError('BAD_RESPONSE', `tiles of tree ${size}: ${(e as Error).message}`, { cause: e });
        await this.#tile(e.level, e.index, e.width);
      }
    }
    throw new MonitorError('BAD_RESPONSE', `tiles of tree ${size}: a proof needed more than ${MAX_PROOF_ROUNDS} fetch rounds`);
  }

  /**
   * A partial tile (or bundle), or, when the log has deleted it because the full one now
   * exists (C2SP tlog-tiles allows that), the full one: the caller keeps the prefix.
   */
  async #partialOrFull(partial: string, full: string, width: number): Promise<Buffer> {
    if (width === TILE_WIDTH) return httpGet(this.urlOf(full), this.http);
    return (await httpGetOrNotFound(this.urlOf(partial), this.http)) ?? httpGet(this.urlOf(full), this.http);
  }

  async #tile(level: number, index: number, width: number): Promise<HashTile> {
    const key = `${level}/${index}/${width}`;
    let t = this.#tiles.get(key);
    if (t) return t;
    let data = await this.#partialOrFull(tilePath(level, index, width < TILE_WIDTH ? width : undefined), tilePath(level, index), width);
    if (width < TILE_WIDTH && data.length === TILE_WIDTH * HASH_SIZE) data = data.subarray(0, width * HASH_SIZE);
    if (data.length !== width * HASH_SIZE) throw new MonitorError('BAD_RESPONSE', `tile ${key} has ${data.length} bytes, not ${width * HASH_SIZE}`);
    t = HashTile.fromBytes(level, index, data);
    // Partial tiles are keyed by width, so a grown tree fetches its new right edge; the
    // cache is dropped whole past MAX_CACHED_TILES so memory stays flat on a long follow.
    if (this.#tiles.size >= MAX_CACHED_TILES) this.#tiles.clear();
    this.#tiles.set(key, t);
    return t;
  }
}

/** Width of tile `n` at tile level `level` in a tree of `size` leaves (C2SP tlog-tiles). */
function widthAt(level: number, n: number, size: number): number {
  const nodes = Math.floor(size / TILE_WIDTH ** level);
  return Math.min(TILE_WIDTH, nodes - n * TILE_WIDTH);
}
