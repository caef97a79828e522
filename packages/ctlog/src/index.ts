// The public surface of @sigstack/ctlog. Everything else is internal.
export { CtLogError } from './errors.js';
export type { CtLogErrorCode } from './errors.js';
export { openCtLog, DEFAULT_CT_ORIGIN } from './service/open-ctlog.js';
export type { OpenCtLogOptions, CtLogInstance } from './service/open-ctlog.js';
// The storage contract of what the CT log keeps beside the log (docs/postgres-design.md).
export type { CtStore, CtStorage, CtLeafExtra } from './store/ct-store.js';
export { CtLogService, MAX_GET_ENTRIES, toAddChainResponse } from './service/ctlog-service.js';
export { MAX_CHAIN_LENGTH } from './service/chain-validator.js';
export type { AddChainResponse, SthResponse, ConsistencyResponse, ProofByHashResponse, EntriesResponse, RootsResponse } from './service/ct-types.js';
export { verifyEmbeddedSct } from './service/verify-embedded-sct.js';
export { encodeSctListExtensionValue, encodeTreeHeadInput, ENTRY_TYPE } from './service/tls-structs.js';
export { ctlogRoutes, DEFAULT_CTLOG_BODY_LIMIT } from './routes/ctlog-routes.js';
export type { CtLogRoutesOptions } from './routes/ctlog-routes.js';
