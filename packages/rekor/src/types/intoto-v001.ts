import { canonicalizeToBytes, sha256Hex } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { decodeEnvelope, parseEnvelopeJson, signatureAcceptedBy } from './dsse-envelope.js';
import { assertWithinLimit } from './entry-limits.js';
import type { CanonicalEntry, EntryLimits } from './entry.types.js';
import { base64, decodeStdBase64, isAbsent, object, optionalObject, string } from './fields.js';
import { IN_TOTO_PAYLOAD_TYPE, intotoStatementKeys } from './in-toto-index-keys.js';
import { sshSha256Fingerprint } from './ssh-fingerprint.js';
import { parseX509Key } from './x509-key.js';

/**
 * intoto 0.0.1 (cosign attest --rekor-entry-type=intoto).
 *
 *   proposed:  {publicKey: "<b64 PEM>", content: {envelope: "<DSSE envelope JSON>", hash?, payloadHash?}}
 *   canonical: {content: {hash, payloadHash}, publicKey: "<b64 Go PEM>"}
 *
 * Ported from sigstore/rekor pkg/types/intoto/v0.0.1/entry.go (Unmarshal, validate,
 * Canonicalize, IndexKeys, Insertable) with sigstore's dsse.WrapVerifier and
 * go-securesystemslib's EnvelopeVerifier:
 * - the key must verify at least one envelope signature (over PAE, sigstore's default
 *   verifier); the others may be anything decodable. Because WrapVerifier exposes the
 *   public key, go-securesystemslib gives the verifier a key ID, the SSH SHA-256
 *   fingerprint of the key, and skips signatures whose non-empty keyid differs;
 * - payloadType, payload and signatures must be non-empty, and the payload must be
 *   standard base64 (upstream decodes it with StdEncoding to hash it);
 * - content.hash and content.payloadHash are computed here (client values are
 *   ignored once their form is checked, as upstream's schema validation does):
 *   SHA-256 of the envelope string as submitted and of the decoded payload;
 * - the key is stored re-encoded as Go PEM.
 * Index keys: `sha256:<envelope hash>`, `sha256:<hex SHA-256 of the canonical PEM>`,
 * the certificate's SANs, `sha256:<payload hash>`, then for in-toto statements the
 * subject digests and SLSA 0.2 material digests.
 */
export async function canonicalizeIntotoV001(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  const key = parseX509Key(base64(spec.publicKey, 'spec.publicKey'), 'spec.publicKey', limits.maxKeyBytes);
  const content = object(spec.content, 'spec.content');
  for (const name of ['hash', 'payloadHash'] as const) {
    const h = optionalObject(content[name], `spec.content.${name}`);
    if (h && (h.algorithm !== 'sha256' || typeof h.value !== 'string'))
      throw new RekorError('MALFORMED_ENTRY', `spec.content.${name}: computed by the log; if sent, it must be {algorithm: "sha256", value: <string>}`);
  }
  const envelopeJson = string(content.envelope, 'spec.content.envelope');
  const envelopeBytes = Buffer.from(envelopeJson, 'utf8');
  assertWithinLimit(envelopeBytes.length, limits.maxEnvelopeBytes, 'spec.content.envelope');
  const envelope = parseEnvelopeJson(envelopeJson, 'spec.content.envelope', limits.maxSignatures);
  if (envelope.payloadType === '') throw new RekorError('MALFORMED_ENTRY', 'spec.content.envelope.payloadType: required');
  if (envelope.payload === '') throw new RekorError('MALFORMED_ENTRY', 'spec.content.envelope.payload: required');
  const decoded = decodeEnvelope(envelope, 'spec.content.envelope');
  if (await signatureAcceptedBy(decoded, key.vk, sshSha256Fingerprint(key.vk)) === undefined)
    throw new RekorError('INVALID_SIGNATURE', 'spec.content.envelope: no signature of the envelope verifies with spec.publicKey (a signature with a keyid must name the key by its SSH SHA256 fingerprint)');
  if (isAbsent(decodeStdBase64(envelope.payload)))
    throw new RekorError('MALFORMED_ENTRY', 'spec.content.envelope.payload: must be standard base64 for intoto entries');

  const hash = sha256Hex(envelopeBytes);
  const payloadHash = sha256Hex(decoded.payload);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: {
      content: { hash: { algorithm: 'sha256', value: hash }, payloadHash: { algorithm: 'sha256', value: payloadHash } },
      publicKey: key.canonicalPem.toString('base64'),
    },
  });
  const indexKeys = [`sha256:${hash}`, `sha256:${sha256Hex(key.canonicalPem)}`, ...key.subjects, `sha256:${payloadHash}`];
  if (envelope.payloadType === IN_TOTO_PAYLOAD_TYPE) indexKeys.push(...(intotoStatementKeys(decoded.payload) ?? []));
  return { kind: 'intoto', apiVersion: '0.0.1', body, indexKeys };
}
