import { contextConstructed, objectIdentifier, octetString, sequence, setOf, smallInteger } from '@sigstack/x509';
import { OID } from '@sigstack/core';

/*
 * RFC 5652 §3, §5.1, §5.2
 *
 *   ContentInfo ::= SEQUENCE {
 *     contentType ContentType,
 *     content [0] EXPLICIT ANY DEFINED BY contentType }
 *
 *   SignedData ::= SEQUENCE {
 *     version CMSVersion,
 *     digestAlgorithms DigestAlgorithmIdentifiers,
 *     encapContentInfo EncapsulatedContentInfo,
 *     certificates [0] IMPLICIT CertificateSet OPTIONAL,
 *     crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
 *     signerInfos SignerInfos }
 *
 *   DigestAlgorithmIdentifiers ::= SET OF DigestAlgorithmIdentifier
 *   SignerInfos ::= SET OF SignerInfo
 *
 *   EncapsulatedContentInfo ::= SEQUENCE {
 *     eContentType ContentType,
 *     eContent [0] EXPLICIT OCTET STRING OPTIONAL }
 *
 * A TimeStampToken is a ContentInfo of SignedData whose eContentType is
 * id-ct-TSTInfo; that eContentType is not id-data, so version is 3 (RFC 5652 §5.1).
 */
export interface SignedDataFields {
  /** DER AlgorithmIdentifier of the signer's digest. */
  digestAlgorithm: Buffer;
  /** The DER TSTInfo, carried as the eContent OCTET STRING. */
  tstInfo: Buffer;
  /** DER [0] IMPLICIT CertificateSet (signer-info.ts encodeCertificateSet), or absent. */
  certificates?: Buffer;
  /** DER SignerInfo. */
  signerInfo: Buffer;
}

const VERSION_3 = smallInteger(3);

/** The TimeStampToken: ContentInfo { id-signedData, [0] SignedData }. */
export function encodeTimeStampToken(f: SignedDataFields): Buffer {
  const encap = sequence(objectIdentifier(OID.tstInfo), contextConstructed(0, octetString(f.tstInfo)));
  const parts = [VERSION_3, setOf(f.digestAlgorithm), encap];
  if (f.certificates) parts.push(f.certificates);
  parts.push(setOf(f.signerInfo));
  return sequence(objectIdentifier(OID.signedData), contextConstructed(0, sequence(...parts)));
}
