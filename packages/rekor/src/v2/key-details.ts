import type { HashAlgorithm, VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { HASHEDREKORD_RSA_SIZES } from '../types/algorithm-policy.js';

/**
 * dev.sigstore.common.v1.PublicKeyDetails: the names protojson writes and their
 * numbers (protojson also reads numbers). Only the ones a request may plausibly carry
 * are listed; any other value is "unknown".
 */
export const PUBLIC_KEY_DETAILS = {
  PKIX_RSA_PKCS1V5: 3,
  PKIX_RSA_PSS: 4,
  PKIX_ECDSA_P256_SHA_256: 5,
  PKIX_ED25519: 7,
  PKIX_ED25519_PH: 8,
  PKIX_RSA_PKCS1V15_2048_SHA256: 9,
  PKIX_RSA_PKCS1V15_3072_SHA256: 10,
  PKIX_RSA_PKCS1V15_4096_SHA256: 11,
  PKIX_ECDSA_P384_SHA_384: 12,
  PKIX_ECDSA_P521_SHA_512: 13,
  PKIX_RSA_PSS_2048_SHA256: 16,
  PKIX_RSA_PSS_3072_SHA256: 17,
  PKIX_RSA_PSS_4096_SHA256: 18,
  PKIX_ECDSA_P384_SHA_256: 19,
  PKIX_ECDSA_P521_SHA_256: 20,
} as const;
export type PublicKeyDetails = keyof typeof PUBLIC_KEY_DETAILS;

/** dev.sigstore.common.v1.HashAlgorithm names, for `data.algorithm` / `payloadHash.algorithm`. */
export const PROTO_HASH: Readonly<Record<HashAlgorithm, 'SHA2_256' | 'SHA2_384' | 'SHA2_512'>> = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' };

interface Allowed {
  kind: VerificationKey['kind'];
  hash: HashAlgorithm;
  rsaBits?: number;
}

/**
 * The signing algorithms the log accepts: upstream's default set
 * (rekor-tiles internal/algorithmregistry AllowedClientSigningAlgorithms), which
 * leaves out pure Ed25519 (hashedrekord signs a digest, so Ed25519 must be Ed25519ph).
 */
export const ALLOWED_KEY_DETAILS: Readonly<Partial<Record<PublicKeyDetails, Allowed>>> = {
  PKIX_RSA_PKCS1V15_2048_SHA256: { kind: 'rsa', hash: 'sha256', rsaBits: 2048 },
  PKIX_RSA_PKCS1V15_3072_SHA256: { kind: 'rsa', hash: 'sha256', rsaBits: 3072 },
  PKIX_RSA_PKCS1V15_4096_SHA256: { kind: 'rsa', hash: 'sha256', rsaBits: 4096 },
  PKIX_ECDSA_P256_SHA_256: { kind: 'ecdsa-p256', hash: 'sha256' },
  PKIX_ECDSA_P384_SHA_384: { kind: 'ecdsa-p384', hash: 'sha384' },
  PKIX_ECDSA_P521_SHA_512: { kind: 'ecdsa-p521', hash: 'sha512' },
  PKIX_ED25519_PH: { kind: 'ed25519', hash: 'sha512' },
};

/**
 * The keyDetails a key signs with by default, as sigstore-go's
 * `signature.GetDefaultAlgorithmDetails(key, WithED25519ph())` picks it: what
 * cosign 3 sends, and what sigstore-go puts into the entry it rebuilds to check
 * inclusion (pkg/verify/tlog.go reconstructV2EntryHash).
 */
export function defaultKeyDetails(vk: VerificationKey): PublicKeyDetails | undefined {
  switch (vk.kind) {
    case 'ecdsa-p256':
      return 'PKIX_ECDSA_P256_SHA_256';
    case 'ecdsa-p384':
      return 'PKIX_ECDSA_P384_SHA_384';
    case 'ecdsa-p521':
      return 'PKIX_ECDSA_P521_SHA_512';
    case 'ed25519':
      return 'PKIX_ED25519_PH';
    case 'rsa': {
      const bits = rsaBits(vk);
      return HASHEDREKORD_RSA_SIZES.includes(bits) ? (`PKIX_RSA_PKCS1V15_${bits}_SHA256` as PublicKeyDetails) : undefined;
    }
  }
}

function rsaBits(vk: VerificationKey): number {
  return Math.ceil((vk.key.asymmetricKeyDetails?.modulusLength ?? 0) / 8) * 8;
}

/**
 * Checks that `keyDetails` is an accepted algorithm and names the key's own
 * algorithm; returns the digest algorithm it implies.
 *
 * Stricter than upstream, which only checks that the key type and the implied digest
 * are an allowed pair (an RSA-2048 key labelled PKIX_ECDSA_P256_SHA_256 passes
 * there): verifiers rebuild the entry with the key's default keyDetails
 * (defaultKeyDetails), so an entry logged with any other label could never be shown
 * to be in the log. We refuse it instead of logging it.
 */
export function checkKeyDetails(keyDetails: PublicKeyDetails | undefined, vk: VerificationKey, field: string): HashAlgorithm {
  if (keyDetails === undefined) throw new RekorError('MALFORMED_ENTRY', `${field}: required`);
  const expected = defaultKeyDetails(vk);
  if (keyDetails === 'PKIX_ED25519')
    throw new RekorError('INVALID_KEY', `${field}: PKIX_ED25519 (pure Ed25519) is not accepted: entries sign a digest, so Ed25519 keys must sign as Ed25519ph (PKIX_ED25519_PH)`);
  const allowed = ALLOWED_KEY_DETAILS[keyDetails];
  if (!allowed) throw new RekorError('INVALID_KEY', `${field}: ${keyDetails} is not accepted by this log (accepted: ${Object.keys(ALLOWED_KEY_DETAILS).join(', ')})`);
  if (expected === undefined)
    throw new RekorError('INVALID_KEY', `${field}: RSA keys must be of ${HASHEDREKORD_RSA_SIZES.join(', ')} bits, got ${rsaBits(vk)}`);
  if (keyDetails !== expected) throw new RekorError('INVALID_KEY', `${field}: ${keyDetails} does not match the key, which is ${describeKey(vk)} (${expected})`);
  return allowed.hash;
}

function describeKey(vk: VerificationKey): string {
  return vk.kind === 'rsa' ? `RSA-${rsaBits(vk)}` : vk.kind === 'ed25519' ? 'Ed25519' : `ECDSA ${vk.kind.slice(6).toUpperCase()}`;
}
