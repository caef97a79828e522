import type { Test } from 'tap';
import { fromPem, toPem } from '@sigstack/core';
import { ClientError, type ClientErrorCode } from '../../src/errors.js';

/** The part of a tap Test these helpers use. */
type Asserter = Pick<Test, 'fail' | 'equal' | 'match'>;

/** Asserts fn throws a ClientError with `code` (never a raw exception), and a message matching `message`. */
export async function rejectsWithCode(t: Asserter, fn: () => unknown, code: ClientErrorCode, message?: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof ClientError)) {
      t.fail(`expected ClientError ${code}, got ${e instanceof Error ? e.stack : String(e)}`);
      return;
    }
    t.equal(e.code, code, `code ${code} (${e.message})`);
    if (message) t.match(e.message, message);
    return;
  }
  t.fail(`expected ClientError ${code}, nothing was thrown`);
}

/** The JSON envelope inside an encrypted cosign PEM. */
export function envelopeOf(pem: string): Record<string, unknown> {
  return JSON.parse(fromPem(pem)[0]!.der.toString('utf8')) as Record<string, unknown>;
}

/** An encrypted cosign PEM with the given body text (for hostile-input tests). */
export function pemWithBody(body: string, type = 'ENCRYPTED SIGSTORE PRIVATE KEY'): string {
  return toPem(type, Buffer.from(body, 'utf8'));
}

/** The PEM after edit() changed a copy of its envelope. */
export function editEnvelope(pem: string, edit: (env: any) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const env = envelopeOf(pem);
  edit(env);
  return pemWithBody(JSON.stringify(env));
}
