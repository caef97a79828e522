import { fromPem, isPem, isSigstackError, parseVerificationKey, type VerificationKey } from '@sigstack/core';
import { FulcioError } from '../errors.js';

/**
 * Client signing keys Fulcio certifies (protocols.md §2.9, §4.5; upstream
 * `--client-signing-algorithms` default and cryptoutils.ValidatePubKey): ECDSA
 * P-256/384/521, RSA 2048–4096 bits in whole octets with e = 65537, Ed25519.
 */
export const MIN_CLIENT_RSA_BITS = 2048;
export const MAX_CLIENT_RSA_BITS = 4096;

/**
 * Parses a submitted public key: a PEM `PUBLIC KEY` block, or DER SubjectPublicKeyInfo
 * (upstream tries PEM, then DER). Certificates are not keys here. Throws
 * INVALID_PUBLIC_KEY (unparseable) or UNSUPPORTED_KEY (outside the policy).
 */
export function parseClientPublicKey(content: Uint8Array | string): VerificationKey {
  let der: Uint8Array | string = content;
  if (isPem(content)) {
    let blocks;
    try {
      blocks = fromPem(typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
    } catch (cause) {
      throw new FulcioError('INVALID_PUBLIC_KEY', `invalid PEM: ${(cause as Error).message}`, { cause });
    }
    const block = blocks[0]!;
    if (block.type !== 'PUBLIC KEY') throw new FulcioError('INVALID_PUBLIC_KEY', `expected a PEM "PUBLIC KEY" block, got "${block.type}"`);
    der = block.der;
  }
  let vk: VerificationKey;
  try {
    vk = parseVerificationKey(der);
  } catch (cause) {
    throw wrapKeyError(cause);
  }
  if (vk.certificate) throw new FulcioError('INVALID_PUBLIC_KEY', 'expected a public key (SubjectPublicKeyInfo), got a certificate');
  checkKeyPolicy(vk);
  return vk;
}

/** Loads a DER SubjectPublicKeyInfo taken from a CSR, with the same policy. */
export function parseSpki(spkiDer: Uint8Array): VerificationKey {
  let vk: VerificationKey;
  try {
    vk = parseVerificationKey(spkiDer);
  } catch (cause) {
    throw wrapKeyError(cause);
  }
  if (vk.certificate) throw new FulcioError('INVALID_PUBLIC_KEY', 'the CSR public key is not a SubjectPublicKeyInfo');
  checkKeyPolicy(vk);
  return vk;
}

/**
 * The size and exponent rules parseVerificationKey does not apply (it already refuses
 * curves other than P-256/384/521, key types other than EC/RSA/Ed25519, and RSA
 * below 2048 bits).
 */
export function checkKeyPolicy(vk: VerificationKey): void {
  if (vk.kind !== 'rsa') return;
  const details = vk.key.asymmetricKeyDetails;
  const bits = details?.modulusLength ?? 0;
  if (bits < MIN_CLIENT_RSA_BITS || bits > MAX_CLIENT_RSA_BITS || bits % 8 !== 0)
    throw new FulcioError('UNSUPPORTED_KEY', `RSA key of ${bits} bits: allowed are ${MIN_CLIENT_RSA_BITS}–${MAX_CLIENT_RSA_BITS} bits in whole octets`);
  if (details?.publicExponent !== 65537n)
    throw new FulcioError('UNSUPPORTED_KEY', `RSA public exponent ${String(details?.publicExponent)}: only 65537 is allowed`);
}

function wrapKeyError(cause: unknown): FulcioError {
  if (cause instanceof FulcioError) return cause;
  if (isSigstackError(cause)) {
    if (cause.code === 'UNSUPPORTED_KEY') return new FulcioError('UNSUPPORTED_KEY', cause.message, { cause });
    return new FulcioError('INVALID_PUBLIC_KEY', cause.message, { cause });
  }
  return new FulcioError('INVALID_PUBLIC_KEY', `the public key does not parse: ${(cause as Error).message}`, { cause });
}
