import t from 'tap';
import { createHash } from 'node:crypto';
import { parseVerificationKey } from '@sigstack/core';
import { verifyEd25519ph } from '../../src/types/ed25519ph.js';
import { ed25519Seed, nobleEd25519ph, testKey } from './entry-fixtures.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keyOf = (raw: Buffer) => parseVerificationKey(Buffer.concat([ED25519_SPKI_PREFIX, raw]));
const sha512 = (m: Uint8Array | string) => createHash('sha512').update(m).digest();

t.test('RFC 8032 §7.3 test vector (Ed25519ph, message "abc")', async (t) => {
  const vk = keyOf(Buffer.from('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf', 'hex'));
  const sig = Buffer.from(
    '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
    'hex',
  );
  t.ok(verifyEd25519ph(vk, sha512('abc'), sig), 'verifies');
  t.notOk(verifyEd25519ph(vk, sha512('abd'), sig), 'other message');
  const flipped = Buffer.from(sig);
  flipped[0]! ^= 1;
  t.notOk(verifyEd25519ph(vk, sha512('abc'), flipped), 'other R');
});

t.test('signatures made by @noble/curves ed25519ph, and what Go refuses', async (t) => {
  const key = testKey('ed25519');
  const vk = parseVerificationKey(key.publicPem);
  const ph = nobleEd25519ph();
  for (let i = 0; i < 20; i++) {
    const msg = Buffer.from(`artifact ${i}`);
    const sig = Buffer.from(ph.sign(msg, ed25519Seed(key)));
    t.ok(verifyEd25519ph(vk, sha512(msg), sig), `signature ${i}`);
  }
  const msg = Buffer.from('artifact');
  const sig = Buffer.from(ph.sign(msg, ed25519Seed(key)));
  // S + L encodes the same scalar, but Go requires S < L.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
  const sPlusL = Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse()]);
  t.notOk(verifyEd25519ph(vk, sha512(msg), sPlusL), 'non-canonical S');
  t.notOk(verifyEd25519ph(vk, sha512(msg).subarray(0, 32), sig), 'digest of the wrong length');
  t.notOk(verifyEd25519ph(vk, sha512(msg), sig.subarray(0, 63)), 'short signature');
  t.notOk(verifyEd25519ph(parseVerificationKey(testKey('p256').publicPem), sha512(msg), sig), 'not an Ed25519 key');
  // A pure Ed25519 signature is not an Ed25519ph signature (dom2 prefix, prehash).
  const { sign } = await import('node:crypto');
  t.notOk(verifyEd25519ph(vk, sha512(msg), sign(null, msg, key.privateKey)), 'pure Ed25519');
  t.notOk(verifyEd25519ph(vk, sha512(msg), sign(null, sha512(msg), key.privateKey)), 'pure Ed25519 over the digest');
});
