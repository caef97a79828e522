import { createPublicKey, type KeyObject } from 'node:crypto';
import { CoreError, parseVerificationKey, toPem } from '@sigstack/core';
import { ClientError } from '../errors.js';
import { firstPemBlock } from './pem-block.js';
import { assertSupportedKey } from './supported-key.js';

/**
 * A public key from a `PUBLIC KEY` PEM (PKIX), an `RSA PUBLIC KEY` PEM (PKCS#1), or
 * a `CERTIFICATE` PEM (its subject key), as sigstore's cryptoutils reads them.
 * KEY_INVALID for anything that does not parse, KEY_UNSUPPORTED for other PEM types
 * and key types cosign does not use.
 */
export function loadPublicKey(pem: string): KeyObject {
  const block = firstPemBlock(pem, 'public key');
  let key: KeyObject;
  if (block.type === 'RSA PUBLIC KEY') {
    try {
      key = createPublicKey({ key: block.der, format: 'der', type: 'pkcs1' });
    } catch (cause) {
      throw new ClientError('KEY_INVALID', 'public key: RSA PUBLIC KEY does not parse as PKCS#1', { cause });
    }
  } else if (block.type === 'PUBLIC KEY' || block.type === 'CERTIFICATE') {
    try {
      key = parseVerificationKey(toPem(block.type, block.der)).key;
    } catch (cause) {
      if (cause instanceof CoreError) {
        const code = cause.code === 'UNSUPPORTED_KEY' ? 'KEY_UNSUPPORTED' : 'KEY_INVALID';
        throw new ClientError(code, `public key: ${cause.message}`, { cause });
      }
      throw new ClientError('KEY_INVALID', 'public key does not parse', { cause });
    }
  } else {
    throw new ClientError('KEY_UNSUPPORTED', `public key: PEM type "${block.type}" is not a public key (want PUBLIC KEY or CERTIFICATE)`);
  }
  return assertSupportedKey(key);
}

/**
 * The PKIX `PUBLIC KEY` PEM of a key (public, or the public half of a private key),
 * byte for byte what cosign writes to cosign.pub (Go's MarshalPKIXPublicKey and
 * encoding/pem: 64-column lines, trailing newline).
 */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.type !== 'public') throw new ClientError('KEY_INVALID', `a ${key.type} key has no public key`);
  assertSupportedKey(pub);
  return toPem('PUBLIC KEY', pub.export({ type: 'spki', format: 'der' }));
}
