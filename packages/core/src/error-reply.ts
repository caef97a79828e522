/**
 * How an HTTP front end answers a failure: status, the message for the client, and
 * whether to add a jittered Retry-After (503s that ask the client to come back).
 * Each personality builds one from its own error codes; the engine's codes come from
 * @sigstack/merkle's logErrorReply, and the framework's own refusals from
 * requestErrorReply below, so no personality carries a copy of either.
 */
export interface ErrorReply {
  status: number;
  message: string;
  retry: boolean;
}

/**
 * A refusal raised by the HTTP framework before a handler ran (schema validation,
 * body too large, bad media type, a malformed body), recognised by shape: a 4xx
 * `statusCode`, and `validation` for schema failures. Undefined for anything else,
 * which the caller answers as 500 and logs.
 */
export function requestErrorReply(err: unknown): ErrorReply | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; validation?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : 'invalid request';
  if (e.validation) return { status: 400, message: `invalid request: ${message}`, retry: false };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, message, retry: false };
  return undefined;
}

/** The answer to anything unexpected: nothing internal reaches the client. */
export const INTERNAL_ERROR_REPLY: Readonly<ErrorReply> = { status: 500, message: 'internal server error', retry: false };

/**
 * The answer when a failure was caused, anywhere down its `cause` chain, by a signing
 * backend that cannot sign for now (CoreError SIGNER_UNAVAILABLE: an HSM token gone):
 * 503 with Retry-After, whatever the service wrapped it in (SIGNING_FAILED,
 * CA_UNAVAILABLE). Undefined for anything else. Every front end asks this first.
 */
export function signerUnavailableReply(err: unknown): ErrorReply | undefined {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const c = e as { code?: unknown; name?: unknown; message?: unknown };
    if (c.code === 'SIGNER_UNAVAILABLE' && c.name === 'CoreError')
      return { status: 503, message: `the signing key is unavailable for now: ${String(c.message)}`, retry: true };
  }
  return undefined;
}
