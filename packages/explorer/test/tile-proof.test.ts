// The page's tile-proof builder against @sigstack/merkle as the oracle: a real log
// (the engine the stack serves tiles from), its tiles read at past sizes (partial tiles
// included), and the proofs the engine itself builds.
import t from 'tap';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createEd25519NoteSigner, createLog, leafHash as engineLeafHash, MemoryStore, parseTilePath, type Log } from '@sigstack/merkle';
import { ExplorerError, toHex } from '../src/bytes.js';
import { leafHash, rootFromInclusionProof } from '../src/verify/merkle.js';
import { decodeEntryBundle, encodeTileIndex, entryBundleOf, inclusionProofFromTiles, tilePath, tileWidth, type TileReader } from '../src/verify/tile-proof.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const signer = {
  algorithm: 'ed25519' as const,
  publicKey,
  publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }),
  sign: async (data: Uint8Array) => sign(null, data, privateKey),
};

/** A log of `n` leaves `leaf <i>`, and its root hash at every size asked for. */
async function grownLog(n: number): Promise<Log> {
  const log = await createLog({ store: new MemoryStore(), origin: 'tiles.example/test', noteSigner: createEd25519NoteSigner('tiles.example/test', signer as never), maxBatchWaitMs: 0 });
  for (let i = 0; i < n; i += 4096)
    await Promise.all(
      Array.from({ length: Math.min(4096, n - i) }, (_, j) => {
        const leaf = Buffer.from(`leaf ${i + j}`);
        return log.add({ identity: engineLeafHash(leaf), leaf });
      }),
    );
  return log;
}

/** Serves the engine's tiles by path, as the stack's tile routes do, counting reads. */
function reader(log: Log, reads: string[] = []): TileReader {
  return async (path) => {
    reads.push(path);
    const c = parseTilePath(path);
    if (c.kind !== 'hash') throw new Error('not a hash tile');
    return new Uint8Array(log.readTile(c.level, c.index, c.width));
  };
}

t.test('tile paths and widths follow C2SP tlog-tiles (the engine parses them back)', async (t) => {
  t.equal(encodeTileIndex(0), '000');
  t.equal(encodeTileIndex(1234067), 'x001/x234/067');
  t.equal(tilePath(0, 5), 'tile/0/005');
  t.equal(tilePath(1, 1000, 17), 'tile/1/x001/000.p/17');
  t.equal(tilePath('entries', 2, 256), 'tile/entries/002', 'a full width names no .p/');
  t.same(parseTilePath(tilePath(2, 1234067, 3)), { kind: 'hash', level: 2, index: 1234067, width: 3 });
  t.equal(tileWidth(0, 0, 300), 256);
  t.equal(tileWidth(0, 1, 300), 44);
  t.equal(tileWidth(1, 0, 300), 1);
  t.equal(tileWidth(1, 0, 255), 0);
  t.same(entryBundleOf(257, 300), { path: 'tile/entries/001.p/44', offset: 1 });
  t.throws(() => entryBundleOf(300, 300), ExplorerError);
  t.same(decodeEntryBundle(new Uint8Array([0, 1, 7, 0, 0, 0, 2, 8, 9])), [new Uint8Array([7]), new Uint8Array([]), new Uint8Array([8, 9])]);
  t.throws(() => decodeEntryBundle(new Uint8Array([0, 3, 1])), { code: 'BAD_ENTRY' });
});

t.test('proofs from tiles equal the engine’s for many sizes, partial tiles included, and lead to its root', async (t) => {
  const N = 66_000; // past 256^2: level-2 tiles (partial) are read too
  const log = await grownLog(N);
  const sizes = [1, 2, 3, 7, 8, 255, 256, 257, 300, 511, 512, 513, 4097, 65535, 65536, 65537, N];
  for (const size of sizes) {
    const root = log.rootAt(size);
    const picks = [...new Set([0, 1, size >> 1, size - 2, size - 1, Math.min(size - 1, 256), Math.min(size - 1, 65535)].filter((i) => i >= 0 && i < size))];
    for (const index of picks) {
      const want = log.inclusionProof(index, size).map((b) => toHex(b));
      const got = (await inclusionProofFromTiles(index, size, reader(log))).map(toHex);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        t.fail(`size ${size} index ${index}: ${got.length} vs ${want.length} hashes`);
        continue;
      }
      if (root) {
        const lh = await leafHash(new TextEncoder().encode(`leaf ${index}`));
        const r = await rootFromInclusionProof(index, size, lh, got.map((h) => Buffer.from(h, 'hex')));
        t.equal(toHex(r), root.toString('hex'), `size ${size} index ${index} reaches the root`);
      }
    }
  }
  t.equal(toHex((await rootFromInclusionProof(N - 1, N, await leafHash(new TextEncoder().encode(`leaf ${N - 1}`)), await inclusionProofFromTiles(N - 1, N, reader(log))))), log.checkpoint().rootHash.toString('hex'), 'the last leaf reaches the checkpoint root');
  await log.close();
});

t.test('each tile is read once; a tile of the wrong length or a changed tile is caught', async (t) => {
  const log = await grownLog(700);
  const reads: string[] = [];
  await inclusionProofFromTiles(3, 700, reader(log, reads));
  t.equal(new Set(reads).size, reads.length, 'no tile read twice');
  t.same(reads.sort(), ['tile/0/000', 'tile/0/002.p/188', 'tile/1/000.p/2'].sort());
  const short: TileReader = async (p) => (await reader(log)(p)).subarray(1);
  await t.rejects(inclusionProofFromTiles(3, 700, short), { code: 'BAD_PROOF' });
  const flipped: TileReader = async (p) => {
    const b = await reader(log)(p);
    if (p === 'tile/0/000') b[0]! ^= 1;
    return b;
  };
  const lh = await leafHash(new TextEncoder().encode('leaf 3'));
  const bad = await rootFromInclusionProof(3, 700, lh, await inclusionProofFromTiles(3, 700, flipped));
  t.not(toHex(bad), log.checkpoint().rootHash.toString('hex'), 'a flipped tile byte leads elsewhere');
  await t.rejects(inclusionProofFromTiles(700, 700, reader(log)), { code: 'BAD_PROOF' });
  await log.close();
});
