import { canonicalizeToBytes, sha256Hex } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { decodeDsseBase64, inTotoIndexKeys, verifyEnvelope, type DsseEnvelope } from './dsse-envelope.js';
import type { CanonicalEntry, EntryLimits } from './entry-type.js';
import { array, base64, hashField, object, string, subjectsOf, verificationKey } from './fields.js';

/**
 * intoto 0.0.2 (sigstore-js with legacyCompatibility). The envelope is structured,
 * and its `payload` and each `sig` are base64 of the DSSE base64 strings (double
 * encoded); each signature carries its own publicKey (base64 PEM).
 *
 *   canonical: {content: {envelope: {payloadType, signatures (as given)}, hash, payloadHash}}
 * Every signature must verify with its key. `content.hash` is the client's digest of
 * the envelope; upstream checks only its form, and so do we.
 */
export async function canonicalizeIntotoV002(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  const content = object(spec.content, 'spec.content');
  const envelope = object(content.envelope, 'spec.content.envelope');
  const payloadType = string(envelope.payloadType, 'spec.content.envelope.payloadType');
  const payloadB64 = base64(envelope.payload, 'spec.content.envelope.payload').toString('latin1');
  if (payloadB64.length > limits.maxEnvelopeBytes) throw new RekorError('MALFORMED_ENTRY', `spec.content.envelope.payload: larger than ${limits.maxEnvelopeBytes} bytes`);
  const sigItems = array(envelope.signatures, 'spec.content.envelope.signatures', limits.maxSignatures);
  if (sigItems.length === 0) throw new RekorError('MALFORMED_ENTRY', 'spec.content.envelope.signatures: at least one signature is required');
  const canonicalSigs: Record<string, string>[] = [];
  const env: DsseEnvelope = { payloadType, payload: payloadB64, signatures: [] };
  const keys = [];
  for (const [i, item] of sigItems.entries()) {
    const f = `spec.content.envelope.signatures[${i}]`;
    const o = object(item, f);
    const sigB64 = base64(o.sig, `${f}.sig`).toString('latin1');
    const keyBytes = base64(o.publicKey, `${f}.publicKey`);
    keys.push(verificationKey(keyBytes, `${f}.publicKey`));
    const keyid = o.keyid === undefined || o.keyid === '' ? undefined : string(o.keyid, `${f}.keyid`);
    env.signatures.push({ ...(keyid ? { keyid } : {}), sig: sigB64 });
    canonicalSigs.push({ ...(keyid ? { keyid } : {}), publicKey: keyBytes.toString('base64'), sig: Buffer.from(sigB64, 'latin1').toString('base64') });
  }
  const bySig = await verifyEnvelope(env, keys, 'spec.content.envelope');
  const hash = hashField(content.hash, 'spec.content.hash', ['sha256']);
  const payload = decodeDsseBase64(payloadB64, 'spec.content.envelope.payload');
  const payloadHash = sha256Hex(payload);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType, signatures: canonicalSigs },
        hash: { algorithm: hash.algorithm, value: hash.value },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
    },
  });
  const indexKeys: string[] = [];
  for (const k of new Set(bySig.values())) indexKeys.push(`sha256:${sha256Hex(Buffer.from(k.canonicalPem))}`, ...subjectsOf(k));
  indexKeys.push(`sha256:${hash.value}`, `sha256:${payloadHash}`, ...inTotoIndexKeys(payloadType, payload));
  return { kind: 'intoto', apiVersion: '0.0.2', body, indexKeys };
}
