/**
 * Byte helpers for the browser: no Buffer here. Decoders are strict (a malformed
 * value from the server is an error to show, never something to guess around).
 */

export class ExplorerError extends Error {
  constructor(
    readonly code: ExplorerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExplorerError';
  }
}

/** The closed set of failure codes of the explorer's pure modules (tests assert them). */
export type ExplorerErrorCode =
  | 'BAD_ENCODING'
  | 'BAD_DER'
  | 'BAD_CERTIFICATE'
  | 'BAD_NOTE'
  | 'BAD_CHECKPOINT'
  | 'BAD_PROOF'
  | 'BAD_ENTRY'
  | 'BAD_TRUSTED_ROOT'
  | 'BAD_QUERY'
  | 'TOO_LARGE'
  | 'FETCH_FAILED';

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, strictly (what Rekor and the trusted root use). */
export function fromBase64(s: string, what = 'value'): Uint8Array {
  if (!B64.test(s)) throw new ExplorerError('BAD_ENCODING', `${what} is not base64`);
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return btoa(s);
}

export function fromHex(s: string, what = 'value'): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) throw new ExplorerError('BAD_ENCODING', `${what} is not hex`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** UTF-8 decoding that refuses invalid sequences instead of inserting U+FFFD. */
export function fromUtf8(b: Uint8Array, what = 'value'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw new ExplorerError('BAD_ENCODING', `${what} is not UTF-8`);
  }
}

/** SHA-256 through WebCrypto (available in every browser on a secure or localhost origin, and in Node). */
export async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const data = parts.length === 1 ? parts[0]! : concat(...parts);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}
