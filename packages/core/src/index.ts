export { SigstackError, CoreError, isSigstackError } from './errors.js';
export type { CoreErrorCode } from './errors.js';
export { toPem, fromPem, isPem } from './pem.js';
export type { PemBlock } from './pem.js';
export { canonicalize, canonicalizeToBytes } from './canonical-json.js';
export { digest, sha256, sha256Hex, isHashAlgorithm, HASH_LENGTH } from './hash.js';
export type { HashAlgorithm } from './hash.js';
export { systemClock, FakeClock } from './clock.js';
export type { Clock } from './clock.js';
export { digestOf } from './signer/signer.js';
export type { Signer, SigningAlgorithm } from './signer/signer.js';
export { FileSigner, createEphemeralSigner, generatePrivateKey } from './signer/file-signer.js';
export type { FileSignerOptions } from './signer/file-signer.js';
export { parseVerificationKey, verifySignature, verifyPrehashedSignature, defaultHashFor, MIN_RSA_BITS } from './keys/public-key.js';
export type { VerificationKey, PublicKeyKind } from './keys/public-key.js';
export { verifyEcdsaPrehashed } from './keys/ecdsa-prehash.js';
export { writeFileOnce, writeFileAtomic, writeFileSynced, fsyncDirectory } from './fs/write-once.js';
export type { WriteFileOnceOptions } from './fs/write-once.js';
export { retryAfterSeconds, DEFAULT_RETRY_AFTER } from './retry-after.js';
export type { RetryAfterRange } from './retry-after.js';
export { requestErrorReply, signerUnavailableReply, INTERNAL_ERROR_REPLY } from './error-reply.js';
export type { ErrorReply } from './error-reply.js';
export {
  MAX_DER_DEPTH,
  readTlv,
  readDer,
  children,
  contents,
  tlvBytes,
  isMalformedDer,
  DerReader,
  checkInteger,
  checkIntegerContent,
  readSmallInteger,
  readBoolean,
  readOid,
  oidFromContent,
} from './asn1/der-reader.js';
export type { Tlv, DerElement } from './asn1/der-reader.js';
export { OID } from './asn1/oids.js';
export { readCertificateParts, parseTbs, tbsOf, findExtension } from './asn1/certificate-parts.js';
export type { CertificateParts, ExtensionTlv } from './asn1/certificate-parts.js';
