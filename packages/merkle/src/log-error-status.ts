import { isSigstackError, type ErrorReply } from '@sigstack/core';
import { LogError, type LogErrorCode } from './errors.js';

/*
 * What a front end tells its client for each engine error: the one table (issue 10).
 * The engine itself never speaks HTTP (conventions.md §3); this table is data for
 * the personalities (Rekor, the CT log), which used to carry a copy each. A
 * personality maps its own codes and asks here for the engine's.
 */

/** HTTP status for the engine codes a request can meet; the others are internal (500). */
export const LOG_ERROR_STATUS: Readonly<Partial<Record<LogErrorCode, number>>> = {
  PUSHBACK: 503,
  SHUTTING_DOWN: 503,
  ENTRY_TOO_LARGE: 413,
  INVALID_ENTRY: 400,
  INVALID_RANGE: 400,
};

/** How to answer an engine error; `retry` means 503 with a jittered Retry-After. */
export type LogErrorReply = ErrorReply;

/**
 * The reply for an engine error a request may meet, or undefined when `err` is not
 * one (the caller answers 500 and logs it). Matched by class, not only by code, so a
 * personality's own code of the same name is never taken for the engine's.
 */
export function logErrorReply(err: unknown): LogErrorReply | undefined {
  if (!(err instanceof LogError) && !(isSigstackError(err) && err.name === 'LogError')) return undefined;
  const status = LOG_ERROR_STATUS[err.code as LogErrorCode];
  if (status === undefined) return undefined;
  return { status, message: err.message, retry: status === 503 };
}

/** True when the log refused for now (queue full, closing): the caller may come back later. */
export function isLogBusy(err: unknown): boolean {
  return logErrorReply(err)?.retry === true;
}
