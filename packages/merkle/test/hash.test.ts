import t from 'tap';
import { EMPTY_ROOT, leafHash, nodeHash } from '../src/index.js';
import { refLeafHash, refNodeHash } from './helpers/reference.js';
import { CT_LEAVES, CT_ROOTS } from './helpers/vectors.js';

t.test('empty root is SHA-256 of nothing', async (t) => {
  t.equal(EMPTY_ROOT.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

t.test('leaf and node hashes use the RFC 6962 prefixes', async (t) => {
  t.equal(leafHash(Buffer.alloc(0)).toString('hex'), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  t.equal(leafHash(Buffer.from([0])).toString('hex'), '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
  for (const size of [0, 1, 31, 32, 33, 4095, 4096, 4097, 100_000]) {
    const b = Buffer.alloc(size, size & 0xff);
    t.ok(leafHash(b).equals(refLeafHash(b)), `leaf of ${size} bytes`);
  }
  const a = leafHash(Buffer.from('a'));
  const b = leafHash(Buffer.from('b'));
  t.ok(nodeHash(a, b).equals(refNodeHash(a, b)));
  t.notOk(nodeHash(a, b).equals(nodeHash(b, a)), 'order matters');
  // Results must not alias the internal scratch buffer.
  const x = nodeHash(a, b);
  nodeHash(b, a);
  t.ok(x.equals(refNodeHash(a, b)), 'results are independent buffers');
  const y = leafHash(Buffer.from('y'));
  leafHash(Buffer.from('z'));
  t.ok(y.equals(refLeafHash(Buffer.from('y'))));
});

t.test('reference leaves hash to the published roots (via the reference MTH)', async (t) => {
  const { refRoot } = await import('./helpers/reference.js');
  const hs = CT_LEAVES.map((l) => leafHash(l));
  for (let n = 1; n <= 8; n++) t.equal(refRoot(hs.slice(0, n)).toString('hex'), CT_ROOTS[n - 1], `size ${n}`);
});
