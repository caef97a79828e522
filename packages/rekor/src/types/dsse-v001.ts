import { canonicalizeToBytes, sha256Hex } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { decodeDsseBase64, inTotoIndexKeys, parseEnvelope, verifyEnvelope } from './dsse-envelope.js';
import type { CanonicalEntry, EntryLimits } from './entry-type.js';
import { array, base64, object, string, subjectsOf, verificationKey } from './fields.js';

/**
 * dsse 0.0.1 (cosign attest's default, sigstore-go and sigstore-js DSSE on Rekor v1).
 *
 *   proposed:  {proposedContent: {envelope: "<DSSE JSON>", verifiers: ["<b64 PEM>", ...]}}
 *   canonical: {envelopeHash, payloadHash, signatures: [{signature, verifier}] sorted by signature}
 * Every envelope signature must verify with one of the verifiers.
 */
export async function canonicalizeDsseV001(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  // Go clients send the server-computed fields as null or []; only values count.
  if (spec.envelopeHash != null || spec.payloadHash != null || (Array.isArray(spec.signatures) ? spec.signatures.length > 0 : spec.signatures != null))
    throw new RekorError('MALFORMED_ENTRY', 'spec: envelopeHash, payloadHash and signatures are computed by the log; send only proposedContent');
  const pc = object(spec.proposedContent, 'spec.proposedContent');
  const envelopeJson = string(pc.envelope, 'spec.proposedContent.envelope');
  if (Buffer.byteLength(envelopeJson) > limits.maxEnvelopeBytes)
    throw new RekorError('MALFORMED_ENTRY', `spec.proposedContent.envelope: larger than ${limits.maxEnvelopeBytes} bytes`);
  const env = parseEnvelope(envelopeJson, 'spec.proposedContent.envelope', limits.maxSignatures);
  const verifiers = array(pc.verifiers, 'spec.proposedContent.verifiers', limits.maxSignatures);
  if (verifiers.length === 0) throw new RekorError('MALFORMED_ENTRY', 'spec.proposedContent.verifiers: at least one verifier is required');
  const keys = verifiers.map((v, i) => verificationKey(base64(v, `spec.proposedContent.verifiers[${i}]`), `spec.proposedContent.verifiers[${i}]`));
  const bySig = await verifyEnvelope(env, keys, 'spec.proposedContent.envelope');
  const payload = decodeDsseBase64(env.payload, 'spec.proposedContent.envelope.payload');
  const sigs = [...bySig.keys()].sort();
  const signatures = sigs.map((s) => ({ signature: s, verifier: Buffer.from(bySig.get(s)!.canonicalPem).toString('base64') }));
  const payloadHash = sha256Hex(payload);
  const envelopeHash = sha256Hex(Buffer.from(envelopeJson, 'utf8'));
  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: envelopeHash },
      payloadHash: { algorithm: 'sha256', value: payloadHash },
      signatures,
    },
  });
  const indexKeys: string[] = [];
  for (const s of sigs) {
    const k = bySig.get(s)!;
    indexKeys.push(`sha256:${sha256Hex(Buffer.from(k.canonicalPem))}`, ...subjectsOf(k));
  }
  indexKeys.push(`sha256:${payloadHash}`, `sha256:${envelopeHash}`, ...inTotoIndexKeys(env.payloadType, payload));
  return { kind: 'dsse', apiVersion: '0.0.1', body, indexKeys };
}
