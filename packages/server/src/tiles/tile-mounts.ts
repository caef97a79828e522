import type { StackConfig } from '../config.js';
import type { StackServices } from '../stack/open-services.js';
import type { WitnessedLogName, WitnessedLogSource } from '../stack/witnessing.js';
import type { TlogTilesSource } from './tlog-tiles-routes.js';

/** One log's tlog-tiles view: where it is mounted and what it reads. */
export interface TlogTilesMount {
  /** For logs and docs: `rekor-v1`, `ct`, `rekor-v2`. */
  name: string;
  /** URL path prefix, no trailing slash: the view serves `<prefix>/checkpoint` and `<prefix>/tile/...`. */
  prefix: string;
  source: TlogTilesSource;
  /** Overrides the served checkpoint text (a cosigned note); default the log's own. */
  checkpointText?: () => string;
}

/**
 * Rekor v1's tiles, next to its REST API. `/api/v1/log/tiles/...` matches none of the
 * v1 routes (`/api/v1/log`, `/log/publicKey`, `/log/proof`, `/log/entries[/:uuid|/retrieve]`).
 * The checkpoint origin stays Rekor's `<host> - <treeID>` (clients pin it), so it is
 * not this prefix, as C2SP would suggest for a new log.
 */
export const REKOR_V1_TILES_PREFIX = '/api/v1/log/tiles';

/**
 * The CT log's tiles, under the CT prefix at `/ct`: its checkpoint origin is
 * `<host>/ct`, and C2SP makes the origin the scheme-less URL prefix, so with the
 * default (empty) CT prefix the two agree. `<prefix>/ct/checkpoint` and
 * `<prefix>/ct/tile/...` match none of the RFC 6962 routes (`<prefix>/ct/v1/...`).
 */
export const CT_TILES_PATH = '/ct';

/** The Rekor v2 paths the upstream proto declares: `/api/v2/checkpoint`, `/api/v2/tile/{L}/{N}`, `/api/v2/tile/entries/{N}`. */
export const REKOR_V2_TILES_PREFIX = '/api/v2';

/**
 * Every log of the stack with a tlog-tiles view, in one place, so that one
 * tile-reading monitor or witness follows all of them. A new log is one line here.
 */
export function tileMountsOf(services: StackServices, config: StackConfig): TlogTilesMount[] {
  const mounts: TlogTilesMount[] = [];
  // A log with witnesses serves its checkpoint with the cosignatures collected (stack/witnessing.ts).
  const cosigned = (name: WitnessedLogName, log: WitnessedLogSource) => {
    const text = services.witnessing.checkpointText(name, log);
    return text ? { checkpointText: text } : {};
  };
  if (services.rekor) mounts.push({ name: 'rekor-v1', prefix: REKOR_V1_TILES_PREFIX, source: services.rekor.log, ...cosigned('rekor', services.rekor.log) });
  if (services.ctlog)
    mounts.push({ name: 'ct', prefix: `${config.ctlog.prefix}${CT_TILES_PATH}`, source: services.ctlog.log, ...cosigned('ctlog', services.ctlog.log) });
  if (services.rekorV2) mounts.push({ name: 'rekor-v2', prefix: REKOR_V2_TILES_PREFIX, source: services.rekorV2.log, ...cosigned('rekorV2', services.rekorV2.log) });
  return mounts;
}
