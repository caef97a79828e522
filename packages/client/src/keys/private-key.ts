import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ClientError } from '../errors.js';
import { decryptCosignPrivateKey, isEncryptedKeyPemType } from './cosign-key.js';
import { firstPemBlock } from './pem-block.js';
import { assertSupportedKey } from './supported-key.js';

/** The unencrypted PEM private keys cosign's import-key-pair reads, with their DER encoding. */
const PLAIN_TYPES: Record<string, 'pkcs8' | 'sec1' | 'pkcs1'> = {
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};

/**
 * A private key from a cosign encrypted PEM (`ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY`)
 * or an unencrypted PKCS#8, SEC 1 (EC) or PKCS#1 (RSA) PEM. `password` is called
 * only when the key is encrypted, so a plain key never prompts.
 */
export async function loadPrivateKey(pem: string, password: () => Promise<string> | string): Promise<KeyObject> {
  const block = firstPemBlock(pem, 'private key');
  if (isEncryptedKeyPemType(block.type)) return decryptCosignPrivateKey(pem, await password());
  const type = PLAIN_TYPES[block.type];
  if (!type) {
    throw new ClientError(
      'KEY_UNSUPPORTED',
      `private key: PEM type "${block.type}" is not supported (want ENCRYPTED SIGSTORE PRIVATE KEY, PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)`,
    );
  }
  // OpenSSL's decoder takes any private key structure whatever the label; Go's
  // parsers (cosign) refuse a mismatch, and so do we.
  if (!hasShape(block.der, type)) throw new ClientError('KEY_INVALID', `private key: ${block.type} does not parse (the content is not ${SHAPE_NAME[type]})`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.der, format: 'der', type });
  } catch (cause) {
    throw new ClientError('KEY_INVALID', `private key: ${block.type} does not parse`, { cause });
  }
  return assertSupportedKey(key);
}

const SHAPE_NAME = { pkcs8: 'PKCS#8', sec1: 'an SEC 1 EC private key', pkcs1: 'a PKCS#1 RSA private key' } as const;

/**
 * Whether DER starts as the structure its PEM label promises: a SEQUENCE whose first
 * member is the INTEGER version (0 for PKCS#8 and PKCS#1, 1 for SEC 1) and whose
 * second member is an AlgorithmIdentifier SEQUENCE (PKCS#8), an OCTET STRING (SEC 1's
 * privateKey) or an INTEGER (PKCS#1's modulus). OpenSSL checks the rest.
 */
function hasShape(der: Buffer, type: 'pkcs8' | 'sec1' | 'pkcs1'): boolean {
  if (der[0] !== 0x30) return false;
  let off = contentStart(der, 0);
  if (off === undefined || der[off] !== 0x02 || der[off + 1] !== 0x01) return false;
  const version = der[off + 2];
  off += 3;
  const next = der[off];
  switch (type) {
    case 'pkcs8':
      return (version === 0 || version === 1) && next === 0x30;
    case 'sec1':
      return version === 1 && next === 0x04;
    case 'pkcs1':
      return (version === 0 || version === 1) && next === 0x02;
  }
}

/** Where the content of the DER element at off starts, or undefined if its length octets are malformed. */
function contentStart(der: Buffer, off: number): number | undefined {
  const l0 = der[off + 1];
  if (l0 === undefined) return undefined;
  if (l0 < 0x80) return off + 2;
  const n = l0 & 0x7f;
  return n === 0 || n > 4 ? undefined : off + 2 + n;
}
