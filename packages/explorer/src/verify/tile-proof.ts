import { ExplorerError } from '../bytes.js';
import { nodeHash } from './merkle.js';

/** C2SP tlog-tiles: a tile holds 2^8 hashes of one level, so tile level T holds tree level 8T. */
const TILE_HEIGHT = 8;
const TILE_WIDTH = 256;
const HASH = 32;

/** C2SP tlog-tiles index encoding: zero-padded groups of three digits, all but the last prefixed `x`. */
export function encodeTileIndex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new ExplorerError('BAD_PROOF', `tile index ${n} is not a non-negative integer`);
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** `tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` for level `'entries'`; W is given only for a partial tile. */
export function tilePath(level: number | 'entries', index: number, width?: number): string {
  return `tile/${level}/${encodeTileIndex(index)}${width !== undefined && width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

/** Width of tile `index` at tile level `level` (0 = not in the tree) in a tree of `size` leaves: 256 for a full tile. */
export function tileWidth(level: number, index: number, size: number): number {
  const nodes = Math.floor(size / TILE_WIDTH ** level);
  return Math.max(0, Math.min(TILE_WIDTH, nodes - index * TILE_WIDTH));
}

/** Reads the bytes at a tile path (relative to the log's prefix), e.g. through fetch. */
export type TileReader = (path: string) => Promise<Uint8Array>;

/** Where one entry lies in the entry bundles of a tree of `size`: the bundle path and the entry's place in it. */
export function entryBundleOf(index: number, size: number): { path: string; offset: number } {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new ExplorerError('BAD_PROOF', `index ${index} is not inside a tree of size ${size}`);
  const n = Math.floor(index / TILE_WIDTH);
  return { path: tilePath('entries', n, tileWidth(0, n, size)), offset: index % TILE_WIDTH };
}

/** The entries of a C2SP entry bundle: each a big-endian uint16 length, then the bytes. */
export function decodeEntryBundle(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    if (off + 2 > data.length) throw new ExplorerError('BAD_ENTRY', 'the entry bundle is truncated (length)');
    const n = (data[off]! << 8) | data[off + 1]!;
    if (off + 2 + n > data.length) throw new ExplorerError('BAD_ENTRY', 'the entry bundle is truncated (entry)');
    out.push(data.subarray(off + 2, off + 2 + n));
    off += 2 + n;
  }
  return out;
}

/**
 * RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `size`, built from
 * the log's hash tiles the way a tile client does: PATH(m, D[n]) is a list of subtree
 * hashes; a complete subtree is read from the tile that holds its level (or hashed up
 * from the tile below, at most 7 levels), the right edge's incomplete subtrees are
 * hashed from their complete parts. Nothing read is trusted: the caller checks that
 * the proof leads to a signed root (a wrong tile gives a wrong root). Each tile is
 * read once per call; a tile of the wrong length is BAD_PROOF.
 */
export async function inclusionProofFromTiles(index: number, size: number, read: TileReader): Promise<Uint8Array[]> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new ExplorerError('BAD_PROOF', `index ${index} is not inside a tree of size ${size}`);
  const tiles = new Map<string, Promise<Uint8Array>>();
  const tile = (level: number, n: number): Promise<Uint8Array> => {
    const w = tileWidth(level, n, size);
    const path = tilePath(level, n, w);
    let p = tiles.get(path);
    if (!p) {
      p = read(path).then((b) => {
        if (b.length !== w * HASH) throw new ExplorerError('BAD_PROOF', `${path}: ${b.length} bytes, a tile of width ${w} has ${w * HASH}`);
        return b;
      });
      tiles.set(path, p);
    }
    return p;
  };
  /** The hash of the complete subtree of height `h` at position `k` (leaves k·2^h … (k+1)·2^h − 1). */
  const complete = async (h: number, k: number): Promise<Uint8Array> => {
    const t = Math.floor(h / TILE_HEIGHT);
    const below = h - t * TILE_HEIGHT;
    const first = k * 2 ** below; // index of the first level-8t node under it
    const bytes = await tile(t, Math.floor(first / TILE_WIDTH));
    let level: Uint8Array[] = [];
    for (let i = 0; i < 2 ** below; i++) {
      const at = ((first % TILE_WIDTH) + i) * HASH;
      level.push(bytes.subarray(at, at + HASH));
    }
    while (level.length > 1) {
      const up: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2) up.push(await nodeHash(level[i]!, level[i + 1]!));
      level = up;
    }
    return level[0]!;
  };
  /** MTH(D[lo:hi]) for a range that starts on a boundary of its largest power of two. */
  const rangeHash = async (lo: number, hi: number): Promise<Uint8Array> => {
    const n = hi - lo;
    if ((n & (n - 1)) === 0 && n <= 2 ** 30) return complete(Math.log2(n), lo / n);
    const k = largestPowerBelow(n);
    return nodeHash(await rangeHash(lo, lo + k), await rangeHash(lo + k, hi));
  };
  const proof: Uint8Array[] = [];
  // PATH(m, D[lo:hi]), iteratively from the top; hashes are appended bottom-up at the end.
  const top: Promise<Uint8Array>[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerBelow(hi - lo);
    if (index < lo + k) {
      top.push(rangeHash(lo + k, hi));
      hi = lo + k;
    } else {
      top.push(rangeHash(lo, lo + k));
      lo = lo + k;
    }
  }
  for (const h of (await Promise.all(top)).reverse()) proof.push(h);
  return proof;
}

/** The largest power of two smaller than n (n ≥ 2). */
function largestPowerBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
