// The public surface of @sigstack/x509: certificate issuance through a Signer, shared
// by the CA hierarchies of the TSA and the Fulcio-compatible CA.
export {
  issueCertificate,
  keyIdentifier,
  subjectKeyIdentifierOf,
  signatureAlgorithmOf,
  extension,
  keyUsageBits,
  certTime,
  randomSerial,
  positiveSerial,
} from './certificate-builder.js';
export type { CertificateSpec, KeyUsageName } from './certificate-builder.js';
export { encodeName, decodeName } from './distinguished-name.js';
export type { DistinguishedName } from './distinguished-name.js';
export { X509_OID } from './oids.js';
