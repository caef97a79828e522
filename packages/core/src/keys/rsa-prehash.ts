import { constants, publicDecrypt, type KeyObject } from 'node:crypto';
import type { HashAlgorithm } from '../hash.js';

/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<HashAlgorithm, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/**
 * RSASSA-PKCS1-v1_5 verification of a precomputed digest: recover the encoded
 * DigestInfo with the public key (OpenSSL checks the padding) and compare it with
 * the expected one in constant structure.
 */
export function verifyRsaPkcs1Prehashed(key: KeyObject, hash: HashAlgorithm, digest: Uint8Array, signature: Uint8Array): boolean {
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  const expected = Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
  return recovered.length === expected.length && recovered.equals(expected);
}
