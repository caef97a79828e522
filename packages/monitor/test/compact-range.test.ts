import t from 'tap';
import fc from 'fast-check';
import { leafHash, nodeHash, ProofBuilder, verifyConsistency, type NodeSource } from '@sigstack/merkle';
import { CompactRange } from '../src/log/compact-range.js';

function tree(n: number): { src: NodeSource; leaves: Buffer[] } {
  const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const memo = new Map<string, Buffer>();
  const node = (level: number, index: number): Buffer => {
    if (level === 0) return leaves[index]!;
    const k = `${level}/${index}`;
    let h = memo.get(k);
    if (!h) memo.set(k, (h = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1))));
    return h;
  };
  return { src: { node }, leaves };
}

t.test('the edge read off a verified consistency proof, plus the new leaves, gives the new root (every size pair up to 70)', async (t) => {
  const { src, leaves } = tree(70);
  const b = new ProofBuilder(src);
  let checked = 0;
  for (let size2 = 1; size2 <= 70; size2++) {
    for (let size1 = 0; size1 < size2; size1++) {
      const proof = b.consistency(size1, size2);
      if (size1 > 0) verifyConsistency(size1, size2, proof, b.rootAt(size1), b.rootAt(size2));
      const range = CompactRange.fromConsistencyProof(size1, size2, proof, b.rootAt(size1));
      for (let i = size1; i < size2; i++) range.append(leaves[i]!);
      if (!range.root().equals(b.rootAt(size2))) t.fail(`${size1} → ${size2}`);
      checked++;
    }
  }
  t.equal(checked, (70 * 71) / 2);
});

t.test('large sizes (property): no false alarm', async (t) => {
  const { src, leaves } = tree(3000);
  const b = new ProofBuilder(src);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2999 }), fc.integer({ min: 1, max: 300 }), (size1, extra) => {
      const size2 = Math.min(3000, size1 + extra);
      const range = CompactRange.fromConsistencyProof(size1, size2, b.consistency(size1, size2), b.rootAt(size1));
      for (let i = size1; i < size2; i++) range.append(leaves[i]!);
      return range.root().equals(b.rootAt(size2));
    }),
    { numRuns: 300 },
  );
  t.pass();
});

t.test('a leaf other than the tree\'s changes the root; a proof that is not the edge is refused as FORK', async (t) => {
  const { src, leaves } = tree(40);
  const b = new ProofBuilder(src);
  const range = CompactRange.fromConsistencyProof(13, 40, b.consistency(13, 40), b.rootAt(13));
  for (let i = 13; i < 40; i++) range.append(i === 20 ? leafHash(Buffer.from('other')) : leaves[i]!);
  t.not(range.root().toString('hex'), b.rootAt(40).toString('hex'));
  const bad = b.consistency(13, 40).map((h, i) => (i === 0 ? leafHash(Buffer.from('x')) : h));
  t.throws(() => CompactRange.fromConsistencyProof(13, 40, bad, b.rootAt(13)), { code: 'FORK' });
});
