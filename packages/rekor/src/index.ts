export { RekorError } from './errors.js';
export type { RekorErrorCode } from './errors.js';
export { openRekor } from './service/open-rekor.js';
export type { OpenRekorOptions, RekorInstance } from './service/open-rekor.js';
// The storage contract of what Rekor keeps beside the log (docs/postgres-design.md).
export type { RekorIndexStore, RekorStorage } from './store/rekor-store.js';
export { RekorService, MAX_RETRIEVE_QUERIES } from './service/rekor-service.js';
// Signature checks in worker threads; a stack opens one and hands it to both logs.
export { CanonicalizerPool, DEFAULT_CANONICALIZE_WORKERS } from './service/canonicalizer-pool.js';
export { parseEntryId, formatEntryId } from './service/entry-id.js';
// The identities upstream indexes for a certificate (also what a monitor matches on).
export { subjectAltNames } from './types/subject-alt-names.js';
export type { LogEntryJson, LogEntryMap, LogInfoJson, SearchLogQuery, SearchIndexQuery } from './service/log-entry.js';
export { rekorRoutes, DEFAULT_REKOR_BODY_LIMIT } from './routes/rekor-routes.js';
export type { RekorRoutesOptions } from './routes/rekor-routes.js';
// Rekor v2 (protocols.md §7): its own log, key and origin; POST /api/v2/log/entries.
export { openRekorV2, rekorV2NoteSigner } from './v2/open-rekor-v2.js';
export type { OpenRekorV2Options, RekorV2Instance } from './v2/open-rekor-v2.js';
export { RekorV2Service } from './v2/rekor-v2-service.js';
export type { RekorV2ServiceOptions, CosignCheckpoint } from './v2/rekor-v2-service.js';
export { rekorV2Routes, DEFAULT_REKOR_V2_BODY_LIMIT, REKOR_V2_ENTRIES_PATH } from './v2/rekor-v2-routes.js';
export type { RekorV2RoutesOptions } from './v2/rekor-v2-routes.js';
export { canonicalizeCreateEntryRequest } from './v2/create-entry-request.js';
export { defaultKeyDetails } from './v2/key-details.js';
export type { PublicKeyDetails } from './v2/key-details.js';
export type { CanonicalV2Entry } from './v2/entry.types.js';
export type { TransparencyLogEntryJson } from './v2/transparency-log-entry.js';
