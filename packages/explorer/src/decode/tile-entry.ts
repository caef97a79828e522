import { ExplorerError, fromBase64, fromUtf8, toHex } from '../bytes.js';

/**
 * A CT log entry as the stack's CT tiles hold it: the RFC 6962 §3.4 MerkleTreeLeaf
 * (the leaf hash input), one per entry of the entry bundle:
 *   version v1(0) ‖ leaf_type timestamped_entry(0) ‖ uint64 timestamp ‖ uint16 entry_type ‖
 *   x509_entry: uint24 length ‖ certificate DER
 *   precert_entry: issuer_key_hash[32] ‖ uint24 length ‖ TBSCertificate DER
 *   ‖ uint16 length ‖ extensions
 * (Not the static-ct-api TileLeaf: this log keeps its chains in extra_data, not in tiles.)
 */
export interface CtLeaf {
  timestampMs: number;
  entryType: 'x509' | 'precert';
  /** The certificate DER (x509) or the precertificate's TBSCertificate DER (precert). */
  der: Uint8Array;
  /** SHA-256 of the issuer's SubjectPublicKeyInfo (precert only). */
  issuerKeyHash?: Uint8Array;
  extensions: Uint8Array;
}

export function decodeCtLeaf(leaf: Uint8Array): CtLeaf {
  let off = 0;
  const need = (n: number, what: string) => {
    if (off + n > leaf.length) throw new ExplorerError('BAD_ENTRY', `the CT leaf is truncated (${what})`);
    const out = leaf.subarray(off, off + n);
    off += n;
    return out;
  };
  const head = need(2, 'version');
  if (head[0] !== 0 || head[1] !== 0) throw new ExplorerError('BAD_ENTRY', `not a v1 timestamped_entry leaf (version ${head[0]}, leaf type ${head[1]})`);
  const ts = need(8, 'timestamp');
  let timestampMs = 0;
  for (const b of ts) timestampMs = timestampMs * 256 + b;
  if (!Number.isSafeInteger(timestampMs)) throw new ExplorerError('BAD_ENTRY', 'the CT leaf timestamp is out of range');
  const type = need(2, 'entry type');
  const t = (type[0]! << 8) | type[1]!;
  if (t !== 0 && t !== 1) throw new ExplorerError('BAD_ENTRY', `unknown CT entry type ${t}`);
  const issuerKeyHash = t === 1 ? need(32, 'issuer key hash') : undefined;
  const len = need(3, 'certificate length');
  const der = need((len[0]! << 16) | (len[1]! << 8) | len[2]!, 'certificate');
  const extLen = need(2, 'extensions length');
  const extensions = need((extLen[0]! << 8) | extLen[1]!, 'extensions');
  if (off !== leaf.length) throw new ExplorerError('BAD_ENTRY', 'bytes after the CT leaf');
  return { timestampMs, entryType: t === 0 ? 'x509' : 'precert', der, ...(issuerKeyHash ? { issuerKeyHash } : {}), extensions };
}

/**
 * A Rekor v2 entry as the stack's Rekor v2 tiles hold it: the canonical JSON of the
 * entry (protobuf-JSON names), e.g.
 *   {"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm","digest"},"signature":{"content","verifier"}}}}
 *   {"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{"payloadHash":{…},"signatures":[{"content","verifier"}]}}}
 * where a verifier is {keyDetails, x509Certificate: {rawBytes}} or {keyDetails, publicKey: {rawBytes}}.
 */
export interface RekorV2Entry {
  kind: string;
  apiVersion: string;
  /** `sha256:…` of the artifact (hashedrekord) or of the DSSE payload. */
  artifactHash?: string;
  keyDetails?: string;
  certificateDer?: Uint8Array;
  publicKeyDer?: Uint8Array;
  signatures: number;
}

const PROTO_HASH: Record<string, string> = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' };

const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ExplorerError('BAD_ENTRY', `${what} is not an object`);
  return v as Record<string, unknown>;
};
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new ExplorerError('BAD_ENTRY', `${what} is not a string`);
  return v;
};

export function decodeRekorV2Entry(leaf: Uint8Array): RekorV2Entry {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(leaf, 'entry'));
  } catch (e) {
    throw e instanceof ExplorerError ? e : new ExplorerError('BAD_ENTRY', 'the entry is not JSON');
  }
  const top = obj(json, 'the entry');
  const kind = str(top.kind, 'kind');
  const apiVersion = str(top.apiVersion, 'apiVersion');
  const spec = obj(top.spec, 'spec');
  const hashOf = (h: unknown, what: string) => {
    const o = obj(h, what);
    return `${PROTO_HASH[str(o.algorithm, `${what}.algorithm`)] ?? str(o.algorithm, `${what}.algorithm`)}:${toHex(fromBase64(str(o.digest, `${what}.digest`), `${what}.digest`))}`;
  };
  const verifierOf = (v: unknown, out: RekorV2Entry) => {
    const o = obj(v, 'verifier');
    if (typeof o.keyDetails === 'string') out.keyDetails = o.keyDetails;
    if (o.x509Certificate !== undefined) out.certificateDer = fromBase64(str(obj(o.x509Certificate, 'x509Certificate').rawBytes, 'x509Certificate.rawBytes'), 'certificate');
    else if (o.publicKey !== undefined) out.publicKeyDer = fromBase64(str(obj(o.publicKey, 'publicKey').rawBytes, 'publicKey.rawBytes'), 'public key');
  };
  const out: RekorV2Entry = { kind, apiVersion, signatures: 0 };
  if (kind === 'hashedrekord' && spec.hashedRekordV002 !== undefined) {
    const h = obj(spec.hashedRekordV002, 'hashedRekordV002');
    out.artifactHash = hashOf(h.data, 'data');
    verifierOf(obj(h.signature, 'signature').verifier, out);
    out.signatures = 1;
  } else if (kind === 'dsse' && spec.dsseV002 !== undefined) {
    const d = obj(spec.dsseV002, 'dsseV002');
    out.artifactHash = hashOf(d.payloadHash, 'payloadHash');
    const sigs = Array.isArray(d.signatures) ? d.signatures : [];
    out.signatures = sigs.length;
    if (sigs[0] !== undefined) verifierOf(obj(sigs[0], 'signatures[0]').verifier, out);
  }
  return out;
}
