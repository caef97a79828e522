import { canonicalizeToBytes, sha256, verifyPrehashedSignature, verifySignature, type HashAlgorithm, type VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { pae } from '../types/dsse-envelope.js';
import type { EntryLimits } from '../types/entry.types.js';
import type { CanonicalV2Entry } from './entry.types.js';
import { bytesField, readMessage, repeatedField, requireField, stringField } from './protojson.js';
import { readVerifier, type ParsedVerifier, type VerifierJson } from './verifier.js';

/** Upstream's bounds on a dsse 0.0.2 request (rekor-tiles pkg/types/dsse before its removal). */
export const MAX_DSSE_VERIFIERS = 10;
export const MAX_DSSE_SIGNATURES = 10;

/**
 * dsse 0.0.2 (deprecated upstream, accepted here for sigstore-js; protocols.md §7.8):
 *
 *   request: {envelope: {payload, payloadType, signatures: [{sig, keyid}]}, verifiers: [Verifier]}
 *   entry:   {apiVersion: "0.0.2", kind: "dsse",
 *             spec: {dsseV002: {payloadHash: {algorithm: SHA2_256, digest}, signatures: [{content, verifier}]}}}
 *
 * As upstream's last version (rekor-tiles pkg/types/dsse, removed in #744): 1–10
 * verifiers, no two with the same key bytes; 1–10 envelope signatures, none empty;
 * every verifier's keyDetails accepted (and, here, the key's own); **every**
 * signature verified by one of the verifiers over PAE(payloadType, payload), with
 * the hash keyDetails implies (Ed25519: pure Ed25519 over the PAE, as upstream's
 * LoadVerifier gave). The entry lists the signatures sorted by their bytes, each with
 * the verifier that verified it; payloadHash is SHA-256 of the payload.
 *
 * Who can verify such entries: sigstore-js and sigstore-go ≤ 1.1 (cosign 3.0);
 * not sigstore-go ≥ 1.2 (cosign 3.1), which logs DSSE as hashedrekord over the PAE's
 * digest and parses only hashedrekord 0.0.2 bodies.
 */
export async function canonicalizeDsseV002(req: unknown, field: string, limits: EntryLimits): Promise<CanonicalV2Entry> {
  const msg = readMessage(req, field, { envelope: 'envelope', verifiers: 'verifiers' });
  const envField = `${field}.envelope`;
  const env = readMessage(requireField(msg, 'envelope', field), envField, { payload: 'payload', payloadType: 'payloadType', signatures: 'signatures' });
  const payload = bytesField(requireField(env, 'payload', envField), `${envField}.payload`, { maxBytes: limits.maxEnvelopeBytes });
  const payloadType = stringField(env.payloadType, `${envField}.payloadType`);
  const rawSigs = repeatedField(env.signatures, `${envField}.signatures`, Math.min(MAX_DSSE_SIGNATURES, limits.maxSignatures));
  if (rawSigs.length === 0) throw new RekorError('MALFORMED_ENTRY', `${envField}.signatures: the envelope must carry at least one signature`);
  const sigs = rawSigs.map((s, i) => {
    const f = `${envField}.signatures[${i}]`;
    const m = readMessage(s, f, { sig: 'sig', keyid: 'keyid' });
    stringField(m.keyid, `${f}.keyid`);
    return bytesField(requireField(m, 'sig', f), `${f}.sig`, { maxBytes: 4096 });
  });

  const rawVerifiers = repeatedField(msg.verifiers, `${field}.verifiers`, MAX_DSSE_VERIFIERS);
  if (rawVerifiers.length === 0) throw new RekorError('MALFORMED_ENTRY', `${field}.verifiers: at least one verifier is required`);
  const verifiers: ParsedVerifier[] = [];
  for (const [i, raw] of rawVerifiers.entries()) {
    const v = readVerifier(raw, `${field}.verifiers[${i}]`, limits.maxKeyBytes);
    if (verifiers.some((w) => w.rawBytes.equals(v.rawBytes))) throw new RekorError('MALFORMED_ENTRY', `${field}.verifiers[${i}]: duplicate verifier`);
    verifiers.push(v);
  }

  const message = pae(payloadType, payload);
  const signed: { content: Buffer; verifier: VerifierJson }[] = [];
  for (const [i, sig] of sigs.entries()) {
    let by: ParsedVerifier | undefined;
    for (const v of verifiers) {
      if (await verifiesOverMessage(v.vk, v.hash, message, sig)) {
        by = v;
        break;
      }
    }
    if (!by) throw new RekorError('INVALID_SIGNATURE', `${envField}.signatures[${i}].sig: no verifier's key verifies this signature over the envelope's PAE`);
    if (signed.some((s) => s.content.equals(sig))) throw new RekorError('MALFORMED_ENTRY', `${envField}.signatures[${i}]: duplicate signature`);
    signed.push({ content: sig, verifier: by.json });
  }
  signed.sort((a, b) => Buffer.compare(a.content, b.content));

  const body = canonicalizeToBytes({
    apiVersion: '0.0.2',
    kind: 'dsse',
    spec: {
      dsseV002: {
        payloadHash: { algorithm: 'SHA2_256', digest: sha256(payload).toString('base64') },
        signatures: signed.map((s) => ({ content: s.content.toString('base64'), verifier: s.verifier })),
      },
    },
  });
  return { kind: 'dsse', version: '0.0.2', body };
}

function verifiesOverMessage(vk: VerificationKey, hash: HashAlgorithm, message: Buffer, sig: Buffer): Promise<boolean> | boolean {
  if (vk.kind === 'ed25519') return verifySignature(vk, message, sig);
  // RSA PKCS #1 v1.5 only (core's verifySignature would also accept PSS).
  if (vk.kind === 'rsa') return verifyPrehashedSignature(vk, 'sha256', sha256(message), sig);
  return verifySignature(vk, message, sig, hash);
}
