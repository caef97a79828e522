import type { VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { decodeStdBase64, decodeUrlBase64 } from './fields.js';
import { goDecodes, goField, goSlice, type GoShape } from './go-json.js';
import { messageSignatureVerifies } from './message-signature.js';

/**
 * A DSSE envelope as go-securesystemslib's dsse.Envelope holds it: `payload` and each
 * `sig` are still base64 text; absent or null fields are empty strings.
 */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** The envelope with payload and signatures decoded, and the PAE that was signed. */
export interface DecodedEnvelope {
  envelope: DsseEnvelope;
  payload: Buffer;
  /** Decoded signatures, index-aligned with envelope.signatures. */
  signatures: Buffer[];
  /** PAE(payloadType, payload): the signed message. */
  message: Buffer;
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body (protocols.md §2.6). */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

/**
 * go-securesystemslib's b64Decode: standard base64, else URL-safe base64 (both padded,
 * as Go's StdEncoding/URLEncoding require). Strict about the rest (see fields.ts).
 */
export function decodeDsseBase64(s: string, field: string): Buffer {
  const b = decodeStdBase64(s) ?? decodeUrlBase64(s);
  if (!b) throw new RekorError('MALFORMED_ENTRY', `${field}: not valid base64 (standard or URL-safe, padded)`);
  return b;
}

const ENVELOPE: GoShape = {
  fields: {
    payloadType: 'string',
    payload: 'string',
    signatures: { array: { fields: { keyid: 'string', sig: 'string' } } },
  },
};

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** An envelope object as Go's json.Unmarshal into dsse.Envelope reads it; MALFORMED_ENTRY naming `field` otherwise. */
export function readEnvelope(raw: unknown, field: string, maxSignatures: number): DsseEnvelope {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !goDecodes(raw, ENVELOPE))
    throw new RekorError('MALFORMED_ENTRY', `${field}: not a DSSE envelope (payloadType, payload: strings; signatures: [{keyid, sig}])`);
  const obj = raw as Record<string, unknown>;
  const sigs = goSlice(goField(obj, 'signatures'));
  if (sigs.length === 0) throw new RekorError('MALFORMED_ENTRY', `${field}.signatures: the envelope must carry at least one signature`);
  if (sigs.length > maxSignatures)
    throw new RekorError('MALFORMED_ENTRY', `${field}.signatures: at most ${maxSignatures} signatures are accepted, got ${sigs.length}`);
  return {
    payloadType: str(goField(obj, 'payloadType')),
    payload: str(goField(obj, 'payload')),
    signatures: sigs.map((s) => {
      const o = (s ?? {}) as Record<string, unknown>;
      return { keyid: str(goField(o, 'keyid')), sig: str(goField(o, 'sig')) };
    }),
  };
}

/** An envelope given as a JSON string (dsse 0.0.1, intoto 0.0.1). */
export function parseEnvelopeJson(json: string, field: string, maxSignatures: number): DsseEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new RekorError('MALFORMED_ENTRY', `${field}: not valid JSON`);
  }
  return readEnvelope(raw, field, maxSignatures);
}

/**
 * Decodes payload and signatures as go-securesystemslib's VerifyAndDecode does before
 * verifying anything (any undecodable one fails the whole envelope).
 */
export function decodeEnvelope(envelope: DsseEnvelope, field: string): DecodedEnvelope {
  const payload = decodeDsseBase64(envelope.payload, `${field}.payload`);
  const signatures = envelope.signatures.map((s, i) => decodeDsseBase64(s.sig, `${field}.signatures[${i}].sig`));
  return { envelope, payload, signatures, message: pae(envelope.payloadType, payload) };
}

/**
 * The signature one verifier accepts, as go-securesystemslib's EnvelopeVerifier with
 * that single verifier (threshold 1) decides: the first signature, in envelope order,
 * that the key verifies, skipping signatures whose non-empty `keyid` differs from the
 * verifier's key ID when the verifier has one. Once a verifier has accepted a
 * signature it is used up, so one verifier never accounts for two signatures.
 * Undefined when it verifies none (upstream: "accepted signatures do not match threshold").
 */
export async function signatureAcceptedBy(decoded: DecodedEnvelope, vk: VerificationKey, verifierKeyId?: string): Promise<number | undefined> {
  for (const [i, s] of decoded.envelope.signatures.entries()) {
    if (verifierKeyId !== undefined && s.keyid !== '' && s.keyid !== verifierKeyId) continue;
    if (await messageSignatureVerifies(vk, decoded.message, decoded.signatures[i]!)) return i;
  }
  return undefined;
}
