import { CoreError } from '../errors.js';

/**
 * The one strict DER reader of sigstack (X.690 §10), shared by every package that
 * reads ASN.1 someone else wrote: TimeStampReqs, CSRs, certificates (for byte-exact
 * surgery such as CT's precertificate TBS), SubjectPublicKeyInfos and signatures.
 *
 * Why not asn1js: it decodes BER (indefinite lengths, long-form lengths for short
 * values) and keeps no record of it, so it cannot tell DER from BER; and re-encoding
 * what it parsed is not guaranteed to reproduce the input bytes, which signatures and
 * SCTs are computed over. Here every element is located by offsets into the input, so
 * what callers copy, hash or echo is byte for byte what was sent.
 *
 * Strict means, and each refusal is a CoreError MALFORMED_DER naming what and where:
 * - definite lengths only (no 0x80 indefinite form);
 * - minimal length encoding (short form below 0x80, no leading zero octet);
 * - lengths of at most 4 octets, and never beyond the enclosing value;
 * - single-octet identifiers (tag numbers below 31: all RFC 5280/3161/5652 structures);
 * - nesting at most MAX_DER_DEPTH deep (no recursion bomb);
 * - `readDer` and `DerReader.end` refuse trailing bytes.
 * Callers wrap MALFORMED_DER into their own coded error at their parse boundary.
 */

/** Nesting bound: X.509 certificates and RFC 3161 requests nest about 8 deep. */
export const MAX_DER_DEPTH = 32;

/** One TLV, located in the buffer it was read from. */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the contents. */
  end: number;
  /** 0 for an outermost value, parent's depth + 1 inside it. */
  depth: number;
}

function malformed(message: string): CoreError {
  return new CoreError('MALFORMED_DER', message);
}

/** Whether `e` is the reader's refusal (so a caller can re-code it). */
export function isMalformedDer(e: unknown): e is CoreError {
  return e instanceof CoreError && e.code === 'MALFORMED_DER';
}

/**
 * Reads the TLV header at `off`; its contents must end by `limit`. `what` names the
 * structure in messages; `at` shifts reported offsets (for nested buffers).
 */
export function readTlv(buf: Uint8Array, off: number, limit = buf.length, depth = 0, what = 'DER', at = 0): Tlv {
  const where = at + off;
  if (depth > MAX_DER_DEPTH) throw malformed(`${what}: nested more than ${MAX_DER_DEPTH} deep (offset ${where})`);
  if (off >= limit) throw malformed(`${what} is missing (truncated at offset ${where})`);
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw malformed(`${what}: multi-octet tags are not supported (offset ${where})`);
  if (off + 1 >= limit) throw malformed(`${what}: truncated length at offset ${where}`);
  const l0 = buf[off + 1]!;
  let contentStart = off + 2;
  let len = l0;
  if (l0 === 0x80) throw malformed(`${what}: indefinite length is not DER (offset ${where})`);
  if (l0 > 0x80) {
    const n = l0 & 0x7f;
    if (n > 4) throw malformed(`${what}: length of ${n} octets is too large (offset ${where})`);
    if (contentStart + n > limit) throw malformed(`${what}: truncated length at offset ${where}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    if (buf[contentStart] === 0 || len < 0x80) throw malformed(`${what}: non-minimal length encoding is not DER (offset ${where})`);
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > limit) throw malformed(`${what}: truncated (needs ${len} content octets, has ${limit - contentStart}) at offset ${where}`);
  return { tag, start: off, contentStart, end, depth };
}

/** The one TLV that `buf` must be exactly: no trailing bytes. */
export function readDer(buf: Uint8Array, what = 'DER'): Tlv {
  const t = readTlv(buf, 0, buf.length, 0, what);
  if (t.end !== buf.length) throw malformed(`${what}: unexpected data at offset ${t.end} (trailing bytes after the value)`);
  return t;
}

/** The TLVs directly inside a constructed TLV, which they must fill exactly. */
export function children(buf: Uint8Array, parent: Tlv, what = 'DER'): Tlv[] {
  if ((parent.tag & 0x20) === 0) throw malformed(`${what}: a primitive value at offset ${parent.start} has no elements`);
  const out: Tlv[] = [];
  for (let off = parent.contentStart; off < parent.end; ) {
    const t = readTlv(buf, off, parent.end, parent.depth + 1, what);
    out.push(t);
    off = t.end;
  }
  return out;
}

/** The content octets of `t`. */
export function contents(buf: Uint8Array, t: Tlv): Buffer {
  return toBuffer(buf).subarray(t.contentStart, t.end);
}

/** The whole TLV's octets (tag, length and contents). */
export function tlvBytes(buf: Uint8Array, t: Tlv): Buffer {
  return toBuffer(buf).subarray(t.start, t.end);
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** An element read by DerReader: its exact bytes, and where it sat. */
export interface DerElement {
  /** The identifier octet (class, constructed bit and tag number). */
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** The whole TLV. */
  tlv: Buffer;
  /** Offset of the TLV in the outermost buffer, for messages. */
  offset: number;
  depth: number;
}

/**
 * A cursor over a sequence of elements, for decoding a structure field by field with
 * messages that name the field ("TimeStampReq.nonce: non-minimal INTEGER ...").
 */
export class DerReader {
  readonly #buf: Buffer;
  readonly #base: number;
  readonly #depth: number;
  #pos = 0;

  /** `what` names the structure in error messages ("TimeStampReq"). */
  constructor(
    buf: Uint8Array,
    private readonly what: string,
    base = 0,
    depth = 0,
  ) {
    this.#buf = toBuffer(buf);
    this.#base = base;
    this.#depth = depth;
  }

  get done(): boolean {
    return this.#pos >= this.#buf.length;
  }

  /** The identifier octet of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.#buf[this.#pos];
  }

  /** Reads the next element, which must have `tag` if given; `field` names it in errors. */
  read(tag?: number, field?: string): DerElement {
    const name = field ? `${this.what}.${field}` : this.what;
    // A wrong tag is named before its length is read: "expected a SEQUENCE" says more about garbage than its length does.
    const first = this.#buf[this.#pos];
    if (tag !== undefined && first !== undefined && (first & 0x1f) !== 0x1f && first !== tag)
      throw malformed(`${name}: expected tag 0x${hex(tag)}, found 0x${hex(first)} at offset ${this.#base + this.#pos}`);
    const t = readTlv(this.#buf, this.#pos, this.#buf.length, this.#depth, name, this.#base);
    this.#pos = t.end;
    return { tag: t.tag, content: this.#buf.subarray(t.contentStart, t.end), tlv: this.#buf.subarray(t.start, t.end), offset: this.#base + t.start, depth: t.depth };
  }

  /** A reader over a constructed element's content, one level deeper. */
  enter(el: DerElement, what: string): DerReader {
    if ((el.tag & 0x20) === 0) throw malformed(`${what} must be constructed (offset ${el.offset})`);
    if (el.depth + 1 > MAX_DER_DEPTH) throw malformed(`${what}: nested more than ${MAX_DER_DEPTH} deep (offset ${el.offset})`);
    const headerLen = el.tlv.length - el.content.length;
    return new DerReader(el.content, what, el.offset + headerLen, el.depth + 1);
  }

  /** Asserts that nothing follows. */
  end(): void {
    if (!this.done) throw malformed(`${this.what}: unexpected data at offset ${this.#base + this.#pos}`);
  }
}

/** INTEGER content: non-empty and minimal (X.690 §8.3.2). Returns the content octets. */
export function checkInteger(el: DerElement, name: string): Buffer {
  return checkIntegerContent(el.content, name);
}

/** INTEGER content octets: non-empty and minimal (X.690 §8.3.2). */
export function checkIntegerContent(c: Buffer, name: string): Buffer {
  if (c.length === 0) throw malformed(`${name}: empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0x00 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) !== 0)))
    throw malformed(`${name}: non-minimal INTEGER encoding is not DER`);
  return c;
}

/** A small non-negative INTEGER as a number (versions); -1 when it is not one. */
export function readSmallInteger(el: DerElement, name: string): number {
  const c = checkInteger(el, name);
  if (c.length > 4 || (c[0]! & 0x80) !== 0) return -1;
  return c.reduce((n, b) => n * 256 + b, 0);
}

/** BOOLEAN: DER allows exactly 0x00 and 0xFF (X.690 §11.1). */
export function readBoolean(el: DerElement, name: string): boolean {
  if (el.content.length !== 1 || (el.content[0] !== 0x00 && el.content[0] !== 0xff)) throw malformed(`${name}: BOOLEAN must be one octet 0x00 or 0xFF in DER`);
  return el.content[0] === 0xff;
}

/** Real OIDs are a few dozen octets; upstream caps them at 128 arcs. */
const MAX_OID_OCTETS = 128;

/** OBJECT IDENTIFIER contents to dotted decimal, refusing non-minimal sub-identifiers. */
export function oidFromContent(c: Uint8Array, name = 'OBJECT IDENTIFIER'): string {
  if (c.length === 0 || (c[c.length - 1]! & 0x80) !== 0) throw malformed(`${name}: malformed OBJECT IDENTIFIER`);
  if (c.length > MAX_OID_OCTETS) throw malformed(`${name}: OBJECT IDENTIFIER longer than ${MAX_OID_OCTETS} octets`);
  // Sub-identifiers are base-128, big-endian, minimal (no leading 0x80 octet).
  const arcs: (number | bigint)[] = [];
  let v = 0;
  let big: bigint | undefined; // once an arc outgrows 2^53
  let first = true;
  for (let i = 0; i < c.length; i++) {
    const b = c[i]!;
    if (first && b === 0x80) throw malformed(`${name}: non-minimal OBJECT IDENTIFIER sub-identifier`);
    if (big === undefined && v >= 2 ** 45) big = BigInt(v);
    if (big !== undefined) big = (big << 7n) | BigInt(b & 0x7f);
    else v = v * 128 + (b & 0x7f);
    first = false;
    if ((b & 0x80) === 0) {
      arcs.push(big ?? v);
      v = 0;
      big = undefined;
      first = true;
    }
  }
  const head = arcs[0]!;
  const [a0, a1] = head < 40 ? [0, head] : head < 80 ? [1, Number(head) - 40] : [2, typeof head === 'bigint' ? head - 80n : head - 80];
  return [a0, a1, ...arcs.slice(1)].join('.');
}

/** An OBJECT IDENTIFIER element to dotted decimal. */
export function readOid(el: DerElement, name: string): string {
  if (el.tag !== 0x06) throw malformed(`${name}: expected an OBJECT IDENTIFIER, found tag 0x${hex(el.tag)}`);
  return oidFromContent(el.content, name);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
