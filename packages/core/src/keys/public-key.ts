import { createPublicKey, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { CoreError } from '../errors.js';
import { fromPem, isPem, toPem } from '../pem.js';
import type { HashAlgorithm } from '../hash.js';
import { verifyEcdsaPrehashed } from './ecdsa-prehash.js';
import { verifyRsaPkcs1Prehashed } from './rsa-prehash.js';

export type PublicKeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa';

/** A verification key taken from a PEM/DER public key or X.509 certificate. */
export interface VerificationKey {
  readonly kind: PublicKeyKind;
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spkiDer: Buffer;
  /** Present when the input was a certificate. */
  readonly certificate?: X509Certificate;
  /**
   * Go-style PEM of what was submitted (the certificate if there was one, else the
   * PUBLIC KEY). Rekor stores keys in this re-encoded form.
   */
  readonly canonicalPem: string;
}

/** Minimum RSA modulus size we accept. */
export const MIN_RSA_BITS = 2048;

/**
 * Parses a public key or certificate given as PEM (PUBLIC KEY / CERTIFICATE) or DER.
 * Only the first PEM block is used, as upstream Rekor does. Throws INVALID_KEY /
 * UNSUPPORTED_KEY / INVALID_CERTIFICATE with a message naming the problem.
 */
export function parseVerificationKey(input: Uint8Array | string): VerificationKey {
  let der: Buffer;
  let type: 'CERTIFICATE' | 'PUBLIC KEY' | undefined;
  if (isPem(input)) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    let block;
    try {
      block = fromPem(text)[0]!;
    } catch (cause) {
      throw new CoreError('INVALID_KEY', `invalid PEM: ${(cause as Error).message}`, { cause });
    }
    if (block.type !== 'CERTIFICATE' && block.type !== 'PUBLIC KEY')
      throw new CoreError('UNSUPPORTED_KEY', `unsupported PEM type "${block.type}" (want CERTIFICATE or PUBLIC KEY)`);
    type = block.type;
    der = block.der;
  } else {
    der = Buffer.from(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  }
  if (der.length === 0) throw new CoreError('INVALID_KEY', 'empty public key');

  if (type !== 'PUBLIC KEY') {
    // A certificate, or DER that may be either: try certificate first.
    let cert: X509Certificate | undefined;
    try {
      cert = new X509Certificate(der);
    } catch (cause) {
      if (type === 'CERTIFICATE') throw new CoreError('INVALID_CERTIFICATE', 'certificate does not parse', { cause });
    }
    if (cert) {
      const key = cert.publicKey;
      const spkiDer = key.export({ type: 'spki', format: 'der' });
      return { kind: kindOf(key), key, spkiDer, certificate: cert, canonicalPem: toPem('CERTIFICATE', cert.raw) };
    }
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new CoreError('INVALID_KEY', 'public key does not parse as PKIX SubjectPublicKeyInfo', { cause });
  }
  const spkiDer = key.export({ type: 'spki', format: 'der' });
  return { kind: kindOf(key), key, spkiDer, canonicalPem: toPem('PUBLIC KEY', spkiDer) };
}

function kindOf(key: KeyObject): PublicKeyKind {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ed25519';
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw new CoreError('UNSUPPORTED_KEY', `RSA key of ${bits} bits is too small (minimum ${MIN_RSA_BITS})`);
      return 'rsa';
    }
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ecdsa-p256';
      if (curve === 'secp384r1') return 'ecdsa-p384';
      if (curve === 'secp521r1') return 'ecdsa-p521';
      throw new CoreError('UNSUPPORTED_KEY', `unsupported elliptic curve ${curve ?? 'unknown'}`);
    }
    default:
      throw new CoreError('UNSUPPORTED_KEY', `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

/** The digest a key's signatures use when the caller does not say (Go/sigstore defaults). */
export function defaultHashFor(kind: PublicKeyKind): HashAlgorithm {
  return kind === 'ecdsa-p384' ? 'sha384' : kind === 'ecdsa-p521' ? 'sha512' : 'sha256';
}

/**
 * Verifies a signature over `data`. ECDSA signatures are DER; RSA is PKCS#1 v1.5
 * (PSS is tried as well, as Go's verifiers accept either for RSA keys); Ed25519 is pure.
 * Runs on OpenSSL in libuv's thread pool, so verification uses every core.
 */
export function verifySignature(vk: VerificationKey, data: Uint8Array, signature: Uint8Array, hash?: HashAlgorithm): Promise<boolean> {
  const alg = vk.kind === 'ed25519' ? null : (hash ?? defaultHashFor(vk.kind));
  return new Promise((resolve) => {
    try {
      cryptoVerify(alg, data, vk.key, signature, (err, ok) => {
        if (err) return resolve(false);
        if (ok || vk.kind !== 'rsa') return resolve(ok);
        // RSA-PSS fallback.
        try {
          resolve(cryptoVerify(alg, data, { key: vk.key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -2 }, signature));
        } catch {
          resolve(false);
        }
      });
    } catch {
      resolve(false);
    }
  });
}

/**
 * Verifies a signature over a digest that was computed elsewhere (Rekor hashedrekord:
 * the server only ever sees the artifact's digest). ECDSA and RSA PKCS#1 v1.5 only:
 * Ed25519 signs the message itself, so a digest cannot be checked against it.
 */
export function verifyPrehashedSignature(vk: VerificationKey, hash: HashAlgorithm, digestBytes: Uint8Array, signature: Uint8Array): boolean {
  switch (vk.kind) {
    case 'ecdsa-p256':
    case 'ecdsa-p384':
    case 'ecdsa-p521':
      return verifyEcdsaPrehashed(vk.key, digestBytes, signature);
    case 'rsa':
      return verifyRsaPkcs1Prehashed(vk.key, hash, digestBytes, signature);
    case 'ed25519':
      throw new CoreError('UNSUPPORTED_KEY', 'ed25519 keys cannot verify a signature over a precomputed digest');
  }
}
