export { TsaError } from './errors.js';
export type { TsaErrorCode } from './errors.js';

export { openTimestampAuthority } from './service/open-timestamp-authority.js';
export type { OpenTimestampAuthorityOptions } from './service/open-timestamp-authority.js';
export { TimestampAuthority, DEFAULT_ACCURACY } from './service/timestamp-authority.js';
export type { TimestampAuthorityOptions, TimestampReply, TrustedRootTimestampAuthority } from './service/timestamp-authority.js';
export { parseDerRequest, parseJsonRequest } from './service/timestamp-request.js';
export type { TimestampRequest, RequestFormat } from './service/timestamp-request.js';
export {
  openDevChain,
  issueDevChain,
  readChain,
  TSA_CHAIN_FILE,
  TSA_ROOT_KEY_FILE,
  TSA_LEAF_KEY_FILE,
  DEV_ROOT_SUBJECT,
  DEV_LEAF_SUBJECT,
  DEV_ROOT_VALIDITY_DAYS,
  DEV_LEAF_VALIDITY_DAYS,
} from './service/dev-chain.js';
export type { DevChain } from './service/dev-chain.js';
export { issueNextLeaf } from './service/next-leaf.js';

export { tsaRoutes, sendTsaError, DEFAULT_TSA_BODY_LIMIT, TIMESTAMP_REPLY_TYPE } from './routes/tsa-routes.js';
export type { TsaRoutesOptions } from './routes/tsa-routes.js';
export { TSA_STATUS } from './routes/status.js';

export { verifyTsaChain } from './x509/tsa-chain.js';
export type { TsaChainInfo } from './x509/tsa-chain.js';

export { DEFAULT_POLICY_OID } from './asn1/oids.js';
export type { Accuracy } from './asn1/accuracy.js';
