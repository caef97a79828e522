// An independent C2SP tlog-tiles reader, written from the specs (c2sp.org/tlog-tiles,
// tlog-checkpoint, signed-note; RFC 6962 §2.1 and RFC 9162 §2.1.4) and node:crypto
// alone. It must not import @sigstack/merkle: it is the oracle the engine's tiles are
// checked against, so it shares no hashing, path encoding or note code with it.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

const TILE_HEIGHT = 8;
const TILE_WIDTH = 256;
const HASH_SIZE = 32;

// ---- RFC 6962 §2.1 hashing ----

export function leafHash(entry: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(0)).update(entry).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** The largest power of two strictly below n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[0:n]) over leaf hashes, straight from the RFC's recursive definition. */
export function merkleTreeHash(leafHashes: readonly Buffer[], lo = 0, hi = leafHashes.length): Buffer {
  if (hi - lo === 0) return createHash('sha256').digest();
  if (hi - lo === 1) return leafHashes[lo]!;
  const k = splitPoint(hi - lo);
  return nodeHash(merkleTreeHash(leafHashes, lo, lo + k), merkleTreeHash(leafHashes, lo + k, hi));
}

// ---- tlog-tiles paths ----

/** `<N>` as zero-padded 3-digit elements, all but the last prefixed with `x` (1234067 → x001/x234/067). */
export function encodeIndex(n: number): string {
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

export function hashTilePath(level: number, index: number, width = TILE_WIDTH): string {
  return `tile/${level}/${encodeIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

export function entryBundlePath(index: number, width = TILE_WIDTH): string {
  return `tile/entries/${encodeIndex(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
}

/** Entries of an entry bundle: big-endian uint16 length ‖ bytes, repeated. */
export function parseEntryBundle(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < data.length) {
    if (off + 2 > data.length) throw new Error('entry bundle: truncated length');
    const n = data.readUInt16BE(off);
    if (off + 2 + n > data.length) throw new Error('entry bundle: truncated entry');
    out.push(data.subarray(off + 2, off + 2 + n));
    off += 2 + n;
  }
  return out;
}

// ---- signed notes and checkpoints ----

/** A note verifier key: the signature name and the public key (key ID rules per type). */
export interface NoteKey {
  name: string;
  type: 'ecdsa' | 'ed25519';
  key: KeyObject;
}

/** From a C2SP vkey `<name>+<hex key hash>+<base64(0x01 ‖ Ed25519 key)>`. */
export function noteKeyFromVkey(vkey: string): NoteKey {
  const [name, , b64] = vkey.split('+');
  const raw = Buffer.from(b64 ?? '', 'base64');
  if (!name || raw[0] !== 0x01 || raw.length !== 33) throw new Error(`not an Ed25519 vkey: ${vkey}`);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw.subarray(1)]);
  return { name, type: 'ed25519', key: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
}

/**
 * The 4-byte key hint of a signature line. Ed25519 (signed-note): SHA-256(name ‖ 0x0A ‖
 * 0x01 ‖ key)[:4]. ECDSA (Sigstore's, as Rekor v1 signs): SHA-256(DER SPKI)[:4].
 */
export function keyHint(k: NoteKey): Buffer {
  if (k.type === 'ecdsa') return createHash('sha256').update(k.key.export({ type: 'spki', format: 'der' })).digest().subarray(0, 4);
  const raw = k.key.export({ type: 'spki', format: 'der' }).subarray(-32);
  return createHash('sha256').update(`${k.name}\n`).update(Buffer.of(0x01)).update(raw).digest().subarray(0, 4);
}

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** The whole note as served. */
  note: string;
}

/**
 * Parses a checkpoint note and verifies it with `key`: the signed text is everything up
 * to and including the newline before the blank line; a signature line is
 * `— <name> <base64(hint ‖ sig)>`. Lines by other keys are ignored (cosignatures);
 * one by this key must be present and every one of them must verify.
 */
export function verifyCheckpointNote(note: string, key: NoteKey, expectOrigin?: string): Checkpoint {
  if (!note.endsWith('\n')) throw new Error('note does not end with a newline');
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine] = lines;
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(sizeLine ?? '') || !rootLine) throw new Error(`malformed checkpoint body:\n${text}`);
  const rootHash = Buffer.from(rootLine, 'base64');
  if (rootHash.length !== HASH_SIZE || rootHash.toString('base64') !== rootLine) throw new Error(`bad root hash line ${rootLine}`);
  if (expectOrigin !== undefined && origin !== expectOrigin) throw new Error(`checkpoint origin ${origin}, expected ${expectOrigin}`);
  const hint = keyHint(key);
  let verified = 0;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw new Error(`malformed signature line ${JSON.stringify(line)}`);
    const blob = Buffer.from(m[2]!, 'base64');
    if (m[1] !== key.name || blob.length < 5 || !blob.subarray(0, 4).equals(hint)) continue;
    const sig = blob.subarray(4);
    const ok = key.type === 'ecdsa' ? verify('sha256', Buffer.from(text), key.key, sig) : verify(null, Buffer.from(text), key.key, sig);
    if (!ok) throw new Error(`signature by ${key.name} does not verify`);
    verified++;
  }
  if (verified === 0) throw new Error(`no signature by ${key.name} (hint ${hint.toString('hex')})`);
  return { origin, size: Number(sizeLine), rootHash, note };
}

// ---- RFC 9162 §2.1.4.2 consistency verification ----

export function verifyConsistency(m: number, n: number, proof: readonly Buffer[], root1: Buffer, root2: Buffer): void {
  if (m > n) throw new Error(`consistency: ${m} > ${n}`);
  if (m === n) {
    if (proof.length !== 0 || !root1.equals(root2)) throw new Error('consistency: equal sizes need an empty proof and equal roots');
    return;
  }
  if (m === 0) {
    if (proof.length !== 0) throw new Error('consistency from the empty tree takes an empty proof');
    return;
  }
  const path = [...proof];
  if ((m & (m - 1)) === 0) path.unshift(root1); // m a power of two: prepend first_hash
  let fn = m - 1;
  let sn = n - 1;
  while (fn & 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  if (!fr || !sr) throw new Error('consistency: empty proof');
  for (const c of path.slice(1)) {
    if (sn === 0) throw new Error('consistency: proof too long');
    if (fn & 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error('consistency: proof too short');
  if (!fr.equals(root1)) throw new Error('consistency: old root does not match');
  if (!sr.equals(root2)) throw new Error('consistency: new root does not match');
}

// ---- the reader ----

export interface TreeCheck {
  checkpoint: Checkpoint;
  /** Every entry of the tree, from the entry bundles. */
  entries: Buffer[];
  /** Hash tiles and entry bundles fetched. */
  fetched: number;
}

/**
 * Reads one log through its tlog-tiles URL prefix (e.g. `http://host/api/v1/log/tiles`).
 * Tiles are fetched for the size of a verified checkpoint only (C2SP: no arbitrary
 * partial tiles), full ones are kept (immutable), and a partial tile of an older
 * checkpoint falls back to the prefix of the full tile when the log no longer has it.
 */
export class TlogTilesReader {
  readonly #prefix: string;
  readonly #key: NoteKey;
  readonly #origin: string | undefined;
  readonly #full = new Map<string, Buffer>();
  fetched = 0;

  constructor(prefixUrl: string, key: NoteKey, opts: { origin?: string } = {}) {
    this.#prefix = prefixUrl.replace(/\/+$/, '');
    this.#key = key;
    this.#origin = opts.origin;
  }

  async checkpoint(): Promise<Checkpoint> {
    const r = await fetch(`${this.#prefix}/checkpoint`);
    if (r.status !== 200) throw new Error(`GET checkpoint: ${r.status}`);
    return verifyCheckpointNote(await r.text(), this.#key, this.#origin);
  }

  async #get(path: string): Promise<Buffer | undefined> {
    const r = await fetch(`${this.#prefix}/${path}`);
    this.fetched++;
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
    return Buffer.from(await r.arrayBuffer());
  }

  /** A resource of `width` items (hashes of `itemSize` bytes, or bundle entries when itemSize is 0). */
  async #resource(fullPath: string, partialPath: string, width: number, itemSize: number): Promise<Buffer> {
    const prefixOf = (b: Buffer): Buffer => (width === TILE_WIDTH ? b : itemSize ? b.subarray(0, width * itemSize) : bundlePrefix(b, width));
    const cached = this.#full.get(fullPath);
    if (cached) return prefixOf(cached);
    if (width < TILE_WIDTH) {
      const partial = await this.#get(partialPath);
      if (partial) return partial;
      // Completed since the checkpoint was made: its full tile starts with the same bytes.
    }
    const full = await this.#get(fullPath);
    if (!full) throw new Error(`${width < TILE_WIDTH ? partialPath : fullPath}: 404`);
    this.#full.set(fullPath, full);
    return prefixOf(full);
  }

  /** The level-`level` hashes [256·index, 256·index + width) of the tree, as served. */
  async hashTile(level: number, index: number, width: number): Promise<Buffer[]> {
    const b = await this.#resource(hashTilePath(level, index), hashTilePath(level, index, width), width, HASH_SIZE);
    if (b.length !== width * HASH_SIZE) throw new Error(`${hashTilePath(level, index, width)}: ${b.length} bytes, expected ${width * HASH_SIZE}`);
    return Array.from({ length: width }, (_, i) => b.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  }

  async entryBundle(index: number, width: number): Promise<Buffer[]> {
    const b = await this.#resource(entryBundlePath(index), entryBundlePath(index, width), width, 0);
    const entries = parseEntryBundle(b);
    if (entries.length !== width) throw new Error(`${entryBundlePath(index, width)}: ${entries.length} entries, expected ${width}`);
    return entries;
  }

  /** Number of hashes at tile level `level` in a tree of `size` leaves: ⌊size / 256^level⌋. */
  static count(size: number, level: number): number {
    return Math.floor(size / TILE_WIDTH ** level);
  }

  /**
   * The hash of the complete subtree of height `h` and index `k` (leaves [k·2^h,
   * (k+1)·2^h)), read from the tiles of a tree of `treeSize`: the 2^(h mod 8) hashes it
   * spans at tile level ⌊h/8⌋, hashed up inside their tile.
   */
  async subtree(h: number, k: number, treeSize: number): Promise<Buffer> {
    const level = Math.floor(h / TILE_HEIGHT);
    const r = h % TILE_HEIGHT;
    const first = k * 2 ** r; // index among level-`level` hashes
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, TlogTilesReader.count(treeSize, level) - tileIndex * TILE_WIDTH);
    if (width < (first % TILE_WIDTH) + 2 ** r) throw new Error(`subtree ${h}/${k} is not complete in a tree of ${treeSize}`);
    const hashes = await this.hashTile(level, tileIndex, width);
    return merkleTreeHash(hashes, first % TILE_WIDTH, (first % TILE_WIDTH) + 2 ** r);
  }

  /** MTH(D[a:b]) from tiles: complete aligned ranges are tile nodes, others split as RFC 6962 does. */
  async rangeHash(a: number, b: number, treeSize: number): Promise<Buffer> {
    const n = b - a;
    if (n <= 0) throw new Error(`empty range ${a}..${b}`);
    if ((n & (n - 1)) === 0 && a % n === 0) return this.subtree(Math.log2(n), a / n, treeSize);
    const k = splitPoint(n);
    return nodeHash(await this.rangeHash(a, a + k, treeSize), await this.rangeHash(a + k, b, treeSize));
  }

  /** The root of the tree of size `size`, from the tiles of a tree of `treeSize` ≥ size. */
  async rootAt(size: number, treeSize = size): Promise<Buffer> {
    return size === 0 ? createHash('sha256').digest() : this.rangeHash(0, size, treeSize);
  }

  /** RFC 9162 §2.1.4.1 SUBPROOF(m, D[0:n], true), every node read from the tiles of tree n. */
  async consistencyProof(m: number, n: number): Promise<Buffer[]> {
    if (m === 0 || m === n) return [];
    const sub = async (m: number, a: number, b: number, start: boolean): Promise<Buffer[]> => {
      if (m === b - a) return start ? [] : [await this.rangeHash(a, b, n)];
      const k = splitPoint(b - a);
      if (m <= k) return [...(await sub(m, a, a + k, start)), await this.rangeHash(a + k, b, n)];
      return [...(await sub(m - k, a + k, b, false)), await this.rangeHash(a, a + k, n)];
    };
    return sub(m, 0, n, true);
  }

  /**
   * Checks a whole tree against its checkpoint: every entry bundle, each entry hashed
   * into the level-0 tile it belongs to, every full tile hashed into the tile above,
   * and the root recomputed both from the entries (MTH) and from the tiles.
   */
  async verifyTree(cp: Checkpoint): Promise<TreeCheck> {
    const start = this.fetched;
    const entries: Buffer[] = [];
    for (let i = 0; i * TILE_WIDTH < cp.size; i++) {
      const width = Math.min(TILE_WIDTH, cp.size - i * TILE_WIDTH);
      const bundle = await this.entryBundle(i, width);
      const tile = await this.hashTile(0, i, width);
      bundle.forEach((e, j) => {
        if (!leafHash(e).equals(tile[j]!)) throw new Error(`entry ${i * TILE_WIDTH + j} does not hash to its level-0 tile hash`);
      });
      entries.push(...bundle);
    }
    for (let level = 0; TlogTilesReader.count(cp.size, level + 1) > 0; level++) {
      const above = TlogTilesReader.count(cp.size, level + 1);
      for (let i = 0; i < above; i++) {
        const tile = await this.hashTile(level, i, TILE_WIDTH);
        const up = await this.hashTile(level + 1, Math.floor(i / TILE_WIDTH), Math.min(TILE_WIDTH, above - Math.floor(i / TILE_WIDTH) * TILE_WIDTH));
        if (!merkleTreeHash(tile).equals(up[i % TILE_WIDTH]!)) throw new Error(`tile ${level}/${i} does not hash to its entry in level ${level + 1}`);
      }
    }
    const fromEntries = merkleTreeHash(entries.map(leafHash));
    if (!fromEntries.equals(cp.rootHash)) throw new Error(`root of the ${cp.size} entries is ${fromEntries.toString('base64')}, checkpoint says ${cp.rootHash.toString('base64')}`);
    const fromTiles = await this.rootAt(cp.size);
    if (!fromTiles.equals(cp.rootHash)) throw new Error(`root from the tiles is ${fromTiles.toString('base64')}, checkpoint says ${cp.rootHash.toString('base64')}`);
    return { checkpoint: cp, entries, fetched: this.fetched - start };
  }

  /**
   * Consistency of two verified checkpoints from tiles alone (no entries, no proof
   * API): the proof is built from the tiles of the newer tree and verified with the
   * RFC 9162 algorithm against both roots.
   */
  async verifyConsistency(older: Checkpoint, newer: Checkpoint): Promise<Buffer[]> {
    const proof = await this.consistencyProof(older.size, newer.size);
    verifyConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash);
    return proof;
  }
}

/** The first `width` entries of a bundle, re-encoded as the partial bundle of that width. */
function bundlePrefix(b: Buffer, width: number): Buffer {
  let off = 0;
  for (let i = 0; i < width; i++) off += 2 + b.readUInt16BE(off);
  return b.subarray(0, off);
}
