import { ENTRY_TYPE } from '@sigstack/ctlog';

/**
 * The signed entry of an RFC 6962 MerkleTreeLeaf (§3.4):
 *   struct { Version version = v1(0); MerkleLeafType leaf_type = timestamped_entry(0);
 *     TimestampedEntry { uint64 timestamp; LogEntryType entry_type;
 *       select (entry_type) { case x509_entry: ASN.1Cert <1..2^24-1>;
 *                             case precert_entry: PreCert { opaque issuer_key_hash[32]; TBSCertificate <1..2^24-1>; } };
 *       CtExtensions extensions <0..2^16-1>; } }
 * Returns undefined for anything else (the monitor skips what it cannot read).
 */
export function decodeCtLeaf(leaf: Buffer): { type: 'x509'; der: Buffer } | { type: 'precert'; tbs: Buffer } | undefined {
  if (leaf.length < 12 || leaf[0] !== 0 || leaf[1] !== 0) return undefined;
  const type = leaf.readUInt16BE(10);
  let off = 12;
  if (type === ENTRY_TYPE.precert) off += 32;
  else if (type !== ENTRY_TYPE.x509) return undefined;
  if (off + 3 > leaf.length) return undefined;
  const len = leaf.readUIntBE(off, 3);
  const body = leaf.subarray(off + 3, off + 3 + len);
  if (body.length !== len || len === 0) return undefined;
  const ext = off + 3 + len;
  if (ext + 2 > leaf.length || ext + 2 + leaf.readUInt16BE(ext) !== leaf.length) return undefined;
  return type === ENTRY_TYPE.x509 ? { type: 'x509', der: body } : { type: 'precert', tbs: body };
}
