import type { Test } from 'tap';
import { ClientError } from '../../src/errors.js';
import type { ClientErrorCode } from '../../src/errors.js';

/** Asserts fn throws (or rejects with) a ClientError with this code, and a message matching `message`. */
export async function expectClientError(t: Test, fn: () => unknown, code: ClientErrorCode, message?: RegExp, name?: string): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  const label = name ?? `${code}${message ? ` ${message}` : ''}`;
  if (!(caught instanceof ClientError)) {
    t.fail(`${label}: expected a ClientError, got ${caught === undefined ? 'no error' : String(caught)}`);
    return;
  }
  t.equal(caught.code, code, `${label}: code (${caught.message})`);
  if (message) t.match(caught.message, message, `${label}: message`);
}
