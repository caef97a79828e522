import { canonicalizeToBytes, sha256Hex } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { decodeDsseBase64, inTotoIndexKeys, parseEnvelope, pae } from './dsse-envelope.js';
import type { CanonicalEntry, EntryLimits } from './entry-type.js';
import { base64, object, string, subjectsOf, verificationKey } from './fields.js';
import { verifySignature } from '@sigstack/core';

/**
 * intoto 0.0.1 (cosign attest --rekor-entry-type=intoto).
 *
 *   proposed:  {publicKey: "<b64 PEM>", content: {envelope: "<DSSE JSON>"}}
 *   canonical: {content: {hash, payloadHash}, publicKey: "<b64 canonical PEM>"}
 * The envelope must carry a signature that the key verifies (upstream's
 * dsse VerifySignature accepts the envelope if one signature verifies).
 */
export async function canonicalizeIntotoV001(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  const vk = verificationKey(base64(spec.publicKey, 'spec.publicKey'), 'spec.publicKey');
  const content = object(spec.content, 'spec.content');
  const envelopeJson = string(content.envelope, 'spec.content.envelope');
  if (Buffer.byteLength(envelopeJson) > limits.maxEnvelopeBytes)
    throw new RekorError('MALFORMED_ENTRY', `spec.content.envelope: larger than ${limits.maxEnvelopeBytes} bytes`);
  const env = parseEnvelope(envelopeJson, 'spec.content.envelope', limits.maxSignatures);
  const payload = decodeDsseBase64(env.payload, 'spec.content.envelope.payload');
  const message = pae(env.payloadType, payload);
  let ok = false;
  for (const [i, s] of env.signatures.entries()) {
    if (await verifySignature(vk, message, decodeDsseBase64(s.sig, `spec.content.envelope.signatures[${i}].sig`), vk.kind === 'ed25519' ? undefined : 'sha256')) {
      ok = true;
      break;
    }
  }
  if (!ok) throw new RekorError('INVALID_SIGNATURE', 'spec.content.envelope: no signature of the envelope verifies with spec.publicKey');
  const pem = Buffer.from(vk.canonicalPem);
  const hash = sha256Hex(Buffer.from(envelopeJson, 'utf8'));
  const payloadHash = sha256Hex(payload);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: {
      content: { hash: { algorithm: 'sha256', value: hash }, payloadHash: { algorithm: 'sha256', value: payloadHash } },
      publicKey: pem.toString('base64'),
    },
  });
  const indexKeys = [`sha256:${hash}`, `sha256:${sha256Hex(pem)}`, ...subjectsOf(vk), `sha256:${payloadHash}`, ...inTotoIndexKeys(env.payloadType, payload)];
  return { kind: 'intoto', apiVersion: '0.0.1', body, indexKeys };
}
