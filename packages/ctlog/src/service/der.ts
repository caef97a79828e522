import { CtLogError } from '../errors.js';

/**
 * A strict reader of DER TLVs, just enough for the byte-exact surgery CT needs on a
 * TBSCertificate (drop one extension, re-encode the lengths around it). Why not
 * pkijs: re-encoding a parsed certificate is not guaranteed to reproduce every byte
 * of the input, and SCT verification fails on any difference; here everything but
 * the removed extension and the three enclosing lengths is copied verbatim.
 *
 * Single-byte tags and minimal definite lengths only (what DER and RFC 5280 require);
 * anything else throws INVALID_CERTIFICATE.
 */
export interface Tlv {
  /** Identifier octet (class, constructed bit, tag number). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the contents. */
  end: number;
}

export function readTlv(buf: Uint8Array, off: number, limit = buf.length, what = 'certificate'): Tlv {
  const bad = (why: string) => new CtLogError('INVALID_CERTIFICATE', `${what}: malformed DER (${why} at offset ${off})`);
  if (off + 2 > limit) throw bad('truncated TLV');
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw bad('multi-byte tag');
  const l0 = buf[off + 1]!;
  let contentStart = off + 2;
  let len = l0;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n === 0) throw bad('indefinite length');
    if (n > 4 || contentStart + n > limit) throw bad('length too long');
    if (buf[contentStart] === 0) throw bad('non-minimal length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    if (len < 0x80) throw bad('non-minimal length');
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > limit) throw bad('length beyond the enclosing value');
  return { tag, start: off, contentStart, end };
}

/** The TLVs directly inside a constructed TLV, which they must fill exactly. */
export function children(buf: Uint8Array, parent: Tlv, what?: string): Tlv[] {
  const out: Tlv[] = [];
  let off = parent.contentStart;
  while (off < parent.end) {
    const t = readTlv(buf, off, parent.end, what);
    out.push(t);
    off = t.end;
  }
  return out;
}

/** A DER length field (X.690 §8.1.3, minimal form). */
export function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** tag ‖ length ‖ contents, for re-wrapping copied contents after a change inside them. */
export function wrap(tag: number, parts: readonly Uint8Array[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}
