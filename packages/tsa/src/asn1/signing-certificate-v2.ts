import { integerFromContent, octetString, sequence } from '@sigstack/x509';
import { directoryName } from './general-name.js';

/*
 * RFC 5035 §3 (ESS, IMPLICIT TAGS); attribute id-aa-signingCertificateV2
 * (1.2.840.113549.1.9.16.2.47), required by RFC 5816 in a TSA's signed attributes
 * to bind the signer certificate.
 *
 *   SigningCertificateV2 ::=  SEQUENCE {
 *        certs        SEQUENCE OF ESSCertIDv2,
 *        policies     SEQUENCE OF PolicyInformation OPTIONAL }
 *
 *   ESSCertIDv2 ::=  SEQUENCE {
 *        hashAlgorithm           AlgorithmIdentifier
 *                                DEFAULT {algorithm id-sha256},
 *        certHash                 Hash,
 *        issuerSerial             IssuerSerial OPTIONAL }
 *
 *   Hash ::= OCTET STRING
 *
 *   IssuerSerial ::= SEQUENCE {
 *        issuer                   GeneralNames,
 *        serialNumber             CertificateSerialNumber }
 *
 * The hash is SHA-256, the DEFAULT, so hashAlgorithm is omitted (DER).
 */
export interface EssCertIdV2Fields {
  /** SHA-256 of the signer certificate's DER. */
  certHash: Buffer;
  /** DER Name of the certificate's issuer. */
  issuer: Buffer;
  /** Content octets of the certificate's serial. */
  serialNumber: Buffer;
}

/** DER SigningCertificateV2 with one ESSCertIDv2. */
export function encodeSigningCertificateV2(cert: EssCertIdV2Fields): Buffer {
  const issuerSerial = sequence(sequence(directoryName(cert.issuer)), integerFromContent(cert.serialNumber));
  return sequence(sequence(sequence(octetString(cert.certHash), issuerSerial)));
}
