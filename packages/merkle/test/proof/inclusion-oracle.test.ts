import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { MerkleTree } from 'merkletreejs';
import t from 'tap';
import { leafHash, ProofBuilder, rootFromInclusion, verifyInclusion, type Log } from '../../src/index.js';
import { createTestLog, testLeaf, appendRange } from '../helpers/test-log.js';
import { hex, refNodeSource, refPath, refRoot } from '../helpers/reference.js';

/**
 * merkletreejs as an RFC 6962 oracle. With pre-hashed leaves (0x00 prefix applied by
 * us), hashLeaves off, no sorting, no duplicateOdd/complete/bitcoin options, it builds
 * the tree level by level and *promotes* an odd last node unchanged to the next level.
 * Level-by-level pairing with promotion yields exactly RFC 6962's tree for every n
 * (the left subtree of every node is the largest power of two), so roots and audit
 * paths must match ours; its hash function receives left ‖ right and we prepend 0x01.
 */
function oracle(hashes: Buffer[]): MerkleTree {
  return new MerkleTree(hashes, (data: Buffer) => createHash('sha256').update(Buffer.from([1])).update(data).digest(), {
    hashLeaves: false,
    sortPairs: false,
    sortLeaves: false,
    duplicateOdd: false,
    complete: false,
  });
}

const MAX = 300;
let log: Log;
const hashes: Buffer[] = [];

t.before(async () => {
  ({ log } = await createTestLog({ maxBatchSize: 7 }));
  await appendRange(log, 0, MAX);
  for (let i = 0; i < MAX; i++) hashes.push(leafHash(testLeaf(i)));
});
t.teardown(() => log.close());

t.test('roots and every inclusion proof equal merkletreejs, sizes 1..300 (engine over tiles, historical sizes)', async (t) => {
  let checked = 0;
  let mismatches = 0;
  for (let n = 1; n <= MAX; n++) {
    const tree = oracle(hashes.slice(0, n));
    const root = log.rootAt(n);
    if (!root.equals(tree.getRoot())) {
      mismatches++;
      t.fail(`root of size ${n}`);
    }
    for (let i = 0; i < n; i++) {
      const ours = log.inclusionProof(i, n);
      const theirs = tree.getProof(hashes[i]!, i).map((p) => p.data as Buffer);
      if (ours.length !== theirs.length || ours.some((h, k) => !h.equals(theirs[k]!))) {
        mismatches++;
        if (mismatches < 5) t.fail(`proof of ${i} in ${n}`);
      }
      verifyInclusion(hashes[i]!, i, n, ours, root);
      checked++;
    }
  }
  t.equal(mismatches, 0, `${checked} proofs and ${MAX} roots match merkletreejs`);
});

t.test('and equal the recursive RFC 6962 reference (second oracle)', async (t) => {
  let bad = 0;
  for (let n = 1; n <= MAX; n += 1) {
    if (!log.rootAt(n).equals(refRoot(hashes.slice(0, n)))) bad++;
    for (const i of [0, n >> 1, n - 1]) if (hex(log.inclusionProof(i, n)).join() !== hex(refPath(i, hashes.slice(0, n))).join()) bad++;
  }
  t.equal(bad, 0);
});

t.test('a proof with any changed byte, or against another root, index or size, fails', async (t) => {
  let rejected = 0;
  let total = 0;
  for (let n = 1; n <= MAX; n += 7) {
    const root = log.rootAt(n);
    for (let i = 0; i < n; i += 3) {
      const proof = log.inclusionProof(i, n);
      for (let k = 0; k < proof.length; k++) {
        // One byte per element, position varying with (n, i, k): covers every offset across the run.
        const bad = proof.map((p) => Buffer.from(p));
        bad[k]![(n + i + k) % 32]! ^= 1 << ((n * 7 + i) % 8);
        total++;
        try {
          verifyInclusion(hashes[i]!, i, n, bad, root);
        } catch {
          rejected++;
        }
      }
      const tamperedRoot = Buffer.from(root);
      tamperedRoot[(i * 5) % 32]! ^= 0x80;
      total += 4;
      for (const f of [
        () => verifyInclusion(hashes[i]!, i, n, proof, tamperedRoot),
        () => verifyInclusion(leafHash(Buffer.from('other')), i, n, proof, root),
        // Same proof claimed for the next tree size, against that size's root.
        () => verifyInclusion(hashes[i]!, i, n + 1, proof, n < MAX ? log.rootAt(n + 1) : tamperedRoot),
        () => verifyInclusion(hashes[i]!, i, n, [...proof, root], root),
      ]) {
        try {
          f();
        } catch {
          rejected++;
        }
      }
    }
  }
  t.equal(rejected, total, `${total} tampered proofs rejected`);
});

t.test('proof builder property: random trees up to 5000 leaves match the reference', async (t) => {
  const leaves = Array.from({ length: 5000 }, (_, i) => leafHash(Buffer.from(`p${i}`)));
  const b = new ProofBuilder(refNodeSource(leaves));
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
      ([n, i]) => {
        const proof = b.inclusion(i, n);
        const root = rootFromInclusion(leaves[i]!, i, n, proof);
        return root.equals(b.rootAt(n)) && hex(proof).join() === hex(refPath(i, leaves, 0, n)).join();
      },
    ),
    { numRuns: 300 },
  );
  t.pass('300 random (index, size) pairs');
});
