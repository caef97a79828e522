import type { HashAlgorithm, VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';

/**
 * Upstream's signing-algorithm policy, which it applies to hashedrekord entries only
 * (sigstore/rekor pkg/api/entries.go checkEntryAlgorithms, with the default
 * `--client-signing-algorithms` = pkg/api/api.go AllowedClientSigningAlgorithms, matched
 * by sigstore's AlgorithmRegistryConfig.IsAlgorithmPermitted): the key type and size
 * and the digest algorithm must form one of
 *
 *   rsa-sign-pkcs1-{2048,3072,4096}-sha256   (modulus size in bytes × 8, exactly)
 *   ecdsa-sha2-256-nistp256, ecdsa-sha2-384-nistp384, ecdsa-sha2-512-nistp521
 *   ed25519-ph (SHA-512)                     (plain ed25519 has no digest, so never matches)
 *
 * Upstream answers 400 "entry algorithms are not allowed".
 */
export const HASHEDREKORD_RSA_SIZES: readonly number[] = [2048, 3072, 4096];

const HASH_FOR_KEY: Readonly<Record<Exclude<VerificationKey['kind'], 'rsa'>, HashAlgorithm>> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
  ed25519: 'sha512',
};

const KEY_NAME: Readonly<Record<VerificationKey['kind'], string>> = {
  'ecdsa-p256': 'ECDSA P-256',
  'ecdsa-p384': 'ECDSA P-384',
  'ecdsa-p521': 'ECDSA P-521',
  ed25519: 'Ed25519 (as ed25519ph)',
  rsa: 'RSA',
};

export function assertHashedRekordAlgorithm(vk: VerificationKey, hash: HashAlgorithm, keyField: string, hashField: string): void {
  let expected: HashAlgorithm;
  if (vk.kind === 'rsa') {
    const bits = Math.ceil((vk.key.asymmetricKeyDetails?.modulusLength ?? 0) / 8) * 8;
    if (!HASHEDREKORD_RSA_SIZES.includes(bits))
      throw new RekorError('INVALID_KEY', `${keyField}: entry algorithms are not allowed: RSA keys must be of ${HASHEDREKORD_RSA_SIZES.join(', ')} bits, got ${bits}`);
    expected = 'sha256';
  } else {
    expected = HASH_FOR_KEY[vk.kind];
  }
  if (hash !== expected)
    throw new RekorError('MALFORMED_ENTRY', `${hashField}: entry algorithms are not allowed: ${KEY_NAME[vk.kind]} keys sign ${expected} digests, got ${hash}`);
}
