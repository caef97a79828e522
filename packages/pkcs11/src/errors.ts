import { SigstackError } from '@sigstack/core';

/**
 * Why a key on a PKCS#11 token could not be opened, generated or checked. These are
 * start-up failures (the stack refuses to start and names the problem); a token that
 * goes away while the stack runs is a CoreError SIGNER_UNAVAILABLE instead, which the
 * front ends answer with 503 + Retry-After.
 */
export type HsmErrorCode =
  /** Not an RFC 7512 pkcs11: URI we accept (unknown attribute, bad escape, missing object). */
  | 'INVALID_URI'
  /** No module path, or the module cannot be loaded or initialised. */
  | 'MODULE_UNAVAILABLE'
  /** No token (or more than one) matches the URI's token attributes. */
  | 'TOKEN_NOT_FOUND'
  /** The URI names no PIN and no PIN environment variable is set. */
  | 'PIN_MISSING'
  /** The token refused the PIN (CKR_PIN_INCORRECT, CKR_PIN_LOCKED, ...). */
  | 'PIN_INCORRECT'
  /** No private key (or its public key) matches the URI's object attributes. */
  | 'OBJECT_NOT_FOUND'
  /** More than one private key matches: the URI must pick exactly one. */
  | 'OBJECT_AMBIGUOUS'
  /** `hsm generate` over an object that exists: keys are never replaced. */
  | 'OBJECT_EXISTS'
  /** The key is not of a type we sign with, or not the algorithm the caller requires. */
  | 'KEY_TYPE'
  /** The public key object does not verify a probe signed with the private key. */
  | 'KEY_MISMATCH'
  /** Any other PKCS#11 failure while opening (the cause carries the CKR_ code). */
  | 'TOKEN_ERROR';

export class HsmError extends SigstackError<HsmErrorCode> {}
