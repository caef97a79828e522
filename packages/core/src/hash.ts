import { createHash } from 'node:crypto';

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** Digest length in bytes for each supported hash. */
export const HASH_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

export function isHashAlgorithm(s: unknown): s is HashAlgorithm {
  return s === 'sha256' || s === 'sha384' || s === 'sha512';
}

export function digest(alg: HashAlgorithm, ...parts: Uint8Array[]): Buffer {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha256(...parts: Uint8Array[]): Buffer {
  return digest('sha256', ...parts);
}

export function sha256Hex(...parts: Uint8Array[]): string {
  return digest('sha256', ...parts).toString('hex');
}
