import { children, readTlv } from './der-reader.js';

/**
 * The parts of a DER certificate the entry types read:
 *
 *   Certificate  ::=  SEQUENCE  { tbsCertificate TBSCertificate, signatureAlgorithm, signatureValue }
 *   TBSCertificate  ::=  SEQUENCE  {
 *        version         [0]  EXPLICIT Version DEFAULT v1,
 *        serialNumber, signature, issuer, validity, subject,
 *        subjectPublicKeyInfo SubjectPublicKeyInfo,
 *        issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
 *        subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
 *        extensions      [3]  EXPLICIT Extensions OPTIONAL }
 *   Extension  ::=  SEQUENCE  { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 *                                                                            (RFC 5280 §4.1)
 */
export interface CertificateParts {
  /** The DER SubjectPublicKeyInfo, as encoded in the certificate. */
  spki: Buffer;
  /** The contents of each subjectAltName extension's extnValue (normally zero or one). */
  subjectAltNames: Buffer[];
}

/** DER of OBJECT IDENTIFIER 2.5.29.17 (id-ce-subjectAltName). */
const SAN_OID = Buffer.from('0603551d11', 'hex');

/** Undefined when the DER does not have the certificate structure. */
export function readCertificateParts(der: Buffer): CertificateParts | undefined {
  const cert = readTlv(der, 0);
  if (!cert || cert.tag !== 0x30 || cert.end !== der.length) return undefined;
  const top = children(der, cert);
  const tbs = top?.[0];
  if (!tbs || tbs.tag !== 0x30) return undefined;
  const fields = children(der, tbs);
  if (!fields) return undefined;
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  i += 5; // serialNumber, signature, issuer, validity, subject
  const spki = fields[i];
  if (!spki || spki.tag !== 0x30) return undefined;
  const subjectAltNames: Buffer[] = [];
  for (const f of fields.slice(i + 1)) {
    if (f.tag !== 0xa3) continue;
    const seq = children(der, f)?.[0];
    if (!seq || seq.tag !== 0x30) return undefined;
    for (const ext of children(der, seq) ?? []) {
      const parts = children(der, ext);
      if (!parts || parts.length < 2) return undefined;
      const id = parts[0]!;
      const value = parts[parts.length - 1]!;
      if (id.tag !== 0x06 || value.tag !== 0x04) return undefined;
      if (der.subarray(id.start, id.end).equals(SAN_OID)) subjectAltNames.push(der.subarray(value.contentStart, value.end));
    }
  }
  return { spki: der.subarray(spki.start, spki.end), subjectAltNames };
}
