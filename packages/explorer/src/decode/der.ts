import { ExplorerError } from '../bytes.js';

/** One DER element: its tag byte, its content bytes and, for constructed types, its children. */
export interface Der {
  tag: number;
  /** Content octets. */
  value: Uint8Array;
  /** The whole element, header included. */
  raw: Uint8Array;
}

const MAX_DEPTH = 32;

/**
 * Reads one DER element at `offset` (single-byte tags, definite lengths up to 2^32: all
 * a certificate needs). Throws BAD_DER on anything else, including indefinite lengths.
 */
export function readDer(buf: Uint8Array, offset = 0): { el: Der; next: number } {
  if (offset + 2 > buf.length) throw new ExplorerError('BAD_DER', 'truncated DER');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new ExplorerError('BAD_DER', 'multi-byte DER tags are not supported');
  let len = buf[offset + 1]!;
  let p = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new ExplorerError('BAD_DER', 'unsupported DER length');
    if (p + n > buf.length) throw new ExplorerError('BAD_DER', 'truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new ExplorerError('BAD_DER', 'DER element runs past its container');
  return { el: { tag, value: buf.subarray(p, p + len), raw: buf.subarray(offset, p + len) }, next: p + len };
}

/** The elements inside a constructed element. */
export function children(el: Der, depth = 0): Der[] {
  if (depth > MAX_DEPTH) throw new ExplorerError('BAD_DER', 'DER nested too deeply');
  const out: Der[] = [];
  let p = 0;
  while (p < el.value.length) {
    const { el: c, next } = readDer(el.value, p);
    out.push(c);
    p = next;
  }
  return out;
}

/** Dotted text of an OBJECT IDENTIFIER's content bytes. */
export function oidText(value: Uint8Array): string {
  if (value.length === 0 || value.length > 64) throw new ExplorerError('BAD_DER', 'bad OID length');
  const parts: number[] = [];
  let n = 0;
  for (const b of value) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** UTCTime (0x17) or GeneralizedTime (0x18) in the forms X.509 allows (RFC 5280 §4.1.2.5). */
export function derTime(el: Der): Date {
  const s = new TextDecoder().decode(el.value);
  const m = el.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : el.tag === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : null;
  if (!m) throw new ExplorerError('BAD_DER', 'bad certificate time');
  let year = Number(m[1]);
  if (el.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
