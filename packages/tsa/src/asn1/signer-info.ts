import { integerFromContent, octetString, sequence, smallInteger, tlv } from '@sigstack/x509';

/*
 * RFC 5652 §5.3
 *
 *   SignerInfo ::= SEQUENCE {
 *     version CMSVersion,
 *     sid SignerIdentifier,
 *     digestAlgorithm DigestAlgorithmIdentifier,
 *     signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
 *     signatureAlgorithm SignatureAlgorithmIdentifier,
 *     signature SignatureValue,
 *     unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
 *
 *   SignerIdentifier ::= CHOICE {
 *     issuerAndSerialNumber IssuerAndSerialNumber,
 *     subjectKeyIdentifier [0] SubjectKeyIdentifier }
 *
 *   IssuerAndSerialNumber ::= SEQUENCE {
 *     issuer Name,
 *     serialNumber CertificateSerialNumber }
 *
 *   SignatureValue ::= OCTET STRING
 *
 * version 1 because sid is issuerAndSerialNumber. sigstore-js reads SignerInfo
 * positionally (sid at 1, signedAttrs at 3, signatureAlgorithm at 4, signature at
 * 5) and matches the sid's raw issuer bytes and serial against the trusted-root
 * leaf, so sid must be IssuerAndSerialNumber, never a key identifier.
 */

/** DER IssuerAndSerialNumber from a certificate's raw issuer Name and serial content. */
export function encodeIssuerAndSerialNumber(issuer: Buffer, serialContent: Buffer): Buffer {
  return sequence(issuer, integerFromContent(serialContent));
}

export interface SignerInfoFields {
  /** DER IssuerAndSerialNumber. */
  sid: Buffer;
  /** DER AlgorithmIdentifier of the digest (parameters absent). */
  digestAlgorithm: Buffer;
  /** The signed attributes as signed (SET OF, tag 0x31); re-tagged [0] here. */
  signedAttrs: Buffer;
  /** DER AlgorithmIdentifier of the signature (ecdsa-with-SHA256/384, parameters absent). */
  signatureAlgorithm: Buffer;
  /** DER Ecdsa-Sig-Value. */
  signature: Buffer;
}

const VERSION_1 = smallInteger(1);

export function encodeSignerInfo(f: SignerInfoFields): Buffer {
  // [0] IMPLICIT SET OF: same length and content, identifier 0xA0 instead of 0x31.
  const implicitAttrs = Buffer.from(f.signedAttrs);
  implicitAttrs[0] = 0xa0;
  return sequence(VERSION_1, f.sid, f.digestAlgorithm, implicitAttrs, f.signatureAlgorithm, octetString(f.signature));
}

/** [0] IMPLICIT CertificateSet: a SET OF, so DER-ordered, under tag 0xA0. */
export function encodeCertificateSet(certificates: Buffer[]): Buffer {
  return tlv(0xa0, ...[...certificates].sort(Buffer.compare));
}
