/** Object identifiers used by the TSA, dotted decimal, with where each is defined. */
export const OID = {
  // Hash algorithms (RFC 5754 §2, NIST CSOR)
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // ECDSA signature algorithms (RFC 5758 §3.2): parameters absent
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  // CMS (RFC 5652) and its attributes (RFC 5652 §11, RFC 5035 §3)
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  // RFC 3161 §2.4.2
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  // RFC 5280 §4.2.1.12
  timeStamping: '1.3.6.1.5.5.7.3.8',
  anyExtendedKeyUsage: '2.5.29.37.0',
  // X.509 extensions (RFC 5280 §4.2.1)
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // Attribute types (RFC 4519)
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
} as const;

/**
 * Sigstore's TSA policy, the default of sigstore/timestamp-authority
 * (pkg/api/timestamp.go) and what the public-good TSA writes into every TSTInfo.
 */
export const DEFAULT_POLICY_OID = '1.3.6.1.4.1.57264.2';

/** Hash OIDs we refuse, named so a refusal says which algorithm it saw. */
export const KNOWN_HASH_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.5': 'MD5',
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.5': 'SHA-512/224',
  '2.16.840.1.101.3.4.2.6': 'SHA-512/256',
  '2.16.840.1.101.3.4.2.7': 'SHA3-224',
  '2.16.840.1.101.3.4.2.8': 'SHA3-256',
  '2.16.840.1.101.3.4.2.9': 'SHA3-384',
  '2.16.840.1.101.3.4.2.10': 'SHA3-512',
  '1.0.10118.3.0.55': 'SM3',
  '1.2.643.7.1.1.2.2': 'Streebog-256',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
