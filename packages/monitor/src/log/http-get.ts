import { MonitorError } from '../errors.js';

/** Largest response the monitor reads (a full entry bundle of 64 KiB entries is 16 MiB). */
export const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;
/** How long one request may take before the poll fails with FETCH_FAILED. */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

export interface HttpGetOptions {
  timeoutMs?: number;
  maxBytes?: number;
}

/** GET `url`, or undefined when it answers 404 (what C2SP tile readers fall back on). */
export async function httpGetOrNotFound(url: string, opts: HttpGetOptions = {}): Promise<Buffer | undefined> {
  try {
    return await httpGet(url, opts);
  } catch (e) {
    if (e instanceof MonitorError && e.code === 'FETCH_FAILED' && / HTTP 404$/.test(e.message)) return undefined;
    throw e;
  }
}

/**
 * GET `url` and return the body. A network failure or a non-2xx status is FETCH_FAILED
 * (the monitor could not look, which says nothing about the log's honesty); a body
 * larger than `maxBytes` is BAD_RESPONSE. Bodies are read incrementally so a hostile
 * server cannot make the monitor buffer more than the limit.
 */
export async function httpGet(url: string, opts: HttpGetOptions = {}): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? MAX_RESPONSE_BYTES;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS), redirect: 'follow' });
  } catch (e) {
    throw new MonitorError('FETCH_FAILED', `GET ${url}: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new MonitorError('FETCH_FAILED', `GET ${url}: HTTP ${res.status}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.length;
      if (total > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new MonitorError('BAD_RESPONSE', `GET ${url}: response is larger than ${maxBytes} bytes`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (e) {
    if (e instanceof MonitorError) throw e;
    throw new MonitorError('FETCH_FAILED', `GET ${url}: ${(e as Error).message}`, { cause: e });
  }
  return Buffer.concat(chunks);
}

/** GET `url` as JSON; a body that is not JSON is BAD_RESPONSE. */
export async function httpGetJson(url: string, opts: HttpGetOptions = {}): Promise<unknown> {
  const body = await httpGet(url, opts);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new MonitorError('BAD_RESPONSE', `GET ${url}: the body is not JSON`);
  }
}

/** `base` (no trailing slash) joined with `path`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
