import { createHash, X509Certificate } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import { ClientError } from '../errors.js';

/**
 * cosign 2's signatures before the Sigstore bundle: a signature (or a DSSE envelope),
 * a certificate or public key, cosign's "Rekor bundle" (the SET with the entry's body,
 * integrated time, index and log ID) and an RFC 3161 timestamp, stored as the
 * annotations of an image's `.sig`/`.att` layer or as the fields of a blob's
 * `--bundle` file. Both become the Sigstore bundle the verifier checks, as cosign 2 and
 * sigstore-go do: v0.1 with the SET as inclusion promise when there is a Rekor bundle
 * (this format stores no inclusion proof), v0.3 with only timestamps otherwise.
 */
export interface LegacySignatureParts {
  /** Names the source in errors. */
  where: string;
  /** The signing certificate then its chain; empty for a key signature. */
  certificatesDer: Buffer[];
  /** cosign's Rekor bundle, as JSON text. */
  rekorBundleJson?: string;
  /** `{"SignedRFC3161Timestamp": base64}`, as JSON text. */
  rfc3161Json?: string;
  content: { kind: 'message'; signatureB64: string; digest: Buffer } | { kind: 'dsse'; envelopeBytes: Uint8Array };
}

/** cosign's `bundle.RekorBundle`. */
export interface RekorSetBundle {
  SignedEntryTimestamp: string;
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

export function parseRekorSetBundle(text: string, where: string): RekorSetBundle {
  let doc: RekorSetBundle;
  try {
    doc = JSON.parse(text) as RekorSetBundle;
  } catch (e) {
    throw new ClientError('BUNDLE_INVALID', `${where}: the Rekor bundle is not JSON`, { cause: e });
  }
  const p = doc?.Payload;
  if (typeof doc?.SignedEntryTimestamp !== 'string' || typeof p?.body !== 'string' || !Number.isSafeInteger(p.integratedTime) || !Number.isSafeInteger(p.logIndex) || typeof p.logID !== 'string' || !/^[0-9a-f]{64}$/i.test(p.logID))
    throw new ClientError('BUNDLE_INVALID', `${where}: the Rekor bundle lacks SignedEntryTimestamp or Payload{body, integratedTime, logIndex, logID}`);
  return doc;
}

/** The Rekor entry body of a Rekor bundle, parsed. */
export function rekorBundleBody(rb: RekorSetBundle, where: string): { kind: string; apiVersion: string; spec?: Record<string, unknown> } {
  let body: { kind?: unknown; apiVersion?: unknown; spec?: Record<string, unknown> };
  try {
    body = JSON.parse(Buffer.from(rb.Payload.body, 'base64').toString('utf8')) as typeof body;
  } catch (e) {
    throw new ClientError('BUNDLE_INVALID', `${where}: the Rekor entry body is not base64 JSON`, { cause: e });
  }
  if (typeof body?.kind !== 'string' || typeof body.apiVersion !== 'string') throw new ClientError('BUNDLE_INVALID', `${where}: the Rekor entry body has no kind/apiVersion`);
  return body as { kind: string; apiVersion: string; spec?: Record<string, unknown> };
}

/** DER certificates of a PEM text, each checked to parse. */
export function pemToDers(pem: string, where: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    const der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
    try {
      new X509Certificate(der);
    } catch (e) {
      throw new ClientError('VERIFY_CERTIFICATE', `${where}: a certificate does not parse`, { cause: e });
    }
    out.push(der);
  }
  return out;
}

export function legacySignatureToBundle(p: LegacySignatureParts): SerializedBundle {
  const { where } = p;
  const tlogEntries: SerializedBundle['verificationMaterial']['tlogEntries'] = [];
  if (p.rekorBundleJson !== undefined) {
    const rb = parseRekorSetBundle(p.rekorBundleJson, where);
    const body = rekorBundleBody(rb, where);
    tlogEntries.push({
      logIndex: String(rb.Payload.logIndex),
      logId: { keyId: Buffer.from(rb.Payload.logID, 'hex').toString('base64') },
      kindVersion: { kind: body.kind, version: body.apiVersion },
      integratedTime: String(rb.Payload.integratedTime),
      inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
      inclusionProof: undefined,
      canonicalizedBody: rb.Payload.body,
    });
  }
  let timestampVerificationData: SerializedBundle['verificationMaterial']['timestampVerificationData'];
  if (p.rfc3161Json !== undefined) {
    let ts: { SignedRFC3161Timestamp?: unknown };
    try {
      ts = JSON.parse(p.rfc3161Json) as typeof ts;
    } catch (e) {
      throw new ClientError('BUNDLE_INVALID', `${where}: the RFC 3161 timestamp is not JSON`, { cause: e });
    }
    if (typeof ts?.SignedRFC3161Timestamp !== 'string') throw new ClientError('BUNDLE_INVALID', `${where}: the RFC 3161 timestamp has no SignedRFC3161Timestamp`);
    timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: ts.SignedRFC3161Timestamp }] };
  }
  // cosign 2 stores the whole chain up to the root beside the signature; a bundle may
  // not carry a root (trust anchors come from the trusted root only), so self-signed
  // certificates past the leaf are left out.
  const certs = p.certificatesDer.filter((der, i) => i === 0 || !isSelfSigned(der));
  const v01 = tlogEntries.length > 0;
  const material =
    certs.length === 0
      ? { publicKey: { hint: '' }, x509CertificateChain: undefined, certificate: undefined }
      : v01
        ? { x509CertificateChain: { certificates: certs.map((c) => ({ rawBytes: c.toString('base64') })) }, publicKey: undefined, certificate: undefined }
        : { certificate: { rawBytes: certs[0]!.toString('base64') }, x509CertificateChain: undefined, publicKey: undefined };
  const verificationMaterial = { ...material, tlogEntries, timestampVerificationData };
  const mediaType = v01 ? 'application/vnd.dev.sigstore.bundle+json;version=0.1' : 'application/vnd.dev.sigstore.bundle.v0.3+json';
  if (p.content.kind === 'message') {
    if (!p.content.signatureB64) throw new ClientError('BUNDLE_INVALID', `${where}: no signature`);
    return {
      mediaType,
      verificationMaterial,
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: p.content.digest.toString('base64') }, signature: p.content.signatureB64 },
      dsseEnvelope: undefined,
    };
  }
  let env: { payload?: unknown; payloadType?: unknown; signatures?: unknown };
  try {
    env = JSON.parse(Buffer.from(p.content.envelopeBytes).toString('utf8')) as typeof env;
  } catch (e) {
    throw new ClientError('BUNDLE_INVALID', `${where}: the DSSE envelope is not JSON`, { cause: e });
  }
  if (typeof env?.payload !== 'string' || typeof env.payloadType !== 'string' || !Array.isArray(env.signatures) || env.signatures.length === 0)
    throw new ClientError('BUNDLE_INVALID', `${where}: the DSSE envelope lacks payload, payloadType or signatures`);
  const signatures = (env.signatures as { sig?: unknown; keyid?: unknown }[]).map((s) => {
    if (typeof s?.sig !== 'string') throw new ClientError('BUNDLE_INVALID', `${where}: a DSSE signature has no sig`);
    return { sig: s.sig, keyid: typeof s.keyid === 'string' ? s.keyid : '' };
  });
  return { mediaType, verificationMaterial, dsseEnvelope: { payload: env.payload, payloadType: env.payloadType, signatures }, messageSignature: undefined };
}

function isSelfSigned(der: Buffer): boolean {
  const c = new X509Certificate(der);
  return c.issuer === c.subject && c.verify(c.publicKey);
}

/** Whether parsed JSON is cosign 2's legacy blob `--bundle` file. */
export function isLegacyBlobBundle(json: unknown): json is { base64Signature: string; cert?: string; rekorBundle?: unknown; RFC3161Timestamp?: unknown } {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && typeof (json as { base64Signature?: unknown }).base64Signature === 'string' && !('mediaType' in json);
}

/**
 * cosign 2's blob `--bundle` file as a Sigstore bundle: `base64Signature` is the
 * signature (sign-blob) or the DSSE envelope (attest-blob), `cert` a base64 PEM
 * certificate or, for key signatures, public key, `rekorBundle` the Rekor bundle. A
 * message signature's digest is the one the log entry recorded (the verifier then
 * compares it with the artifact's).
 */
export function legacyBlobBundleToBundle(json: { base64Signature: string; cert?: string; rekorBundle?: unknown; RFC3161Timestamp?: unknown }, where: string): SerializedBundle {
  const certPem = json.cert ? Buffer.from(json.cert, 'base64').toString('utf8') : '';
  const certificatesDer = certPem.includes('BEGIN CERTIFICATE') ? pemToDers(certPem, `${where} cert`) : [];
  const rekorBundleJson = json.rekorBundle !== undefined && json.rekorBundle !== null ? JSON.stringify(json.rekorBundle) : undefined;
  const rfc3161Json = json.RFC3161Timestamp ? JSON.stringify(json.RFC3161Timestamp) : undefined;
  const decoded = Buffer.from(json.base64Signature, 'base64');
  const common = { where, certificatesDer, ...(rekorBundleJson ? { rekorBundleJson } : {}), ...(rfc3161Json ? { rfc3161Json } : {}) };
  if (decoded[0] === 0x7b /* { */) return legacySignatureToBundle({ ...common, content: { kind: 'dsse', envelopeBytes: decoded } });
  if (!rekorBundleJson) throw new ClientError('BUNDLE_INVALID', `${where}: a cosign 2 bundle without a Rekor bundle says nothing of what was signed; pass a Sigstore bundle`);
  const body = rekorBundleBody(parseRekorSetBundle(rekorBundleJson, where), where);
  const hash = (body.spec?.['data'] as { hash?: { algorithm?: unknown; value?: unknown } } | undefined)?.hash;
  if (body.kind !== 'hashedrekord' || hash?.algorithm !== 'sha256' || typeof hash.value !== 'string' || !/^[0-9a-f]{64}$/.test(hash.value))
    throw new ClientError('BUNDLE_INVALID', `${where}: the Rekor entry is a ${body.kind}, not a hashedrekord with a sha256 digest`);
  return legacySignatureToBundle({ ...common, content: { kind: 'message', signatureB64: json.base64Signature, digest: Buffer.from(hash.value, 'hex') } });
}
