import type { KeyObject } from 'node:crypto';
import { ClientError } from '../errors.js';

/** Smallest RSA modulus we accept, as cosign (sigstore's cryptoutils) does. */
export const MIN_RSA_BITS = 2048;
/** Largest RSA modulus we accept: cosign's algorithms stop at RSA-4096. */
export const MAX_RSA_BITS = 4096;

/** OpenSSL curve names of the ECDSA curves cosign signs with. */
const EC_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/**
 * Refuses a key cosign would not sign or verify with: ECDSA on P-256/P-384/P-521,
 * Ed25519, RSA from 2048 to 4096 bits (cosign's SupportedKeyDetails). Works on
 * private and public keys alike. Throws KEY_UNSUPPORTED naming the key.
 */
export function assertSupportedKey(key: KeyObject): KeyObject {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
      if (!EC_CURVES[curve]) throw new ClientError('KEY_UNSUPPORTED', `ECDSA key on curve ${curve} is not supported (want P-256, P-384 or P-521)`);
      return key;
    }
    case 'ed25519':
      return key;
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) throw new ClientError('KEY_UNSUPPORTED', `RSA key of ${bits} bits is not supported (want ${MIN_RSA_BITS} to ${MAX_RSA_BITS})`);
      return key;
    }
    default:
      throw new ClientError('KEY_UNSUPPORTED', `${key.asymmetricKeyType ?? 'unknown'} keys are not supported (want ECDSA, Ed25519 or RSA)`);
  }
}
