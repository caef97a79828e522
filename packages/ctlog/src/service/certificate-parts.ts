import { CtLogError } from '../errors.js';
import { children, readTlv, wrap, type Tlv } from './der.js';

/** DER of the OBJECT IDENTIFIERs CT cares about (tag and length included). */
export const OID_DER = {
  /** 1.3.6.1.4.1.11129.2.4.3: CT precertificate poison (RFC 6962 §3.1). */
  poison: Buffer.from('060a2b06010401d679020403', 'hex'),
  /** 1.3.6.1.4.1.11129.2.4.2: embedded SCT list (RFC 6962 §3.3). */
  sctList: Buffer.from('060a2b06010401d679020402', 'hex'),
  /** 1.3.6.1.4.1.11129.2.4.4: Precertificate Signing Certificate EKU (RFC 6962 §3.1). */
  precertSigning: Buffer.from('060a2b06010401d679020404', 'hex'),
  /** 2.5.29.37: extendedKeyUsage. */
  extKeyUsage: Buffer.from('0603551d25', 'hex'),
} as const;

/** The poison extension's value: DER NULL (RFC 6962 §3.1). */
const DER_NULL = Buffer.from('0500', 'hex');

/** One Extension of a TBSCertificate, located in the TBS bytes. */
export interface ExtensionTlv {
  /** The whole Extension SEQUENCE. */
  tlv: Tlv;
  /** DER of the extnID (tag, length, contents). */
  oid: Buffer;
  critical: boolean;
  /** The contents of extnValue (what the OCTET STRING wraps). */
  value: Buffer;
}

/**
 * A TBSCertificate, split so that one extension can be removed byte-exactly:
 *
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT, serialNumber, signature,
 *     issuer, validity, subject, subjectPublicKeyInfo, issuerUniqueID [1] IMPLICIT,
 *     subjectUniqueID [2] IMPLICIT, extensions [3] EXPLICIT Extensions OPTIONAL }
 *   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 *   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
 *     extnValue OCTET STRING }
 */
export interface TbsParts {
  der: Buffer;
  /** Every field before [3] extensions, verbatim. */
  fields: Tlv[];
  extensions: ExtensionTlv[];
}

/** The TBSCertificate DER of a Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }. */
export function tbsOf(certDer: Buffer, what = 'certificate'): Buffer {
  const cert = readTlv(certDer, 0, certDer.length, what);
  if (cert.tag !== 0x30 || cert.end !== certDer.length) throw new CtLogError('INVALID_CERTIFICATE', `${what}: not a DER SEQUENCE`);
  const parts = children(certDer, cert, what);
  if (parts.length !== 3 || parts[0]!.tag !== 0x30) throw new CtLogError('INVALID_CERTIFICATE', `${what}: not an X.509 Certificate`);
  return certDer.subarray(parts[0]!.start, parts[0]!.end);
}

export function parseTbs(tbs: Buffer, what = 'certificate'): TbsParts {
  const bad = (why: string) => new CtLogError('INVALID_CERTIFICATE', `${what}: ${why}`);
  const top = readTlv(tbs, 0, tbs.length, what);
  if (top.tag !== 0x30 || top.end !== tbs.length) throw bad('TBSCertificate is not a DER SEQUENCE');
  const all = children(tbs, top, what);
  const last = all[all.length - 1];
  const hasExt = last !== undefined && last.tag === 0xa3;
  const fields = hasExt ? all.slice(0, -1) : all;
  const extensions: ExtensionTlv[] = [];
  if (hasExt) {
    const inner = children(tbs, last, what);
    if (inner.length !== 1 || inner[0]!.tag !== 0x30) throw bad('[3] extensions does not hold one SEQUENCE');
    const list = children(tbs, inner[0]!, what);
    if (list.length === 0) throw bad('empty extensions SEQUENCE');
    for (const e of list) {
      if (e.tag !== 0x30) throw bad('an extension is not a SEQUENCE');
      const f = children(tbs, e, what);
      if (f.length < 2 || f.length > 3 || f[0]!.tag !== 0x06) throw bad('malformed extension');
      let critical = false;
      if (f.length === 3) {
        const b = f[1]!;
        // DER: DEFAULT FALSE is omitted, TRUE is 0xFF (X.690 §11.1, §11.5).
        if (b.tag !== 0x01 || b.end - b.contentStart !== 1 || tbs[b.contentStart] !== 0xff) throw bad('malformed extension critical flag');
        critical = true;
      }
      const v = f[f.length - 1]!;
      if (v.tag !== 0x04) throw bad('extension value is not an OCTET STRING');
      const oid = tbs.subarray(f[0]!.start, f[0]!.end);
      if (extensions.some((x) => x.oid.equals(oid))) throw bad(`extension ${oidText(oid)} appears twice (RFC 5280 §4.2)`);
      extensions.push({ tlv: e, oid, critical, value: tbs.subarray(v.contentStart, v.end) });
    }
  }
  return { der: tbs, fields, extensions };
}

export function findExtension(parts: TbsParts, oid: Buffer): ExtensionTlv | undefined {
  return parts.extensions.find((e) => e.oid.equals(oid));
}

/**
 * The TBS with one extension removed and every enclosing length re-encoded; all other
 * bytes are copied. With no extension left the [3] field is dropped, as Go's
 * encoding/asn1 does for an empty optional SEQUENCE OF (ct-go removeExtension).
 */
export function removeExtension(parts: TbsParts, oid: Buffer): Buffer {
  const tbs = parts.der;
  const keep = parts.extensions.filter((e) => !e.oid.equals(oid));
  const fields = parts.fields.map((f) => tbs.subarray(f.start, f.end));
  if (keep.length > 0) fields.push(wrap(0xa3, [wrap(0x30, keep.map((e) => tbs.subarray(e.tlv.start, e.tlv.end)))]));
  return wrap(0x30, fields);
}

/** Whether chain[0] carries the poison, and whether it is correctly formed. */
export function poisonOf(parts: TbsParts): 'absent' | 'valid' | 'malformed' {
  const p = findExtension(parts, OID_DER.poison);
  if (!p) return 'absent';
  return p.critical && p.value.equals(DER_NULL) ? 'valid' : 'malformed';
}

/** Whether the certificate's EKU names the RFC 6962 Precertificate Signing Certificate purpose. */
export function isPrecertSigningCert(parts: TbsParts): boolean {
  const eku = findExtension(parts, OID_DER.extKeyUsage);
  return eku !== undefined && eku.value.includes(OID_DER.precertSigning);
}

/** Dotted text of an OID's DER, for error messages. */
export function oidText(oidDer: Buffer): string {
  const c = oidDer.subarray(2);
  if (c.length === 0) return '?';
  const arcs: number[] = [Math.min(2, Math.floor(c[0]! / 40)), c[0]! - 40 * Math.min(2, Math.floor(c[0]! / 40))];
  let v = 0;
  for (const b of c.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}
