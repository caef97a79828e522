import { TAG } from '@sigstack/x509';
import { checkInteger, DerReader } from '../asn1/der-reader.js';

/*
 * RFC 5280 §4.1
 *
 *   Certificate  ::=  SEQUENCE  {
 *        tbsCertificate       TBSCertificate,
 *        signatureAlgorithm   AlgorithmIdentifier,
 *        signatureValue       BIT STRING  }
 *
 *   TBSCertificate  ::=  SEQUENCE  {
 *        version         [0]  EXPLICIT Version DEFAULT v1,
 *        serialNumber         CertificateSerialNumber,
 *        signature            AlgorithmIdentifier,
 *        issuer               Name,
 *        validity             Validity,
 *        subject              Name,
 *        subjectPublicKeyInfo SubjectPublicKeyInfo,
 *        ... }
 */

/** The exact bytes of the certificate fields a CMS signer references. */
export interface CertificateFields {
  /** Content octets of serialNumber (two's complement, as encoded). */
  serialContent: Buffer;
  /** DER of the issuer Name. */
  issuer: Buffer;
  /** DER of the subject Name. */
  subject: Buffer;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
}

/**
 * Slices the raw issuer, subject, serial and SPKI out of a DER certificate. The
 * CMS sid, ESSCertIDv2 and the TSTInfo tsa name must repeat them byte for byte:
 * sigstore-js and Go match the signer by comparing raw issuer bytes and serial.
 * Throws TsaError MALFORMED_REQUEST (callers rewrap) if the DER is not strict.
 */
export function readCertificateFields(der: Buffer): CertificateFields {
  const top = new DerReader(der, 'Certificate');
  const certEl = top.read(TAG.SEQUENCE);
  top.end();
  const cert = top.enter(certEl, 'Certificate');
  const tbs = cert.enter(cert.read(TAG.SEQUENCE, 'tbsCertificate'), 'TBSCertificate');
  if (tbs.peekTag() === 0xa0) tbs.read(0xa0, 'version');
  const serialContent = checkInteger(tbs.read(TAG.INTEGER, 'serialNumber'), 'TBSCertificate.serialNumber');
  tbs.read(TAG.SEQUENCE, 'signature');
  const issuer = tbs.read(TAG.SEQUENCE, 'issuer').tlv;
  tbs.read(TAG.SEQUENCE, 'validity');
  const subject = tbs.read(TAG.SEQUENCE, 'subject').tlv;
  const spki = tbs.read(TAG.SEQUENCE, 'subjectPublicKeyInfo').tlv;
  return { serialContent, issuer, subject, spki };
}
