import { SigstackError } from '@sigstack/core';

/**
 * The closed set of Rekor failures. The HTTP status for each is chosen in one place,
 * routes/status.ts; services only throw codes.
 */
export type RekorErrorCode =
  | 'MALFORMED_ENTRY' // the proposed entry is not valid for its kind/version (400)
  | 'UNSUPPORTED_KIND' // unknown kind or apiVersion (400)
  | 'INVALID_SIGNATURE' // the signature does not verify (400)
  | 'INVALID_KEY' // key/certificate unparseable or unsupported (400)
  | 'ENTRY_EXISTS' // duplicate (409 + Location; v2: 409 + x-log-index)
  | 'NOT_FOUND' // no such entry (404)
  | 'INVALID_ID' // malformed entry ID / UUID / index (400)
  | 'INVALID_QUERY' // malformed search or proof request (400)
  | 'TOO_MANY_QUERIES' // more than 10 items in /entries/retrieve (422)
  | 'INVALID_RANGE' // proof range inverted or beyond the tree (400)
  | 'UNKNOWN_TREE' // treeID is not ours (400/404)
  | 'NOT_WITNESSED'; // v2: the entry is logged, but its checkpoint's witness cosignatures did not arrive in time (503 + Retry-After, x-log-index)

export class RekorError extends SigstackError<RekorErrorCode> {
  /** For ENTRY_EXISTS: the existing entry's 80-hex ID. */
  readonly entryId?: string;
  /** For ENTRY_EXISTS and NOT_WITNESSED from the Rekor v2 log: the entry's index (the `x-log-index` header). */
  readonly logIndex?: number;
  constructor(code: RekorErrorCode, message: string, options?: { cause?: unknown; entryId?: string; logIndex?: number }) {
    super(code, message, options);
    if (options?.entryId) this.entryId = options.entryId;
    if (options?.logIndex !== undefined) this.logIndex = options.logIndex;
  }
}
