import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { toPem } from '@sigstack/core';
import { ClientError } from '../errors.js';
import { openWithPassword, sealWithPassword } from './encrypted-box.js';
import { firstPemBlock } from './pem-block.js';
import { publicKeyPem } from './public-key.js';
import { assertSupportedKey } from './supported-key.js';

/**
 * cosign's password-protected private key file: a PEM block whose body is the
 * go-securesystemslib envelope (encrypted-box.ts) around the PKCS#8 DER private key.
 * cosign writes the SIGSTORE type and still reads the older COSIGN one.
 */
export const SIGSTORE_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY';

export function isEncryptedKeyPemType(type: string): boolean {
  return type === SIGSTORE_PRIVATE_KEY_PEM_TYPE || type === COSIGN_PRIVATE_KEY_PEM_TYPE;
}

/** A new ECDSA P-256 key pair, as `cosign generate-key-pair` makes: encrypted private PEM and PUBLIC KEY PEM. */
export function generateCosignKeyPair(password: string): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKeyPem: encryptCosignPrivateKey(privateKey, password), publicKeyPem: publicKeyPem(privateKey) };
}

/** The private key as an `ENCRYPTED SIGSTORE PRIVATE KEY` PEM under password (which may be empty, as in cosign). */
export function encryptCosignPrivateKey(key: KeyObject, password: string): string {
  if (key.type !== 'private') throw new ClientError('KEY_INVALID', `cannot encrypt a ${key.type} key: a private key is needed`);
  assertSupportedKey(key);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  try {
    return toPem(SIGSTORE_PRIVATE_KEY_PEM_TYPE, Buffer.from(sealWithPassword(der, password), 'utf8'));
  } finally {
    der.fill(0);
  }
}

/**
 * The private key of a cosign encrypted PEM (either type). KEY_INVALID for a file
 * that is not one, KEY_PASSWORD for a wrong password, KEY_UNSUPPORTED for a KDF,
 * cipher or key type we do not take.
 */
export function decryptCosignPrivateKey(pem: string, password: string): KeyObject {
  const block = firstPemBlock(pem, 'private key');
  if (!isEncryptedKeyPemType(block.type))
    throw new ClientError('KEY_INVALID', `private key: PEM type "${block.type}" is not an encrypted cosign key (want ${SIGSTORE_PRIVATE_KEY_PEM_TYPE})`);
  const der = openWithPassword(block.der, password);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new ClientError('KEY_INVALID', 'private key: decrypted content is not a PKCS#8 private key', { cause });
  } finally {
    der.fill(0);
  }
  return assertSupportedKey(key);
}
