/**
 * The one table of object identifiers sigstack reads or writes, dotted decimal, with
 * where each is defined. Every package (x509, the CA, the TSA, CT, Rekor) imports it
 * from here; a new OID is added here, once.
 */
export const OID = {
  // Hash algorithms (RFC 5754 §2, NIST CSOR)
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // ECDSA signature algorithms (RFC 5758 §3.2): parameters absent
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  // RSA PKCS#1 v1.5 (RFC 8017) and Ed25519 (RFC 8410)
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ed25519: '1.3.101.112',
  // CMS (RFC 5652) and its attributes (RFC 5652 §11, RFC 5035 §3)
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  // RFC 3161 §2.4.2
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  // X.509 extensions (RFC 5280 §4.2.1)
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // Extended key usages (RFC 5280 §4.2.1.12)
  anyExtendedKeyUsage: '2.5.29.37.0',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  // Certificate Transparency (RFC 6962 §3.1, §3.3)
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ctSctList: '1.3.6.1.4.1.11129.2.4.2',
  ctPrecertSigning: '1.3.6.1.4.1.11129.2.4.4',
  // The Sigstore arc (fulcio docs/oid-info.md): the username otherName SAN, the
  // prefix of the Fulcio certificate extensions, and the TSA policy
  otherNameSan: '1.3.6.1.4.1.57264.1.7',
  // The OIDC issuer of a Fulcio certificate: .1.8 a DER UTF8String, .1.1 (deprecated) raw bytes
  fulcioIssuerV1: '1.3.6.1.4.1.57264.1.1',
  fulcioIssuerV2: '1.3.6.1.4.1.57264.1.8',
  sigstoreExtensionArc: '1.3.6.1.4.1.57264.1.',
  sigstoreTsaPolicy: '1.3.6.1.4.1.57264.2',
  // Attribute types (RFC 4519)
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
} as const;

