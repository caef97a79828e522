import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { Key } from '@tufjs/models';
import { TufError } from '../errors.js';
import { toCanonicalJson } from './canonical-json.js';

/**
 * A public key as a TUF key object (protocols.md §10.2):
 * - ECDSA P-256/P-384: keytype "ecdsa", scheme "ecdsa-sha2-nistp256|384", keyval.public PEM SPKI;
 * - Ed25519: keytype and scheme "ed25519", keyval.public the 32 raw bytes in hex.
 * The key ID is hex SHA-256 of the key object's canonical JSON, as the spec says.
 * We do not add the legacy `keyid_hash_algorithms` member: go-tuf v2, tuf-js and
 * python-tuf look keys up by listed keyid and never recompute it.
 */
export function toTufKey(publicKey: KeyObject | Buffer | string): Key {
  let key: KeyObject;
  try {
    key =
      typeof publicKey === 'string'
        ? createPublicKey(publicKey)
        : Buffer.isBuffer(publicKey)
          ? createPublicKey({ key: publicKey, format: 'der', type: 'spki' })
          : publicKey.type === 'private'
            ? createPublicKey(publicKey)
            : publicKey;
  } catch (cause) {
    throw new TufError('INVALID_KEY', `not a readable public key: ${(cause as Error).message}`, { cause });
  }
  let json: { keytype: string; scheme: string; keyval: { public: string } };
  if (key.asymmetricKeyType === 'ed25519') {
    const der = key.export({ type: 'spki', format: 'der' });
    // The SPKI of an Ed25519 key is a fixed 12-byte prefix and the 32-byte key.
    json = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: der.subarray(der.length - 32).toString('hex') } };
  } else if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const scheme = curve === 'prime256v1' ? 'ecdsa-sha2-nistp256' : curve === 'secp384r1' ? 'ecdsa-sha2-nistp384' : undefined;
    if (!scheme) throw new TufError('INVALID_KEY', `ECDSA curve ${curve ?? '?'} is not P-256 or P-384`);
    json = { keytype: 'ecdsa', scheme, keyval: { public: key.export({ type: 'spki', format: 'pem' }) as string } };
  } else {
    throw new TufError('INVALID_KEY', `a ${key.asymmetricKeyType ?? 'unknown'} key cannot sign TUF metadata here (ECDSA P-256/P-384 or Ed25519)`);
  }
  const keyID = createHash('sha256').update(toCanonicalJson(json)).digest('hex');
  return new Key({ keyID, keyType: json.keytype, scheme: json.scheme, keyVal: json.keyval });
}
