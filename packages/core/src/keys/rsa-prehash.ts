import { constants, createPublicKey, publicDecrypt, KeyObject } from 'node:crypto';
import { HASH_LENGTH, isHashAlgorithm, type HashAlgorithm } from '../hash.js';

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<HashAlgorithm, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/**
 * RSASSA-PKCS1-v1_5 verification of a precomputed digest: recover the encoded
 * DigestInfo with the public key (OpenSSL checks the 00 01 FF.. 00 padding) and compare
 * it with the expected one.
 *
 * The signature must be exactly as long as the modulus (RFC 8017 §8.2.2 step 1, Go's
 * rsa.VerifyPKCS1v15, OpenSSL's RSA_verify): publicDecrypt alone accepts a signature
 * with its leading zero bytes dropped, which would give one signature several valid
 * encodings. Never throws: anything malformed is false.
 */
export function verifyRsaPkcs1Prehashed(key: KeyObject, hash: HashAlgorithm, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (!isHashAlgorithm(hash) || !(digest instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
    if (digest.length !== HASH_LENGTH[hash]) return false;
    const k = modulusBytes(key);
    if (k === 0 || signature.length !== k) return false;
    const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    const expected = Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
    return recovered.length === expected.length && recovered.equals(expected);
  } catch {
    return false;
  }
}

const modulusCache = new WeakMap<KeyObject, number>();

/**
 * Length in bytes of an RSA key's modulus; 0 if it is not an RSA key. Read from the
 * PKCS#1 DER rather than asymmetricKeyDetails, which can deadlock on a KeyObject fresh
 * from generateKeyPair[Sync] (see signer/file-signer.ts).
 */
function modulusBytes(key: KeyObject): number {
  if (!(key instanceof KeyObject) || key.asymmetricKeyType !== 'rsa') return 0;
  let k = modulusCache.get(key);
  if (k === undefined) {
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
    const der = pub.export({ type: 'pkcs1', format: 'der' });
    let off = 1;
    off += der[off]! < 0x80 ? 1 : 1 + (der[off]! & 0x7f);
    if (der[off] !== 0x02) return 0;
    off++;
    let len = der[off]!;
    if (len >= 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 1; i <= n; i++) len = len * 256 + der[off + i]!;
      off += n;
    }
    off++;
    while (len > 0 && der[off] === 0) {
      off++;
      len--;
    }
    k = len;
    modulusCache.set(key, k);
  }
  return k;
}
