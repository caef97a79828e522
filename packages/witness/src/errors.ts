import { SigstackError } from '@sigstack/core';

/**
 * The closed set of @sigstack/witness error codes: the witness side (C2SP
 * tlog-witness add-checkpoint refusals, each with its status in WITNESS_STATUS) and
 * the log side (the cosigner).
 */
export type WitnessErrorCode =
  /** The add-checkpoint body is not `old <n>`, proof lines, a blank line and a checkpoint note. 400. */
  | 'MALFORMED_REQUEST'
  /** `old` is larger than the checkpoint's size. 400. */
  | 'OLD_SIZE_TOO_LARGE'
  /** No log with the checkpoint's origin is configured. 404. */
  | 'UNKNOWN_LOG'
  /** No signature by a key trusted for the origin, or one that fails. 403. */
  | 'BAD_SIGNATURE'
  /** `old` is not the size this witness last cosigned (`size` carries it). 409, body `<size>\n`. */
  | 'OLD_SIZE_MISMATCH'
  /** The consistency proof does not verify, or is not empty when `old` is 0, or an empty tree has another root. 422. */
  | 'INVALID_PROOF'
  /** Same size as the checkpoint last cosigned, another root hash: the log forked. 422. */
  | 'FORK'
  /** The witness's state could not be read or written. 500. */
  | 'STORE_FAILED'
  /** Options or configuration out of range (log list, key name, data directory). */
  | 'INVALID_OPTIONS'
  /** Log side: fewer than `quorum` valid cosignatures arrived before the timeout. */
  | 'QUORUM_NOT_MET'
  /** Log side: a witness answered with something other than a valid cosignature (or not at all). */
  | 'WITNESS_FAILED'
  /** The cosigner or witness is closed. */
  | 'CLOSED';

export class WitnessError extends SigstackError<WitnessErrorCode> {
  /** OLD_SIZE_MISMATCH: the size the witness holds. */
  readonly size: number | undefined;
  constructor(code: WitnessErrorCode, message: string, options?: { cause?: unknown; size?: number }) {
    super(code, message, options);
    this.size = options?.size;
  }
}

/** The one table from witness codes to add-checkpoint HTTP statuses (C2SP tlog-witness). */
export const WITNESS_STATUS: Readonly<Record<WitnessErrorCode, number>> = {
  MALFORMED_REQUEST: 400,
  OLD_SIZE_TOO_LARGE: 400,
  UNKNOWN_LOG: 404,
  BAD_SIGNATURE: 403,
  OLD_SIZE_MISMATCH: 409,
  INVALID_PROOF: 422,
  FORK: 422,
  STORE_FAILED: 500,
  INVALID_OPTIONS: 500,
  QUORUM_NOT_MET: 503,
  WITNESS_FAILED: 502,
  CLOSED: 503,
};
