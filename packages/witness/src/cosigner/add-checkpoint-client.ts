import { WitnessError } from '../errors.js';

/** What one add-checkpoint call came back with. */
export type AddCheckpointOutcome =
  | { kind: 'cosigned'; body: string }
  /** 409: the witness holds another size (undefined if its body did not say which). */
  | { kind: 'conflict'; size: number | undefined }
  | { kind: 'refused'; status: number; message: string };

/** A witness answers with a few signature lines; anything longer is not an answer. */
export const MAX_WITNESS_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one add-checkpoint body to `<url>/add-checkpoint`. Network failures, the
 * timeout and oversized answers throw WITNESS_FAILED; HTTP answers are returned.
 */
export async function postAddCheckpoint(
  fetchFn: typeof fetch,
  url: string,
  body: string,
  signal: AbortSignal,
): Promise<AddCheckpointOutcome> {
  let res: Response;
  let text: string;
  try {
    res = await fetchFn(`${url.replace(/\/+$/, '')}/add-checkpoint`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      signal,
    });
    text = await readCapped(res, MAX_WITNESS_RESPONSE_BYTES);
  } catch (cause) {
    if (cause instanceof WitnessError) throw cause;
    const why = signal.aborted ? 'timed out' : (cause as Error).message;
    throw new WitnessError('WITNESS_FAILED', `add-checkpoint to ${url}: ${why}`, { cause });
  }
  if (res.status === 200) return { kind: 'cosigned', body: text };
  if (res.status === 409) {
    const m = /^(0|[1-9][0-9]{0,15})\n?$/.exec(text);
    return { kind: 'conflict', size: m ? Number(m[1]) : undefined };
  }
  return { kind: 'refused', status: res.status, message: text.slice(0, 500) };
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    if (n > max) throw new WitnessError('WITNESS_FAILED', `the witness answered with more than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
