import type { MonitorErrorCode } from '../errors.js';
import type { IdentityMatch } from '../match/watchlist.js';

/**
 * One alert, written as one JSON line and POSTed to the webhook as is.
 * - `identity`: an entry names a watched identity (`index`, `match`).
 * - `inconsistency`: the log is not append-only or not signed by its key (`code`:
 *   BAD_SIGNATURE, ROLLBACK, FORK, ORIGIN_CHANGED), with the verified and the offending tree.
 */
export type Alert =
  | (AlertBase & { type: 'identity'; index: number; match: IdentityMatch })
  | (AlertBase & { type: 'inconsistency'; code: MonitorErrorCode; message: string; verified?: TreeRef; observed?: TreeRef });

interface AlertBase {
  time: string;
  /** The log's URL and kind, as given to the monitor. */
  log: string;
  kind: string;
}

export interface TreeRef {
  origin: string;
  size: number;
  rootHash: string;
  signed?: string;
}
