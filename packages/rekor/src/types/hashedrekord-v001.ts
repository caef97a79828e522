import { canonicalizeToBytes, sha256Hex, verifyPrehashedSignature } from '@sigstack/core';
import { RekorError } from '../errors.js';
import type { CanonicalEntry, EntryLimits } from './entry-type.js';
import { base64, hashField, object, subjectsOf, verificationKey } from './fields.js';

/**
 * hashedrekord 0.0.1 (protocols.md §6.3): a signature over an artifact's digest.
 * What cosign, sigstore-go, sigstore-js and gitsign submit for message signatures.
 *
 *   proposed:  {data: {hash: {algorithm, value}}, signature: {content, publicKey: {content}}}
 *   canonical: the same, with the key re-encoded as Go PEM and no data.content.
 */
export async function canonicalizeHashedRekordV001(spec: Record<string, unknown>, _limits: EntryLimits): Promise<CanonicalEntry> {
  const data = object(spec.data, 'spec.data');
  if (data.content !== undefined) throw new RekorError('MALFORMED_ENTRY', 'spec.data.content: hashedrekord carries only the digest, not the artifact');
  const hash = hashField(data.hash, 'spec.data.hash', ['sha256', 'sha384', 'sha512']);
  const signature = object(spec.signature, 'spec.signature');
  const sig = base64(signature.content, 'spec.signature.content');
  const keyBytes = base64(object(signature.publicKey, 'spec.signature.publicKey').content, 'spec.signature.publicKey.content');
  const vk = verificationKey(keyBytes, 'spec.signature.publicKey.content');
  if (vk.kind === 'ed25519')
    throw new RekorError('INVALID_KEY', 'spec.signature.publicKey.content: Ed25519 signs the message itself, so it cannot be checked against a digest; use an ECDSA or RSA key, or the rekord type');
  if (!verifyPrehashedSignature(vk, hash.algorithm, Buffer.from(hash.value, 'hex'), sig))
    throw new RekorError('INVALID_SIGNATURE', 'spec.signature.content: the signature does not verify over spec.data.hash with the given key');
  const pem = Buffer.from(vk.canonicalPem);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: hash.algorithm, value: hash.value } },
      signature: { content: sig.toString('base64'), publicKey: { content: pem.toString('base64') } },
    },
  });
  return { kind: 'hashedrekord', apiVersion: '0.0.1', body, indexKeys: [sha256Hex(pem), ...subjectsOf(vk), `${hash.algorithm}:${hash.value}`] };
}
