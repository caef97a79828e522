export { RekorError } from './errors.js';
export type { RekorErrorCode } from './errors.js';
export { openRekor } from './service/open-rekor.js';
export type { OpenRekorOptions, RekorInstance } from './service/open-rekor.js';
export { RekorService, MAX_RETRIEVE_QUERIES } from './service/rekor-service.js';
export { parseEntryId, formatEntryId } from './service/entry-id.js';
export type { LogEntryJson, LogEntryMap, LogInfoJson, SearchLogQuery, SearchIndexQuery } from './service/log-entry.js';
export { rekorRoutes, DEFAULT_REKOR_BODY_LIMIT } from './routes/rekor-routes.js';
export type { RekorRoutesOptions } from './routes/rekor-routes.js';
