// The public surface of @sigstack/x509, shared by the TSA and the Fulcio-compatible CA:
// certificate issuance through a Signer, the DER writer of their hot paths, chain-file
// reading and trusted_root.json authority entries.
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
export { issueCertificationRequest } from './certification-request.js';
export type { DistinguishedName } from './distinguished-name.js';
// The minimal DER writer for hot paths (TSA responses, Fulcio leaves).
export {
  derLength,
  tlv,
  TAG,
  sequence,
  setOf,
  contextConstructed,
  contextPrimitive,
  DER_NULL,
  DER_TRUE,
  octetString,
  utf8String,
  bitString,
  integerFromContent,
  unsignedIntegerContent,
  unsignedInteger,
  bigintContent,
  bigintInteger,
  smallInteger,
  objectIdentifier,
  oidContent,
  generalizedTime,
  utcTime,
  timeChoice,
  extensionDer,
} from './der-writer.js';
export { readCertificatePemFile } from './certificate-pem-file.js';
export { trustedRootAuthority } from './trusted-root.js';
export type { TrustedRootAuthority } from './trusted-root.js';
export { readChainCertificate, chainProblem, linkProblem } from './certificate-chain.js';
export type { ChainCertificate, ChainCheckOptions } from './certificate-chain.js';
