import { sha256, verifyPrehashedSignature, verifySignature, type VerificationKey } from '@sigstack/core';

/**
 * Whether `signature` is valid over `message` the way upstream checks signatures on
 * whole messages (rekord artifacts, DSSE PAE): sigstore's
 * `signature.LoadVerifier(key, crypto.SHA256)` / `LoadVerifierWithOpts(key)`, whose
 * hash defaults to SHA-256 whatever the key:
 *
 * - ECDSA (any curve): ASN.1 DER signature over SHA-256(message). (Upstream falls back
 *   to IEEE P1363 r||s when the DER parse fails; no client sends that, and we do not
 *   accept it.)
 * - RSA: PKCS #1 v1.5 with SHA-256 only. sigstore's RSA verifier is PKCS #1 v1.5
 *   unless PSS is asked for, which upstream never does; core's verifySignature would
 *   also accept PSS, so RSA goes through the digest path, which is PKCS #1 v1.5 only.
 * - Ed25519: pure Ed25519 over the message.
 *
 * ECDSA and Ed25519 run in OpenSSL on libuv's thread pool; the RSA public operation
 * (e = 65537) is cheap enough to run inline.
 */
export async function messageSignatureVerifies(vk: VerificationKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  switch (vk.kind) {
    case 'ed25519':
      return verifySignature(vk, message, signature);
    case 'rsa':
      return verifyPrehashedSignature(vk, 'sha256', sha256(message), signature);
    default:
      return verifySignature(vk, message, signature, 'sha256');
  }
}
