import { verifySignature, type VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { array, object, string } from './fields.js';

/** A DSSE envelope as JSON carries it (payload and sig are standard base64). */
export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body (protocols.md §2.6). */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const t = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** DSSE allows standard or URL-safe base64, padded or not, for payload and sig. */
export function decodeDsseBase64(s: string, field: string): Buffer {
  if (!B64.test(s) && !/^[A-Za-z0-9_-]*={0,2}$/.test(s)) throw new RekorError('MALFORMED_ENTRY', `${field}: not valid base64`);
  return Buffer.from(s, B64.test(s) ? 'base64' : 'base64url');
}

export function parseEnvelope(json: string, field: string, maxSignatures: number): DsseEnvelope {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new RekorError('MALFORMED_ENTRY', `${field}: not a JSON DSSE envelope`);
  }
  const env = object(raw, field);
  const payloadType = string(env.payloadType, `${field}.payloadType`);
  const payload = typeof env.payload === 'string' ? env.payload : string(env.payload, `${field}.payload`);
  const sigs = array(env.signatures, `${field}.signatures`, maxSignatures).map((s, i) => {
    const o = object(s, `${field}.signatures[${i}]`);
    const keyid = o.keyid === undefined || o.keyid === null ? undefined : typeof o.keyid === 'string' ? o.keyid : string(o.keyid, `${field}.signatures[${i}].keyid`);
    return { ...(keyid ? { keyid } : {}), sig: string(o.sig, `${field}.signatures[${i}].sig`) };
  });
  if (sigs.length === 0) throw new RekorError('MALFORMED_ENTRY', `${field}.signatures: the envelope must carry at least one signature`);
  return { payloadType, payload, signatures: sigs };
}

/**
 * Upstream's rule: every signature of the envelope must be verified by one of the
 * keys (over PAE, with SHA-256 for ECDSA/RSA as sigstore's LoadVerifier(SHA256)
 * does). Returns, per signature string, the key that verified it.
 */
export async function verifyEnvelope(env: DsseEnvelope, keys: VerificationKey[], field: string): Promise<Map<string, VerificationKey>> {
  const payload = decodeDsseBase64(env.payload, `${field}.payload`);
  const message = pae(env.payloadType, payload);
  const bySig = new Map<string, VerificationKey>();
  for (const [i, s] of env.signatures.entries()) {
    if (bySig.has(s.sig)) continue;
    const sig = decodeDsseBase64(s.sig, `${field}.signatures[${i}].sig`);
    for (const k of keys) {
      if (await verifySignature(k, message, sig, k.kind === 'ed25519' ? undefined : 'sha256')) {
        bySig.set(s.sig, k);
        break;
      }
    }
    if (!bySig.has(s.sig))
      throw new RekorError('INVALID_SIGNATURE', `${field}.signatures[${i}]: no given key verifies this signature (every signature must verify)`);
  }
  return bySig;
}

/** in-toto statement subjects and SLSA materials digests, as upstream indexes them. */
export function inTotoIndexKeys(payloadType: string, payload: Buffer): string[] {
  if (payloadType !== 'application/vnd.in-toto+json') return [];
  const out: string[] = [];
  try {
    const st = JSON.parse(payload.toString('utf8')) as { subject?: { digest?: Record<string, string> }[]; predicate?: { materials?: { digest?: Record<string, string> }[] } };
    for (const s of st.subject ?? []) for (const [alg, d] of Object.entries(s.digest ?? {})) if (typeof d === 'string') out.push(`${alg}:${d}`);
    for (const m of st.predicate?.materials ?? []) for (const [alg, d] of Object.entries(m.digest ?? {})) if (typeof d === 'string') out.push(`${alg}:${d}`);
  } catch {
    // Not a statement: no extra keys, as upstream.
  }
  return out;
}
