import { join } from 'node:path';
import t from 'tap';
import { fsck, leafHash, SqliteStore, verifyConsistency, verifyInclusion } from '../src/index.js';
import { refRoot } from './helpers/reference.js';
import { appendRange, checkLog, createTestLog, testLeaf } from './helpers/test-log.js';
import { tempDir } from './helpers/tmp.js';

// 70,000 entries: level-0 tiles, level-1 tiles (256² = 65,536 leaves fill one) and a
// level-2 partial tile, so every proof path crosses three tile levels.
const N = 70_000;

t.test('a 70,000-entry SQLite log: three tile levels, proofs at many sizes, reopen', async (t) => {
  const path = join(tempDir(t), 'large.db');
  const tl = await createTestLog({ store: SqliteStore.open(path), maxBatchSize: 512, tileCacheSize: 64 });
  const start = performance.now();
  await appendRange(tl.log, 0, N);
  const ms = performance.now() - start;
  t.comment(`appended ${N} entries in ${ms.toFixed(0)} ms (${((N / ms) * 1000).toFixed(0)}/s, ${tl.log.stats().batches} batches)`);
  const cp = tl.log.checkpoint();
  t.equal(cp.size, N);
  t.ok(tl.log.readTile(2, 0, 1).length === 32, 'a level-2 tile exists');
  t.equal(tl.log.readTile(1, 0).length, 8192, 'level-1 tile 0 is full');

  const hashes = Array.from({ length: N }, (_, i) => leafHash(testLeaf(i)));
  for (const size of [1, 255, 256, 257, 65535, 65536, 65537, 66000, N]) t.ok(tl.log.rootAt(size).equals(refRoot(hashes, 0, size)), `root at ${size} equals the reference`);

  let proofs = 0;
  const sizes = [N, 65536, 65537, 69_999, 40_000, 300];
  for (const size of sizes) {
    const root = tl.log.rootAt(size);
    for (let k = 0; k < 200; k++) {
      const i = k < 4 ? [0, size - 1, Math.min(size - 1, 65535), size >> 1][k]! : Math.floor(Math.random() * size);
      verifyInclusion(hashes[i]!, i, size, tl.log.inclusionProof(i, size), root);
      proofs++;
    }
  }
  for (const [m, n] of [
    [1, N],
    [65535, 65536],
    [65536, 65537],
    [256, N],
    [12_345, 67_890],
    [69_999, N],
  ] as const)
    verifyConsistency(m, n, tl.log.consistencyProof(m, n), tl.log.rootAt(m), tl.log.rootAt(n));
  t.pass(`${proofs} inclusion proofs and 6 consistency proofs verify`);
  t.ok(tl.log.stats().tileCache.size <= 64, 'the tile cache stays bounded');
  checkLog(t, tl, 50);
  await tl.log.close();

  const again = await createTestLog({ store: SqliteStore.open(path), create: false });
  t.same(again.log.checkpoint(), cp, 'same checkpoint after reopen');
  for (let k = 0; k < 100; k++) {
    const i = Math.floor(Math.random() * N);
    verifyInclusion(hashes[i]!, i, N, again.log.inclusionProof(i, N), cp.rootHash);
  }
  t.same(fsck(again.store).problems, []);
  await again.log.close();
});
