import { verify as cryptoVerify } from 'node:crypto';
import { contents, OID, readDer } from '@sigstack/core';
import { ClientError } from '../../errors.js';
import { precertificateTbs, type CertificateInfo } from './certificate-info.js';
import { inWindow, type TrustedLog } from './trust-anchors.js';

/**
 * RFC 6962 §3.2–3.3 embedded SCTs. The extension's OCTET STRING holds the TLS
 * SignedCertificateTimestampList:
 *
 *   opaque SerializedSCT<1..2^16-1>;  struct { SerializedSCT sct_list<1..2^16-1>; }
 *   struct { Version sct_version(v1 = 0); LogID id[32]; uint64 timestamp;
 *            CtExtensions extensions<0..2^16-1>; digitally-signed struct {...} }
 *   DigitallySigned: HashAlgorithm(1) SignatureAlgorithm(1) opaque signature<0..2^16-1>
 *
 * Signed data (precert_entry): version(0) signature_type(0 = certificate_timestamp)
 * timestamp entry_type(1 = precert) issuer_key_hash[32] TBSCertificate<1..2^24-1>
 * extensions<0..2^16-1>.
 */
interface Sct {
  logId: Buffer;
  timestamp: bigint;
  extensions: Buffer;
  hashAlg: number;
  signature: Buffer;
}

function bad(why: string): ClientError {
  return new ClientError('VERIFY_CERTIFICATE', `SCT: ${why}`);
}

export function parseSctList(ext: Buffer): Sct[] {
  const octets = contents(ext, readDer(ext, 'SCT list'));
  if (octets.length < 2 || octets.readUInt16BE(0) !== octets.length - 2) throw bad('malformed SignedCertificateTimestampList (length)');
  const out: Sct[] = [];
  for (let off = 2; off < octets.length; ) {
    if (off + 2 > octets.length) throw bad('truncated SCT list');
    const len = octets.readUInt16BE(off);
    const end = off + 2 + len;
    if (end > octets.length) throw bad('truncated SCT');
    out.push(parseSct(octets.subarray(off + 2, end)));
    off = end;
  }
  if (out.length === 0) throw bad('empty SCT list');
  return out;
}

function parseSct(b: Buffer): Sct {
  if (b.length < 1 + 32 + 8 + 2 || b[0] !== 0) throw bad('not a v1 SCT');
  const logId = b.subarray(1, 33);
  const timestamp = b.readBigUInt64BE(33);
  const extLen = b.readUInt16BE(41);
  let off = 43 + extLen;
  if (off + 4 > b.length) throw bad('truncated SCT');
  const extensions = b.subarray(43, off);
  const hashAlg = b[off]!;
  const sigLen = b.readUInt16BE(off + 2);
  off += 4;
  if (off + sigLen !== b.length) throw bad('SCT signature length does not match');
  return { logId, timestamp, extensions, hashAlg, signature: b.subarray(off) };
}

/**
 * Verifies every SCT embedded in `leaf` (issued by `issuer`) against the trusted CT
 * logs, as sigstore-js does: an SCT whose log is unknown, or whose key was not valid
 * at the SCT's time, or whose signature fails, refuses the certificate. Returns the
 * number of SCTs verified (0 when there is no SCT extension).
 */
export function verifyEmbeddedScts(leaf: CertificateInfo, issuer: CertificateInfo, ctlogs: TrustedLog[]): number {
  const ext = leaf.parts.extensions.find((e) => e.id === OID.ctSctList);
  if (!ext) return 0;
  const scts = parseSctList(ext.value);
  const tbs = precertificateTbs(leaf);
  const tbsLen = Buffer.from([tbs.length >> 16, (tbs.length >> 8) & 0xff, tbs.length & 0xff]);
  for (const sct of scts) {
    const time = Number(sct.timestamp);
    const logs = ctlogs.filter((l) => l.logId.equals(sct.logId) && inWindow(l.window, time));
    if (logs.length === 0) throw bad(`no trusted CT log ${sct.logId.toString('hex')} valid at ${new Date(time).toISOString()}`);
    const head = Buffer.alloc(12);
    head[0] = 0; // v1
    head[1] = 0; // certificate_timestamp
    head.writeBigUInt64BE(sct.timestamp, 2);
    head.writeUInt16BE(1, 10); // precert_entry
    const extLen = Buffer.from([sct.extensions.length >> 8, sct.extensions.length & 0xff]);
    const signed = Buffer.concat([head, issuer.spkiHash, tbsLen, tbs, extLen, sct.extensions]);
    const hash = sct.hashAlg === 4 ? 'sha256' : sct.hashAlg === 5 ? 'sha384' : sct.hashAlg === 6 ? 'sha512' : undefined;
    if (!hash) throw bad(`unsupported hash algorithm ${sct.hashAlg}`);
    const ok = logs.some((l) => {
      try {
        return cryptoVerify(hash, signed, l.key, sct.signature);
      } catch {
        return false;
      }
    });
    if (!ok) throw bad(`the signature of CT log ${sct.logId.toString('hex')} does not verify`);
  }
  return scts.length;
}
