import { SigstackError } from '@sigstack/core';

/**
 * The closed set of TUF failures. Nothing here reaches HTTP except NOT_FOUND /
 * BAD_PATH from the static routes (routes/tuf-routes.ts answers 404/400 itself);
 * the rest are ceremony, publishing and startup errors that the CLI prints.
 */
export type TufErrorCode =
  | 'INVALID_INPUT' // a bad argument: threshold k > N or 0, unknown role, bad name, bad JSON ...
  | 'INVALID_KEY' // a key that is not ECDSA P-256/P-384 or Ed25519, or unreadable
  | 'MALFORMED_METADATA' // a metadata file that does not parse as the role it claims to be
  | 'THRESHOLD_NOT_MET' // fewer valid signatures than the role's threshold
  | 'WRONG_KEY' // a signature or key that the role does not list
  | 'BAD_SIGNATURE' // a signature that does not verify over the canonical bytes
  | 'EXPIRED' // metadata whose expiry is in the past at publishing time
  | 'VERSION_CONFLICT' // versions do not increase, or one version with two contents
  | 'INCONSISTENT' // timestamp/snapshot/targets do not reference each other's versions
  | 'TARGET_MISMATCH' // a target's bytes do not match its listed length or hashes
  | 'TARGET_MISSING' // a target listed in metadata whose bytes are nowhere to be found
  | 'NO_TARGETS_SIGNER' // updateTargets without a targets signer (targets is offline in production)
  | 'NOT_FOUND' // a ceremony folder or repository that does not exist
  | 'ALREADY_EXISTS' // init over an existing ceremony
  | 'BAD_ARCHIVE' // a trust bundle that is truncated, damaged, or holds files its metadata does not list
  | 'UNTRUSTED_ROOT' // a trust bundle whose root chain does not contain the root this site pinned
  | 'IO_FAILED'; // the file system refused a write

export class TufError extends SigstackError<TufErrorCode> {}
