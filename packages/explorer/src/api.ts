import { ExplorerError } from './bytes.js';

/** Answers larger than this are refused (a giant entry or attestation must not hang the page). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * The stack's own public APIs, on the page's own origin (CSP `connect-src 'self'`
 * allows nothing else). Every failure is an ExplorerError FETCH_FAILED carrying the
 * server's `{code, message}` as text.
 */
async function request(path: string, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, credentials: 'omit', redirect: 'error' });
  } catch (e) {
    throw new ExplorerError('FETCH_FAILED', `${path}: ${(e as Error).message}`);
  }
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > MAX_RESPONSE_BYTES) throw new ExplorerError('TOO_LARGE', `${path}: an answer of ${len} bytes is refused`);
  if (!res.ok) {
    let message = res.statusText;
    try {
      const j = (await res.json()) as { message?: unknown };
      if (typeof j?.message === 'string') message = j.message;
    } catch {
      // not JSON: keep the status text
    }
    throw new ExplorerError('FETCH_FAILED', `${path}: ${res.status} ${message}`);
  }
  return res;
}

async function boundedText(res: Response, path: string): Promise<string> {
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new ExplorerError('TOO_LARGE', `${path}: the answer is too large`);
  return text;
}

export async function getText(path: string): Promise<string> {
  return boundedText(await request(path), path);
}

export async function getBytes(path: string): Promise<Uint8Array> {
  const b = new Uint8Array(await (await request(path)).arrayBuffer());
  if (b.length > MAX_RESPONSE_BYTES) throw new ExplorerError('TOO_LARGE', `${path}: the answer is too large`);
  return b;
}

export async function getJson(path: string): Promise<unknown> {
  const text = await getText(path);
  try {
    return JSON.parse(text);
  } catch {
    throw new ExplorerError('FETCH_FAILED', `${path}: the answer is not JSON`);
  }
}

export async function postJson(path: string, body: unknown): Promise<unknown> {
  const res = await request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await boundedText(res, path);
  try {
    return JSON.parse(text);
  } catch {
    throw new ExplorerError('FETCH_FAILED', `${path}: the answer is not JSON`);
  }
}
