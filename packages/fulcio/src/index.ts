// The public surface of @sigstack/fulcio.
export { FulcioError } from './errors.js';
export type { FulcioErrorCode } from './errors.js';

// -- issuance: CA hierarchy and leaf profile --
export {
  openCertificateAuthority,
  issueCaHierarchy,
  CA_CHAIN_FILE,
  CA_ROOT_KEY_FILE,
  CA_INTERMEDIATE_KEY_FILE,
  DEFAULT_CA_SUBJECT,
  CA_VALIDITY_DAYS,
} from './ca/open-certificate-authority.js';
export type { OpenCertificateAuthorityOptions, CaAlgorithm } from './ca/open-certificate-authority.js';
export { issueNextIntermediate } from './ca/next-intermediate.js';
export { CertificateAuthority } from './ca/certificate-authority.js';
export type { CertificateAuthorityOptions, Precertificate, TrustedRootCertificateAuthority } from './ca/certificate-authority.js';
export { verifyCaChain } from './ca/ca-chain.js';
export type { CaChainInfo } from './ca/ca-chain.js';
export { LeafProfile, sctListExtension, CT_POISON_EXT } from './ca/leaf-profile.js';
export type { LeafSpec, LeafParts } from './ca/leaf-profile.js';
export type { CtLogClient } from './ca/ct-log-client.js';

// -- the service --
export { FulcioService, DEFAULT_CERT_VALIDITY_SECONDS } from './service/fulcio-service.js';
export type { FulcioServiceOptions, FulcioLogger, SigningCertificateRequest, SigningCertificate } from './service/fulcio-service.js';
export { verifyKeyProof } from './service/certificate-request.js';
export type { KeyProof } from './service/certificate-request.js';
export { parseClientPublicKey, checkKeyPolicy, MIN_CLIENT_RSA_BITS, MAX_CLIENT_RSA_BITS } from './service/key-policy.js';

// -- HTTP --
export { fulcioRoutes, sendFulcioError, DEFAULT_FULCIO_BODY_LIMIT, PEM_CHAIN_TYPE } from './routes/fulcio-routes.js';
export type { FulcioRoutesOptions } from './routes/fulcio-routes.js';
export { FULCIO_STATUS, GRPC_CODE, UPSTREAM_MESSAGE } from './routes/status.js';
export type { FulcioStatus } from './routes/status.js';
