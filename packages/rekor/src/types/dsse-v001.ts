import { canonicalizeToBytes, sha256Hex } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { decodeEnvelope, parseEnvelopeJson, signatureAcceptedBy } from './dsse-envelope.js';
import { assertWithinLimit } from './entry-limits.js';
import type { CanonicalEntry, EntryLimits } from './entry.types.js';
import { array, base64, isAbsent, object, string } from './fields.js';
import { dsseInTotoKeys, IN_TOTO_PAYLOAD_TYPE } from './in-toto-index-keys.js';
import { parseX509Key, type X509Key } from './x509-key.js';

/**
 * dsse 0.0.1 (cosign attest's default, sigstore-go and sigstore-js DSSE on Rekor v1).
 *
 *   proposed:  {proposedContent: {envelope: "<DSSE envelope JSON>", verifiers: ["<b64 PEM>", ...]}}
 *   canonical: {envelopeHash, payloadHash, signatures: [{signature, verifier}]}
 *
 * Ported from sigstore/rekor pkg/types/dsse/v0.0.1/entry.go (Unmarshal,
 * verifyEnvelope, Canonicalize, IndexKeys) with go-securesystemslib's
 * EnvelopeVerifier.VerifyAndDecode:
 * - a proposal carries proposedContent only; the other members are computed here
 *   (null or [] for them is accepted: Go clients send those);
 * - the envelope needs at least one signature; payload and every sig must decode;
 * - verifiers are consulted in order until every distinct signature string is
 *   verified; each consulted verifier accepts the first signature (in envelope order)
 *   that it verifies, must accept one, and never accounts for two; `keyid` plays no
 *   part; a signature accepted again by a later verifier is recorded with that one;
 * - signatures verify over PAE(payloadType, payload) with sigstore's default verifier
 *   (message-signature.ts);
 * - envelopeHash is SHA-256 of the envelope string exactly as submitted, payloadHash
 *   SHA-256 of the decoded payload; signatures keep the envelope's sig text, are
 *   sorted by it, and carry the verifying key re-encoded as Go PEM.
 * Index keys: per signature `sha256:<hex SHA-256 of the canonical PEM>` and the
 * certificate's SANs, `sha256:<payloadHash>`, `sha256:<envelopeHash>`, and for in-toto
 * payloads the subject and predicate.materials digests.
 */
export async function canonicalizeDsseV001(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  if (!isAbsent(spec.envelopeHash) || !isAbsent(spec.payloadHash) || (!isAbsent(spec.signatures) && !(Array.isArray(spec.signatures) && spec.signatures.length === 0)))
    throw new RekorError('MALFORMED_ENTRY', 'spec: envelopeHash, payloadHash and signatures are computed by the log; propose only spec.proposedContent');
  const pc = object(spec.proposedContent, 'spec.proposedContent');
  const envelopeJson = string(pc.envelope, 'spec.proposedContent.envelope');
  const envelopeBytes = Buffer.from(envelopeJson, 'utf8');
  assertWithinLimit(envelopeBytes.length, limits.maxEnvelopeBytes, 'spec.proposedContent.envelope');
  const verifierItems = array(pc.verifiers, 'spec.proposedContent.verifiers', limits.maxSignatures);
  if (verifierItems.length === 0) throw new RekorError('MALFORMED_ENTRY', 'spec.proposedContent.verifiers: at least one verifier is required');
  const verifiers = verifierItems.map((v, i) => {
    const field = `spec.proposedContent.verifiers[${i}]`;
    return parseX509Key(base64(v, field), field, limits.maxKeyBytes);
  });

  const decoded = decodeEnvelope(parseEnvelopeJson(envelopeJson, 'spec.proposedContent.envelope', limits.maxSignatures), 'spec.proposedContent.envelope');
  const sigs = decoded.envelope.signatures;
  const unverified = new Set(sigs.map((s) => s.sig));
  const keyBySig = new Map<string, X509Key>();
  for (const [i, key] of verifiers.entries()) {
    if (unverified.size === 0) break;
    const accepted = await signatureAcceptedBy(decoded, key.vk);
    if (accepted === undefined)
      throw new RekorError('INVALID_SIGNATURE', `spec.proposedContent.verifiers[${i}]: verifies no signature of the envelope (each verifier consulted must verify one)`);
    unverified.delete(sigs[accepted]!.sig);
    keyBySig.set(sigs[accepted]!.sig, key);
  }
  if (unverified.size > 0) {
    const i = sigs.findIndex((s) => unverified.has(s.sig));
    throw new RekorError('INVALID_SIGNATURE', `spec.proposedContent.envelope.signatures[${i}]: no verifier verifies this signature (every signature must verify)`);
  }

  const sorted = [...keyBySig.keys()].sort();
  const payloadHash = sha256Hex(decoded.payload);
  const envelopeHash = sha256Hex(envelopeBytes);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: envelopeHash },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
      signatures: sorted.map((s) => ({ signature: s, verifier: keyBySig.get(s)!.canonicalPem.toString('base64') })),
    },
  });

  const indexKeys: string[] = [];
  for (const s of sorted) {
    const key = keyBySig.get(s)!;
    indexKeys.push(`sha256:${sha256Hex(key.canonicalPem)}`, ...key.subjects);
  }
  indexKeys.push(`sha256:${payloadHash}`, `sha256:${envelopeHash}`);
  if (decoded.envelope.payloadType === IN_TOTO_PAYLOAD_TYPE) indexKeys.push(...dsseInTotoKeys(decoded.payload));
  return { kind: 'dsse', apiVersion: '0.0.1', body, indexKeys };
}
