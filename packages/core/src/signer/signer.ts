import type { KeyObject } from 'node:crypto';

/**
 * The signature schemes sigstack signs with. Verification accepts more (RSA, see
 * keys/public-key.ts); signing keys are limited to what every client verifies.
 */
export type SigningAlgorithm = 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'ed25519';

/**
 * Every private key of the stack sits behind this interface: CA, CT log,
 * transparency log, TSA, TUF online roles. File, PKCS#11 and KMS backends
 * implement it; no service reads key bytes.
 *
 * Contract:
 * - sign(data) signs `data` itself (the backend hashes it with the scheme's digest;
 *   Ed25519 is pure). ECDSA signatures are ASN.1 DER (Ecdsa-Sig-Value), which is
 *   what X.509, CMS, Rekor SETs and checkpoints carry.
 * - It may run off the main thread; callers must not assume ordering between calls.
 */
export interface Signer {
  readonly algorithm: SigningAlgorithm;
  /** The public key as a node KeyObject, for local verification. */
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo of the public key. */
  readonly publicKeyDer: Buffer;
  sign(data: Uint8Array): Promise<Buffer>;
  /** Synchronous signing, for backends that can (file keys). Absent on HSM/KMS backends. */
  signSync?(data: Uint8Array): Buffer;
}

/** The digest used by an algorithm (null for pure Ed25519). */
export function digestOf(alg: SigningAlgorithm): 'sha256' | 'sha384' | null {
  switch (alg) {
    case 'ecdsa-p256-sha256':
      return 'sha256';
    case 'ecdsa-p384-sha384':
      return 'sha384';
    case 'ed25519':
      return null;
  }
}
