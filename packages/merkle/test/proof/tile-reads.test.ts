import t from 'tap';
import { leafHash, MemoryStore, verifyInclusion } from '../../src/index.js';
import { appendRange, createTestLog, testLeaf } from '../helpers/test-log.js';

// A proof reads at most one tile per tile level for its path, plus (for an older
// tree size) one per level for that size's right edge: O(log₂₅₆ n) reads. Cached full
// tiles are not read again.
t.test('proofs read O(log n) tiles and reuse cached ones', async (t) => {
  const store = new MemoryStore();
  const tl = await createTestLog({ store, tileCacheSize: 6, maxBatchSize: 1024 });
  await appendRange(tl.log, 0, 70_000);
  let reads = 0;
  store.onRead = (what) => {
    if (what === 'tile') reads++;
  };
  const size = tl.log.checkpoint().size;
  const worst = [0, 0];
  for (let k = 0; k < 400; k++) {
    const latest = k % 2 === 1;
    const i = Math.floor(Math.random() * size);
    const n = latest ? size : i + 1 + Math.floor(Math.random() * (size - i));
    reads = 0;
    const proof = tl.log.inclusionProof(i, n);
    worst[latest ? 0 : 1] = Math.max(worst[latest ? 0 : 1]!, reads);
    reads = 0;
    verifyInclusion(leafHash(testLeaf(i)), i, n, proof, tl.log.rootAt(n));
  }
  t.ok(worst[0]! <= 3, `latest size: at most ${worst[0]} tile reads per proof (3 tile levels)`);
  t.ok(worst[1]! <= 6, `older sizes: at most ${worst[1]} tile reads per proof (path + right edge)`);
  await tl.log.close();

  const cached = await createTestLog({ store: store.reopen(), create: false, tileCacheSize: 16 });
  cached.log.inclusionProof(1234, size);
  reads = 0;
  for (let k = 0; k < 100; k++) cached.log.inclusionProof(1234 + (k % 20), size);
  t.equal(reads, 0, 'proofs in cached tiles read nothing');
  await cached.log.close();
});
