import { octetString } from '@sigstack/x509';
import { CtLogError } from '../errors.js';

/**
 * The TLS-encoded structures of RFC 6962 (§3.2, §3.4, §3.5), byte for byte. The
 * presentation language is quoted above each encoder.
 */

/** enum { x509_entry(0), precert_entry(1), (65535) } LogEntryType; */
export const ENTRY_TYPE = { x509: 0, precert: 1 } as const;
export type EntryType = (typeof ENTRY_TYPE)[keyof typeof ENTRY_TYPE];

/** HashAlgorithm sha256(4), SignatureAlgorithm ecdsa(3) (RFC 5246 §7.4.1.4.1). */
const HASH_SHA256 = 4;
const SIG_ECDSA = 3;
const LOG_ID_SIZE = 32;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  if (n > 0xffffff) throw new CtLogError('INVALID_CERTIFICATE', `a certificate of ${n} bytes does not fit a TLS opaque<1..2^24-1>`);
  return Buffer.from([(n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/**
 *   opaque ASN.1Cert<1..2^24-1>;
 *   struct { opaque issuer_key_hash[32]; TBSCertificate tbs_certificate; } PreCert;
 *   select (entry_type) { case x509_entry: ASN.1Cert; case precert_entry: PreCert; } signed_entry
 * (tbs_certificate is itself encoded as opaque<1..2^24-1>.)
 */
export function encodeSignedEntry(type: EntryType, der: Buffer, issuerKeyHash?: Buffer): Buffer {
  if (type === ENTRY_TYPE.x509) return Buffer.concat([u24(der.length), der]);
  if (!issuerKeyHash || issuerKeyHash.length !== 32) throw new RangeError('a precert entry needs a 32-byte issuer_key_hash');
  return Buffer.concat([issuerKeyHash, u24(der.length), der]);
}

/**
 * The bytes the SCT signature covers (RFC 6962 §3.2):
 *   digitally-signed struct { Version sct_version = v1(0);
 *     SignatureType signature_type = certificate_timestamp(0); uint64 timestamp;
 *     LogEntryType entry_type; signed_entry; CtExtensions extensions<0..2^16-1>; }
 * In v1 these are exactly the bytes of the MerkleTreeLeaf (§3.4: version v1(0),
 * leaf_type timestamped_entry(0), then the same TimestampedEntry fields), so the leaf
 * stored in the tree is also the SCT's signature input.
 */
export function encodeTimestampedEntry(timestampMs: number, type: EntryType, signedEntry: Buffer, extensions: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([0, 0]), u64(timestampMs), u16(type), signedEntry, u16(extensions.length), extensions]);
}

/** MerkleTreeLeaf (RFC 6962 §3.4); see encodeTimestampedEntry for why it is the same bytes. */
export const encodeMerkleTreeLeaf = encodeTimestampedEntry;

/**
 * TreeHeadSignature input (RFC 6962 §3.5):
 *   digitally-signed struct { Version version = v1(0); SignatureType signature_type = tree_hash(1);
 *     uint64 timestamp; uint64 tree_size; opaque sha256_root_hash[32]; }
 */
export function encodeTreeHeadInput(timestampMs: number, treeSize: number, rootHash: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 1]), u64(timestampMs), u64(treeSize), rootHash]);
}

/** DigitallySigned (RFC 5246 §4.7): sha256(4) ‖ ecdsa(3) ‖ uint16 length ‖ DER ECDSA signature. */
export function encodeDigitallySigned(derSignature: Buffer): Buffer {
  return Buffer.concat([Buffer.from([HASH_SHA256, SIG_ECDSA]), u16(derSignature.length), derSignature]);
}

/** A decoded SignedCertificateTimestamp. */
export interface Sct {
  version: number;
  logId: Buffer;
  timestampMs: number;
  extensions: Buffer;
  hashAlgorithm: number;
  signatureAlgorithm: number;
  signature: Buffer;
}

/**
 *   struct { Version sct_version; LogID id; uint64 timestamp;
 *     CtExtensions extensions; digitally-signed struct {...}; } SignedCertificateTimestamp;
 */
export function encodeSct(logId: Buffer, timestampMs: number, extensions: Buffer, digitallySigned: Buffer): Buffer {
  if (logId.length !== LOG_ID_SIZE) throw new RangeError('a log ID is 32 bytes');
  return Buffer.concat([Buffer.from([0]), logId, u64(timestampMs), u16(extensions.length), extensions, digitallySigned]);
}

export function decodeSct(b: Buffer): Sct {
  const bad = (why: string) => new CtLogError('INVALID_SCT', `malformed SCT: ${why}`);
  if (b.length < 1 + 32 + 8 + 2) throw bad('truncated');
  const version = b[0]!;
  if (version !== 0) throw bad(`version ${version} is not v1`);
  const logId = b.subarray(1, 33);
  const ts = b.readBigUInt64BE(33);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('timestamp out of range');
  let off = 41;
  const extLen = b.readUInt16BE(off);
  off += 2;
  if (off + extLen + 4 > b.length) throw bad('truncated');
  const extensions = b.subarray(off, off + extLen);
  off += extLen;
  const hashAlgorithm = b[off]!;
  const signatureAlgorithm = b[off + 1]!;
  const sigLen = b.readUInt16BE(off + 2);
  off += 4;
  if (off + sigLen !== b.length) throw bad('signature length does not match');
  return { version, logId, timestampMs: Number(ts), extensions, hashAlgorithm, signatureAlgorithm, signature: b.subarray(off) };
}

/** SignedCertificateTimestampList (RFC 6962 §3.3): opaque SerializedSCT<1..2^16-1>; SerializedSCT sct_list<1..2^16-1>; */
export function encodeSctList(scts: readonly Buffer[]): Buffer {
  if (scts.length === 0) throw new RangeError('an SCT list holds at least one SCT');
  const items = scts.map((s) => {
    if (s.length === 0 || s.length > 0xffff) throw new RangeError('an SCT is 1..65535 bytes');
    return Buffer.concat([u16(s.length), s]);
  });
  const body = Buffer.concat(items);
  if (body.length > 0xffff) throw new RangeError('an SCT list is at most 65535 bytes');
  return Buffer.concat([u16(body.length), body]);
}

export function decodeSctList(b: Buffer): Buffer[] {
  const bad = (why: string) => new CtLogError('INVALID_SCT', `malformed SCT list: ${why}`);
  if (b.length < 2 || b.readUInt16BE(0) !== b.length - 2) throw bad('list length does not match');
  const out: Buffer[] = [];
  let off = 2;
  while (off < b.length) {
    if (off + 2 > b.length) throw bad('truncated');
    const n = b.readUInt16BE(off);
    off += 2;
    if (n === 0 || off + n > b.length) throw bad('SCT length out of range');
    out.push(b.subarray(off, off + n));
    off += n;
  }
  if (out.length === 0) throw bad('empty');
  return out;
}

/**
 * The extnValue contents of the embedded SCT list extension (RFC 6962 §3.3,
 * protocols.md §5.3): an OCTET STRING wrapping the TLS SignedCertificateTimestampList.
 * The Extension's own extnValue OCTET STRING goes around this (e.g. pkijs
 * `new Extension({ extnID: '1.3.6.1.4.1.11129.2.4.2', critical: false, extnValue })`).
 */
export function encodeSctListExtensionValue(scts: Buffer[]): Buffer {
  const list = encodeSctList(scts);
  return octetString(list);
}
