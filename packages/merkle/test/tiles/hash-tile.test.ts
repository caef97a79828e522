import t from 'tap';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  HashTile,
  leafHash,
  ProofBuilder,
  TILE_WIDTH,
} from '../../src/index.js';
import { TreeEdge, type TileWrite } from '../../src/tiles/tree-edge.js';
import { TileCache } from '../../src/tiles/tile-cache.js';
import { TileReader } from '../../src/tiles/tile-reader.js';
import { refNodeSource, refRoot } from '../helpers/reference.js';

const hashes = Array.from({ length: 256 * 256 + 300 }, (_, i) => leafHash(Buffer.from(`t${i}`)));

t.test('an expanded tile has every complete node of its 8 levels', async (t) => {
  const ref = refNodeSource(hashes);
  for (const width of [1, 2, 3, 7, 8, 100, 255, 256]) {
    const appended = HashTile.empty(0, 0);
    for (let i = 0; i < width; i++) appended.append(hashes[i]!);
    const loaded = HashTile.fromBytes(0, 0, Buffer.concat(hashes.slice(0, width)));
    for (let r = 0; r <= 8; r++)
      for (let k = 0; k < width >> r; k++) {
        const want = ref.node(r, k);
        if (!appended.node(r, k).equals(want) || !loaded.node(r, k).equals(want)) t.fail(`width ${width} node ${r}/${k}`);
      }
    t.equal(appended.bytes().length, width * 32);
    t.ok(appended.bytes().equals(loaded.bytes()));
  }
  const full = HashTile.fromBytes(0, 0, Buffer.concat(hashes.slice(0, 256)));
  t.ok(full.full);
  t.ok(full.root().equals(refRoot(hashes, 0, 256)), 'a full tile root is the 256-leaf subtree root');
  t.throws(() => full.append(hashes[0]!), { code: 'LOG_CORRUPT' });
  t.throws(() => HashTile.fromBytes(0, 0, Buffer.alloc(33)), { code: 'LOG_CORRUPT' });
  t.throws(() => HashTile.fromBytes(0, 0, Buffer.alloc(0)), { code: 'LOG_CORRUPT' });
  t.throws(() => HashTile.fromBytes(0, 0, Buffer.alloc(257 * 32)), { code: 'LOG_CORRUPT' });
  const c = full.clone();
  t.ok(c.bytes().equals(full.bytes()));
});

t.test('the right edge integrates leaves, emits tiles, and reloads from them', async (t) => {
  const edge = TreeEdge.empty();
  const stored = new Map<string, TileWrite>();
  const save = (ws: TileWrite[]) => ws.forEach((w) => stored.set(`${w.level}/${w.index}`, w));
  const checkpoints = [1, 255, 256, 257, 511, 512, 65535, 65536, 65537, hashes.length];
  let n = 0;
  for (const target of checkpoints) {
    while (n < target) edge.append(hashes[n++]!);
    save(edge.takeWrites().writes);
    t.ok(edge.root().equals(refRoot(hashes, 0, n)), `root at ${n}`);
    const reloaded = TreeEdge.load(n, (l, i) => stored.get(`${l}/${i}`)?.data);
    t.ok(reloaded.root().equals(edge.root()), `reload at ${n}`);
    t.same(
      reloaded.tiles.map((x) => [x.level, x.index, x.width]),
      edge.tiles.map((x) => [x.level, x.index, x.width]),
      `same edge shape at ${n}`,
    );
  }
  t.equal(stored.get('0/0')!.data.length, TILE_WIDTH * 32, 'full level-0 tile');
  t.equal(stored.get('0/0')!.inner!.length, 255 * 32, 'with its inner nodes');
  t.equal(stored.get('1/0')!.data.length, TILE_WIDTH * 32, 'full level-1 tile');
  t.equal(stored.get('2/0')!.data.length, 32, 'partial level-2 tile of width 1');
  t.equal(stored.get('2/0')!.inner, undefined, 'partial tiles store no inner nodes');
  t.equal(stored.get('0/257')!.data.length, 44 * 32, 'partial level-0 tile: 65836 = 257·256 + 44');
  const w = stored.get('0/5')!;
  const a = HashTile.fromStored(0, 5, w.data, w.inner);
  const b = HashTile.fromBytes(0, 5, w.data);
  for (let r = 0; r <= 8; r++) for (let k = 0; k < 256 >> r; k++) if (!a.node(r, k).equals(b.node(r, k))) t.fail(`node ${r}/${k}`);
  t.throws(() => HashTile.fromStored(0, 5, w.data, w.inner!.subarray(1)), { code: 'LOG_CORRUPT' });
  t.throws(() => HashTile.fromStored(0, 5, w.data.subarray(32), w.inner), { code: 'LOG_CORRUPT' });

  // Proofs through tiles (cache + "store" + edge) equal proofs from the reference.
  const cache = new TileCache(2); // raised to the minimum of 16
  const reader = new TileReader((l, i) => stored.get(`${l}/${i}`), cache, () => edge);
  const viaTiles = new ProofBuilder(reader);
  const viaRef = new ProofBuilder(refNodeSource(hashes));
  for (const [i, size] of [
    [0, hashes.length],
    [65535, hashes.length],
    [65536, hashes.length],
    [hashes.length - 1, hashes.length],
    [300, 65800],
    [12345, 65536],
  ] as const) {
    t.same(
      viaTiles.inclusion(i, size).map((h) => h.toString('hex')),
      viaRef.inclusion(i, size).map((h) => h.toString('hex')),
      `inclusion ${i} in ${size}`,
    );
  }
  t.same(viaTiles.consistency(1000, hashes.length), viaRef.consistency(1000, hashes.length));
  t.ok(cache.size <= 16, 'the cache is bounded');
  t.ok(cache.misses > 0);
});

t.test('entry bundles', async (t) => {
  const entries = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(65535, 7)];
  const b = encodeEntryBundle(entries);
  t.equal(b.length, 2 + 2 + 1 + 2 + 65535);
  t.same(decodeEntryBundle(b).map((x) => x.toString('hex')), entries.map((x) => x.toString('hex')));
  t.throws(() => encodeEntryBundle([Buffer.alloc(65536)]), { code: 'ENTRY_TOO_LARGE' });
  t.throws(() => decodeEntryBundle(b.subarray(0, b.length - 1)), { code: 'INVALID_ENTRY' });
  t.throws(() => decodeEntryBundle(Buffer.from([0])), { code: 'INVALID_ENTRY' });
});
