import t from 'tap';
import { leafHash, LogError, ProofBuilder, verifyConsistency } from '../../src/index.js';
import { hex, refConsistency, refNodeSource } from '../helpers/reference.js';

const N = 200;
const leaves = Array.from({ length: N }, (_, i) => leafHash(Buffer.from(`c${i}`)));
const builder = new ProofBuilder(refNodeSource(leaves));
const roots = Array.from({ length: N + 1 }, (_, n) => builder.rootAt(n));

function rejects(f: () => void): boolean {
  try {
    f();
    return false;
  } catch (e) {
    return e instanceof LogError && e.code === 'INVALID_PROOF';
  }
}

t.test('every pair m ≤ n ≤ 200 verifies and equals RFC 6962 PROOF(m, D[n])', async (t) => {
  let pairs = 0;
  let bad = 0;
  for (let n = 0; n <= N; n++) {
    for (let m = 0; m <= n; m++) {
      const proof = builder.consistency(m, n);
      try {
        verifyConsistency(m, n, proof, roots[m]!, roots[n]!);
      } catch (e) {
        bad++;
        if (bad < 5) t.fail(`${m} → ${n}: ${(e as Error).message}`);
      }
      if (m > 0 && hex(proof).join() !== hex(refConsistency(m, leaves, n)).join()) {
        bad++;
        if (bad < 5) t.fail(`${m} → ${n} differs from the reference`);
      }
      pairs++;
    }
  }
  t.equal(bad, 0, `${pairs} pairs`);
});

t.test('changing any proof element, either root, or the shape fails', async (t) => {
  let total = 0;
  let rejected = 0;
  const expect = (f: () => void) => {
    total++;
    if (rejects(f)) rejected++;
  };
  for (let n = 2; n <= N; n++) {
    for (let m = 1; m < n; m++) {
      const proof = builder.consistency(m, n);
      // Every element gets one flipped byte; the offset and bit vary over the run so
      // that all 32 offsets and 8 bits are exercised, at 1/32 of the cost of all bytes.
      for (let k = 0; k < proof.length; k++) {
        const bad = proof.slice();
        bad[k] = Buffer.from(proof[k]!);
        bad[k]![(m * 31 + n + k) % 32]! ^= 1 << ((m + k) % 8);
        expect(() => verifyConsistency(m, n, bad, roots[m]!, roots[n]!));
      }
      const r1 = Buffer.from(roots[m]!);
      r1[(m + n) % 32]! ^= 1;
      const r2 = Buffer.from(roots[n]!);
      r2[(m * n) % 32]! ^= 2;
      expect(() => verifyConsistency(m, n, proof, r1, roots[n]!));
      expect(() => verifyConsistency(m, n, proof, roots[m]!, r2));
      expect(() => verifyConsistency(m, n, proof.slice(0, -1), roots[m]!, roots[n]!));
      expect(() => verifyConsistency(m, n, [...proof, roots[0]!], roots[m]!, roots[n]!));
      if (m + 1 < n) expect(() => verifyConsistency(m + 1, n, proof, roots[m + 1]!, roots[n]!));
    }
  }
  t.equal(rejected, total, `${total} tampered proofs rejected`);
});

t.test('edge cases follow RFC 9162 / transparency-dev', async (t) => {
  t.doesNotThrow(() => verifyConsistency(0, 5, [], roots[0]!, roots[5]!), 'from the empty tree');
  t.ok(rejects(() => verifyConsistency(0, 5, [roots[1]!], roots[0]!, roots[5]!)), 'non-empty proof from 0');
  t.doesNotThrow(() => verifyConsistency(5, 5, [], roots[5]!, roots[5]!), 'equal sizes');
  t.ok(rejects(() => verifyConsistency(5, 5, [], roots[5]!, roots[4]!)), 'equal sizes, different roots');
  t.ok(rejects(() => verifyConsistency(5, 5, [roots[1]!], roots[5]!, roots[5]!)), 'equal sizes, non-empty proof');
  t.ok(rejects(() => verifyConsistency(6, 5, [], roots[5]!, roots[5]!)), 'size1 > size2');
  t.ok(rejects(() => verifyConsistency(3, 5, [], roots[3]!, roots[5]!)), 'empty proof');
  t.ok(rejects(() => verifyConsistency(3, 5, [Buffer.alloc(31)], roots[3]!, roots[5]!)), 'short hash');
  t.same(builder.consistency(0, 7), []);
  t.same(builder.consistency(7, 7), []);
  t.throws(() => builder.consistency(8, 7), { code: 'INVALID_RANGE' });
});
