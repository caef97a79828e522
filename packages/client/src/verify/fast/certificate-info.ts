import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { children, contents, OID, oidFromContent, readCertificateParts, readDer, tlvBytes, type CertificateParts, type Tlv } from '@sigstack/core';

/**
 * What the fast verifier reads from one certificate, parsed once: OpenSSL's view for
 * the signature and issuance checks, the strict DER reader's view (core) for the
 * extensions and the exact TBS bytes. Nothing here is ever re-encoded except the
 * precertificate TBS of CT, which is built by splicing byte ranges.
 */
export interface CertificateInfo {
  der: Buffer;
  x509: X509Certificate;
  parts: CertificateParts;
  publicKey: KeyObject;
  /** SHA-256 of the DER SubjectPublicKeyInfo (CT's issuer key hash when this cert issues). */
  spkiHash: Buffer;
  notBefore: number;
  notAfter: number;
  isCA: boolean;
  /** basicConstraints pathLenConstraint, when present. */
  pathLen: number | undefined;
  /** Extended key usages, or undefined without the extension (any usage, RFC 5280 §4.2.1.12). */
  extKeyUsage: string[] | undefined;
}

/** The Sigstore certificate extensions (github.com/sigstore/fulcio docs/oid-info.md). */
export const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
export const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/** Parses a certificate; throws the reader's error (CoreError) or OpenSSL's on malformed input. */
export function readCertificateInfo(der: Buffer): CertificateInfo {
  const parts = readCertificateParts(der);
  const x509 = new X509Certificate(der);
  const bc = parts.extensions.find((e) => e.id === OID.basicConstraints);
  let isCA = false;
  let pathLen: number | undefined;
  if (bc) {
    const seq = readDer(bc.value, 'basicConstraints');
    for (const f of children(bc.value, seq, 'basicConstraints')) {
      if (f.tag === 0x01) isCA = bc.value[f.contentStart] === 0xff;
      else if (f.tag === 0x02) pathLen = contents(bc.value, f).readUIntBE(0, Math.min(6, f.end - f.contentStart));
    }
  }
  const eku = parts.extensions.find((e) => e.id === OID.extKeyUsage);
  let extKeyUsage: string[] | undefined;
  if (eku) {
    const seq = readDer(eku.value, 'extKeyUsage');
    extKeyUsage = children(eku.value, seq, 'extKeyUsage').map((t) => oidFromContent(contents(eku.value, t), 'extKeyUsage'));
  }
  return {
    der,
    x509,
    parts,
    publicKey: x509.publicKey,
    spkiHash: createHash('sha256').update(parts.spki).digest(),
    notBefore: Date.parse(x509.validFrom),
    notAfter: Date.parse(x509.validTo),
    isCA,
    pathLen,
    extKeyUsage,
  };
}

/** Whether the certificate may be used for `usage` (no EKU extension: any usage). */
export function allowsUsage(info: CertificateInfo, usage: string): boolean {
  return info.extKeyUsage === undefined || info.extKeyUsage.includes(usage) || info.extKeyUsage.includes(OID.anyExtendedKeyUsage);
}

/** `issuer` issued `cert`: names and key identifiers chain (OpenSSL) and the signature verifies. */
export function isIssuedBy(cert: CertificateInfo, issuer: CertificateInfo): boolean {
  try {
    return cert.x509.checkIssued(issuer.x509) && cert.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * The signer identity as sigstore-js reads it: the SAN's first URI, else its first
 * email; the OIDC issuer from extension .1.8 (a DER UTF8String), else .1.1 (raw).
 */
export function certificateIdentity(info: CertificateInfo): { subjectAlternativeName?: string; issuer?: string } {
  const out: { subjectAlternativeName?: string; issuer?: string } = {};
  const san = info.parts.extensions.find((e) => e.id === OID.subjectAltName);
  if (san) {
    const names = children(san.value, readDer(san.value, 'subjectAltName'), 'subjectAltName');
    const pick = (tag: number): string | undefined => {
      const n = names.find((t) => t.tag === tag);
      return n ? contents(san.value, n).toString('ascii') : undefined;
    };
    const name = pick(0x86) ?? pick(0x81);
    if (name !== undefined) out.subjectAlternativeName = name;
  }
  const v2 = info.parts.extensions.find((e) => e.id === OID_FULCIO_ISSUER_V2);
  if (v2) {
    const s = readDer(v2.value, 'issuer extension');
    out.issuer = contents(v2.value, s).toString('utf8');
  } else {
    const v1 = info.parts.extensions.find((e) => e.id === OID_FULCIO_ISSUER_V1);
    if (v1) out.issuer = v1.value.toString('ascii');
  }
  return out;
}

/**
 * The precertificate TBS of RFC 6962 §3.2: the certificate's TBS with the SCT list
 * extension removed (and the extensions wrapper dropped if it was the only one), with
 * the three enclosing lengths re-encoded. Every other byte is the certificate's own.
 */
export function precertificateTbs(info: CertificateInfo): Buffer {
  const tbs = info.parts.tbs;
  const top = readDer(tbs, 'TBSCertificate');
  const fields = children(tbs, top, 'TBSCertificate');
  const extField = fields[fields.length - 1];
  const sct = info.parts.extensions.find((e) => e.id === OID.ctSctList);
  if (!extField || extField.tag !== 0xa3 || !sct) return tbs;
  const seq = children(tbs, extField, 'extensions')[0] as Tlv;
  const kept = children(tbs, seq, 'extensions').filter((e) => e.start !== sct.tlv.start);
  const before = fields.slice(0, -1).map((f) => tlvBytes(tbs, f));
  const body = kept.length === 0 ? before : [...before, wrap(0xa3, wrap(0x30, Buffer.concat(kept.map((e) => tlvBytes(tbs, e)))))];
  return wrap(0x30, Buffer.concat(body));
}

function wrap(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}
