import { canonicalizeToBytes, sha256Hex } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { decodeEnvelope, signatureAcceptedBy, type DsseEnvelope } from './dsse-envelope.js';
import { assertWithinLimit } from './entry-limits.js';
import type { CanonicalEntry, EntryLimits } from './entry.types.js';
import { array, base64, base64DecodedLength, bodyString, decodeStdBase64, hashField, isAbsent, object, optionalObject } from './fields.js';
import { IN_TOTO_PAYLOAD_TYPE, intotoStatementKeys } from './in-toto-index-keys.js';
import { parseX509Key, type X509Key } from './x509-key.js';

/**
 * intoto 0.0.2 (sigstore-js with legacyCompatibility, e.g. older npm provenance;
 * rekor-cli `upload --type intoto:0.0.2`).
 *
 *   proposed:  {content: {envelope: {payloadType, payload, signatures: [{keyid?, sig, publicKey}]}, hash, payloadHash?}}
 *   canonical: {content: {envelope: {payloadType, signatures}, hash, payloadHash}}
 *
 * `payload` and each `sig` are base64 of the DSSE envelope's own base64 text (double
 * encoded); each signature carries its key (base64 of PEM).
 *
 * Ported from sigstore/rekor pkg/types/intoto/v0.0.2/entry.go (DecodeEntry,
 * Unmarshal, verifyEnvelope, Canonicalize, IndexKeys, Insertable):
 * - payloadType, payload and at least one signature, each with sig and publicKey;
 * - every signature's key is consulted (in signature order) and must verify one
 *   signature (the first in envelope order that it verifies; keyid plays no part), and
 *   every distinct signature must be verified by some key;
 * - the inner payload must be standard base64 (upstream hashes it after StdEncoding);
 * - content.hash is the client's digest of its envelope and cannot be recomputed
 *   (sigstore-js hashes a JCS form of it, rekor-cli the file it read), so it is kept
 *   as given once its form is checked; payloadHash is computed (a client value is ignored);
 * - signatures are stored as given (keyid omitted when empty, sig and publicKey
 *   re-encoded from their decoded bytes, i.e. the key is NOT re-encoded as Go PEM).
 * Index keys: per signature `sha256:<hex SHA-256 of the key's canonical PEM>` and the
 * certificate's SANs, `sha256:<payloadHash>` (not content.hash: upstream leaves it
 * out), then for in-toto statements the subject and SLSA 0.2 material digests. If an
 * in-toto payload does not decode as a statement, upstream's IndexKeys fails and
 * nothing is indexed; so nothing is.
 */
export async function canonicalizeIntotoV002(spec: Record<string, unknown>, limits: EntryLimits): Promise<CanonicalEntry> {
  const content = object(spec.content, 'spec.content');
  const env = object(content.envelope, 'spec.content.envelope');
  const payloadType = bodyString(env.payloadType, 'spec.content.envelope.payloadType');
  if (typeof env.payload === 'string') assertWithinLimit(base64DecodedLength(env.payload), limits.maxEnvelopeBytes, 'spec.content.envelope.payload');
  const payloadText = base64(env.payload, 'spec.content.envelope.payload').toString('latin1');

  const items = array(env.signatures, 'spec.content.envelope.signatures', limits.maxSignatures);
  if (items.length === 0) throw new RekorError('MALFORMED_ENTRY', 'spec.content.envelope.signatures: at least one signature is required');
  const envelope: DsseEnvelope = { payloadType, payload: payloadText, signatures: [] };
  const keys: X509Key[] = [];
  const stored: Record<string, string>[] = [];
  for (const [i, item] of items.entries()) {
    const field = `spec.content.envelope.signatures[${i}]`;
    const o = object(item, field);
    const sig = base64(o.sig, `${field}.sig`);
    const keyBytes = base64(o.publicKey, `${field}.publicKey`);
    keys.push(parseX509Key(keyBytes, `${field}.publicKey`, limits.maxKeyBytes));
    const keyid = isAbsent(o.keyid) || o.keyid === '' ? '' : bodyString(o.keyid, `${field}.keyid`);
    envelope.signatures.push({ keyid, sig: sig.toString('latin1') });
    stored.push({ ...(keyid ? { keyid } : {}), publicKey: keyBytes.toString('base64'), sig: sig.toString('base64') });
  }

  const hash = hashField(content.hash, 'spec.content.hash', ['sha256']);
  const clientPayloadHash = optionalObject(content.payloadHash, 'spec.content.payloadHash');
  if (clientPayloadHash && (clientPayloadHash.algorithm !== 'sha256' || typeof clientPayloadHash.value !== 'string'))
    throw new RekorError('MALFORMED_ENTRY', 'spec.content.payloadHash: computed by the log; if sent, it must be {algorithm: "sha256", value: <string>}');

  const decoded = decodeEnvelope(envelope, 'spec.content.envelope');
  const unverified = new Set(envelope.signatures.map((s) => s.sig));
  for (const [i, key] of keys.entries()) {
    const accepted = await signatureAcceptedBy(decoded, key.vk);
    if (accepted === undefined)
      throw new RekorError('INVALID_SIGNATURE', `spec.content.envelope.signatures[${i}].publicKey: verifies no signature of the envelope (every key must verify one)`);
    unverified.delete(envelope.signatures[accepted]!.sig);
  }
  if (unverified.size > 0) {
    const i = envelope.signatures.findIndex((s) => unverified.has(s.sig));
    throw new RekorError('INVALID_SIGNATURE', `spec.content.envelope.signatures[${i}].sig: no key verifies this signature (every signature must verify)`);
  }
  if (isAbsent(decodeStdBase64(payloadText)))
    throw new RekorError('MALFORMED_ENTRY', 'spec.content.envelope.payload: the inner payload must be standard base64 for intoto entries');

  const payloadHash = sha256Hex(decoded.payload);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType, signatures: stored },
        hash: { algorithm: hash.algorithm, value: hash.value },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
      },
    },
  });

  let indexKeys: string[] = [];
  for (const key of keys) indexKeys.push(`sha256:${sha256Hex(key.canonicalPem)}`, ...key.subjects);
  indexKeys.push(`sha256:${payloadHash}`);
  if (payloadType === IN_TOTO_PAYLOAD_TYPE) {
    const statementKeys = intotoStatementKeys(decoded.payload);
    indexKeys = statementKeys ? [...indexKeys, ...statementKeys] : [];
  }
  return { kind: 'intoto', apiVersion: '0.0.2', body, indexKeys };
}
