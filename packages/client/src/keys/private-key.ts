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
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.der, format: 'der', type });
  } catch (cause) {
    throw new ClientError('KEY_INVALID', `private key: ${block.type} does not parse`, { cause });
  }
  return assertSupportedKey(key);
}
