import { canonicalizeToBytes, sha256Hex, verifyPrehashedSignature } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { assertHashedRekordAlgorithm } from './algorithm-policy.js';
import { verifyEd25519ph } from './ed25519ph.js';
import type { CanonicalEntry, EntryLimits } from './entry.types.js';
import { base64, hashField, object } from './fields.js';
import { parseX509Key } from './x509-key.js';

/**
 * hashedrekord 0.0.1 (protocols.md §6.3): a signature over an artifact's digest. What
 * cosign, sigstore-go, sigstore-js and gitsign submit for message signatures.
 *
 *   proposed:  {data: {hash: {algorithm, value}}, signature: {content, publicKey: {content}}}
 *   canonical: {data: {hash: {algorithm, value}}, signature: {content, publicKey: {content: <Go PEM>}}}
 *
 * Ported from sigstore/rekor pkg/types/hashedrekord/v0.0.1/entry.go (validate,
 * Canonicalize, IndexKeys) and pkg/api/entries.go (checkEntryAlgorithms):
 * - the signature verifies over the digest itself: ECDSA and RSA PKCS #1 v1.5 with the
 *   entry's hash algorithm, Ed25519 only as Ed25519ph (SHA-512);
 * - sha256/sha384/sha512, the value of the algorithm's length (we also require lower case);
 * - the default algorithm policy (algorithm-policy.ts);
 * - the body keeps the signature bytes, the key re-encoded as Go PEM and the hash as
 *   given; unknown members of the proposed spec are ignored, as upstream ignores them.
 * Index keys: hex SHA-256 of the canonical PEM (no prefix), the certificate's SANs,
 * `<algorithm>:<digest>`.
 */
export async function canonicalizeHashedRekordV001(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  const signature = object(spec.signature, 'spec.signature');
  const sig = base64(signature.content, 'spec.signature.content');
  const publicKey = object(signature.publicKey, 'spec.signature.publicKey');
  const key = parseX509Key(base64(publicKey.content, 'spec.signature.publicKey.content'), 'spec.signature.publicKey.content', limits.maxKeyBytes);
  const data = object(spec.data, 'spec.data');
  const hash = hashField(data.hash, 'spec.data.hash', ['sha256', 'sha384', 'sha512']);
  assertHashedRekordAlgorithm(key.vk, hash.algorithm, 'spec.signature.publicKey.content', 'spec.data.hash.algorithm');

  const digest = Buffer.from(hash.value, 'hex');
  const ok = key.vk.kind === 'ed25519' ? verifyEd25519ph(key.vk, digest, sig) : verifyPrehashedSignature(key.vk, hash.algorithm, digest, sig);
  if (!ok)
    throw new RekorError(
      'INVALID_SIGNATURE',
      `spec.signature.content: the signature does not verify over spec.data.hash with spec.signature.publicKey.content${key.vk.kind === 'ed25519' ? ' (Ed25519 keys must sign as Ed25519ph)' : ''}`,
    );

  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: hash.algorithm, value: hash.value } },
      signature: { content: sig.toString('base64'), publicKey: { content: key.canonicalPem.toString('base64') } },
    },
  });
  return { kind: 'hashedrekord', apiVersion: '0.0.1', body, indexKeys: [sha256Hex(key.canonicalPem), ...key.subjects, `${hash.algorithm}:${hash.value}`] };
}
