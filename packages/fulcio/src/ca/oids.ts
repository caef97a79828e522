/** Object identifiers of the Fulcio certificate profile (protocols.md §4.5–§4.7, §5.3), dotted decimal. */
export const FULCIO_OID = {
  // RFC 5280 §4.2.1
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  // RFC 6962 §3.1 / §3.3
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  ctSctList: '1.3.6.1.4.1.11129.2.4.2',
  // Sigstore arc: the OtherName type-id of a username SAN
  otherNameSan: '1.3.6.1.4.1.57264.1.7',
  sigstoreExtensionArc: '1.3.6.1.4.1.57264.1.',
  // RFC 5758 §3.2 (parameters absent)
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  // RFC 8017 / RFC 8410 (CSR signatures)
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ed25519: '1.3.101.112',
} as const;
