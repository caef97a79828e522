/**
 * The one error base class of sigstack. Each package declares a closed union of
 * SCREAMING_SNAKE codes and one subclass (LogError, RekorError, ...). Services
 * never map codes to HTTP statuses themselves: the server's error handler does,
 * through each plugin's status table.
 */
export class SigstackError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export function isSigstackError(e: unknown): e is SigstackError {
  return e instanceof SigstackError;
}

export type CoreErrorCode =
  | 'INVALID_PEM'
  | 'INVALID_KEY'
  | 'UNSUPPORTED_KEY'
  | 'INVALID_CERTIFICATE'
  | 'INVALID_SIGNATURE'
  | 'KEY_FILE'
  | 'CONFIG_INVALID'
  /**
   * A signing backend that is there but cannot sign for now (an HSM token removed or
   * unreachable): the front ends answer 503 with Retry-After (signerUnavailableReply),
   * never a fallback to another key.
   */
  | 'SIGNER_UNAVAILABLE'
  /** Input that is not strict DER (asn1/der-reader.ts); callers re-code it at their boundary. */
  | 'MALFORMED_DER';

export class CoreError extends SigstackError<CoreErrorCode> {}
