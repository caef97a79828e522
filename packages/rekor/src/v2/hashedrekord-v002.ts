import { canonicalizeToBytes, HASH_LENGTH, verifyPrehashedSignature } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { verifyEd25519ph } from '../types/ed25519ph.js';
import type { EntryLimits } from '../types/entry.types.js';
import { PROTO_HASH } from './key-details.js';
import { bytesField, readMessage, requireField } from './protojson.js';
import { readVerifier } from './verifier.js';
import type { CanonicalV2Entry } from './entry.types.js';

/**
 * hashedrekord 0.0.2 (protocols.md §7.2–7.4): a signature over a digest, checked as
 * upstream rekor-tiles pkg/types/hashedrekord ToLogEntry does:
 *
 *   request: {digest, signature: {content, verifier: {publicKey | x509Certificate, keyDetails}}}
 *   entry:   {apiVersion: "0.0.2", kind: "hashedrekord",
 *             spec: {hashedRekordV002: {data: {algorithm, digest}, signature}}}
 *
 * 1. digest, signature.content and the verifier's rawBytes are present and non-empty;
 * 2. the verifier parses (DER certificate or SPKI) and keyDetails is accepted and is
 *    the key's own algorithm (key-details.ts);
 * 3. the digest is as long as keyDetails' hash;
 * 4. the signature verifies over the digest (ECDSA/RSA PKCS #1 v1.5 prehashed,
 *    Ed25519 as Ed25519ph);
 * 5. the leaf is JCS of the entry's protobuf-JSON: signature copied, `data.algorithm`
 *    the hash keyDetails implies. The certificate's validity is not checked (upstream
 *    does not either: verifiers check it against a timestamp).
 */
export function canonicalizeHashedRekordV002(req: unknown, field: string, limits: EntryLimits): CanonicalV2Entry {
  const msg = readMessage(req, field, { digest: 'digest', signature: 'signature' });
  const digest = bytesField(requireField(msg, 'digest', field), `${field}.digest`, { maxBytes: 64 });
  const sigMsg = readMessage(requireField(msg, 'signature', field), `${field}.signature`, { content: 'content', verifier: 'verifier' });
  const content = bytesField(requireField(sigMsg, 'content', `${field}.signature`), `${field}.signature.content`, { maxBytes: 4096 });
  const verifier = readVerifier(requireField(sigMsg, 'verifier', `${field}.signature`), `${field}.signature.verifier`, limits.maxKeyBytes);

  const want = HASH_LENGTH[verifier.hash];
  if (digest.length !== want)
    throw new RekorError('MALFORMED_ENTRY', `${field}.digest: ${digest.length} bytes, but ${verifier.json.keyDetails} signs ${verifier.hash} digests of ${want} bytes`);
  const ok = verifier.vk.kind === 'ed25519' ? verifyEd25519ph(verifier.vk, digest, content) : verifyPrehashedSignature(verifier.vk, verifier.hash, digest, content);
  if (!ok) throw new RekorError('INVALID_SIGNATURE', `${field}.signature.content: the signature does not verify over ${field}.digest with the verifier's key`);

  const body = canonicalizeToBytes({
    apiVersion: '0.0.2',
    kind: 'hashedrekord',
    spec: {
      hashedRekordV002: {
        data: { algorithm: PROTO_HASH[verifier.hash], digest: digest.toString('base64') },
        signature: { content: content.toString('base64'), verifier: verifier.json },
      },
    },
  });
  return { kind: 'hashedrekord', version: '0.0.2', body };
}
