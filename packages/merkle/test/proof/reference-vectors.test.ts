import t from 'tap';
import { leafHash, ProofBuilder, verifyConsistency, verifyInclusion } from '../../src/index.js';
import { hex, refNodeHash, refNodeSource } from '../helpers/reference.js';
import { CT_LEAVES, CT_ROOTS } from '../helpers/vectors.js';

// Audit paths of the 8-leaf CT reference tree (RFC 6962 test data: PATH(0, D[8]) and PATH(5, D[8])).
const PATH_0_8 = [
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
  '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
];
const PATH_5_8 = [
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
];

const hashes = CT_LEAVES.map((l) => leafHash(l));
const builder = new ProofBuilder(refNodeSource(hashes));

t.test('roots of the reference tree', async (t) => {
  for (let n = 1; n <= 8; n++) t.equal(builder.rootAt(n).toString('hex'), CT_ROOTS[n - 1], `size ${n}`);
});

t.test('audit paths of the reference tree', async (t) => {
  t.same(hex(builder.inclusion(0, 8)), PATH_0_8);
  t.same(hex(builder.inclusion(5, 8)), PATH_5_8);
  t.same(builder.inclusion(0, 1), []);
  verifyInclusion(hashes[5]!, 5, 8, builder.inclusion(5, 8), Buffer.from(CT_ROOTS[7]!, 'hex'));
});

t.test('RFC 6962 §2.1.3 examples (7-leaf tree)', async (t) => {
  // Leaves d0..d6 hash to a, b, c, d, e, f, j; g = H(a,b), h = H(c,d), i = H(e,f),
  // k = H(g,h), l = H(i,j), as in the RFC's figure.
  const [a, b, c, d, e, f, j] = hashes as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  const g = refNodeHash(a, b);
  const h = refNodeHash(c, d);
  const i = refNodeHash(e, f);
  const k = refNodeHash(g, h);
  const l = refNodeHash(i, j);
  const b7 = new ProofBuilder(refNodeSource(hashes.slice(0, 7)));
  t.same(hex(b7.inclusion(0, 7)), hex([b, h, l]), 'PATH(0) = [b, h, l]');
  t.same(hex(b7.inclusion(3, 7)), hex([c, g, l]), 'PATH(3) = [c, g, l]');
  t.same(hex(b7.inclusion(4, 7)), hex([f, j, k]), 'PATH(4) = [f, j, k]');
  t.same(hex(b7.inclusion(6, 7)), hex([i, k]), 'PATH(6) = [i, k]');
  t.same(hex(b7.consistency(3, 7)), hex([c, d, g, l]), 'PROOF(3) = [c, d, g, l]');
  t.same(hex(b7.consistency(4, 7)), hex([l]), 'PROOF(4) = [l]');
  t.same(hex(b7.consistency(6, 7)), hex([i, j, k]), 'PROOF(6) = [i, j, k]');
  for (const m of [3, 4, 6]) verifyConsistency(m, 7, b7.consistency(m, 7), b7.rootAt(m), b7.rootAt(7));
});
