import { TsaError } from '../errors.js';

/**
 * A strict DER reader for what callers send us (TimeStampReq) and for slicing the
 * raw Name/serial bytes out of our certificates.
 *
 * Why not asn1js here: asn1js decodes BER (indefinite lengths, long-form lengths
 * for short values, non-minimal INTEGERs, BOOLEAN TRUE as any non-zero octet) and
 * keeps no record of it, so it cannot tell DER from BER. This reader refuses all
 * of those, and every element keeps its exact bytes (`tlv`), so what we echo is
 * byte-for-byte what the caller sent.
 *
 * Only single-octet identifiers (tag numbers below 31) are supported; none of the
 * structures read here uses more.
 */
export interface DerElement {
  /** The identifier octet (class, constructed bit and tag number). */
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** The whole TLV. */
  tlv: Buffer;
  /** Offset of the TLV in the outermost buffer, for messages. */
  offset: number;
}

export class DerReader {
  readonly #buf: Buffer;
  readonly #base: number;
  #pos = 0;

  /** `what` names the structure in error messages ("TimeStampReq"). */
  constructor(
    buf: Buffer,
    private readonly what: string,
    base = 0,
  ) {
    this.#buf = buf;
    this.#base = base;
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
    const buf = this.#buf;
    const start = this.#pos;
    const at = this.#base + start;
    const name = field ? `${this.what}.${field}` : this.what;
    if (start >= buf.length) throw this.fail(`${name} is missing (truncated at offset ${at})`);
    const t = buf[start]!;
    if ((t & 0x1f) === 0x1f) throw this.fail(`${name}: multi-octet tags are not supported (offset ${at})`);
    if (tag !== undefined && t !== tag) throw this.fail(`${name}: expected tag 0x${hex(tag)}, found 0x${hex(t)} at offset ${at}`);
    if (start + 1 >= buf.length) throw this.fail(`${name}: truncated length at offset ${at}`);
    const l0 = buf[start + 1]!;
    let len: number;
    let hdr: number;
    if (l0 < 0x80) {
      len = l0;
      hdr = 2;
    } else if (l0 === 0x80) {
      throw this.fail(`${name}: indefinite length is not DER (offset ${at})`);
    } else {
      const n = l0 & 0x7f;
      if (n > 4) throw this.fail(`${name}: length of ${n} octets is too large (offset ${at})`);
      if (start + 2 + n > buf.length) throw this.fail(`${name}: truncated length at offset ${at}`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[start + 2 + i]!;
      if (buf[start + 2] === 0 || len < 0x80) throw this.fail(`${name}: non-minimal length encoding is not DER (offset ${at})`);
      hdr = 2 + n;
    }
    const end = start + hdr + len;
    if (end > buf.length) throw this.fail(`${name}: truncated (needs ${len} content octets, has ${buf.length - start - hdr}) at offset ${at}`);
    this.#pos = end;
    return { tag: t, content: buf.subarray(start + hdr, end), tlv: buf.subarray(start, end), offset: at };
  }

  /** A reader over a constructed element's content. */
  enter(el: DerElement, what: string): DerReader {
    if ((el.tag & 0x20) === 0) throw this.fail(`${what} must be constructed (offset ${el.offset})`);
    const headerLen = el.tlv.length - el.content.length;
    return new DerReader(el.content, what, el.offset + headerLen);
  }

  /** Asserts that nothing follows. */
  end(): void {
    if (!this.done) throw this.fail(`${this.what}: unexpected data at offset ${this.#base + this.#pos}`);
  }

  fail(message: string): TsaError {
    return new TsaError('MALFORMED_REQUEST', message);
  }
}

/** INTEGER content: non-empty and minimal (X.690 §8.3.2). Returns the content octets. */
export function checkInteger(el: DerElement, name: string): Buffer {
  const c = el.content;
  if (c.length === 0) throw new TsaError('MALFORMED_REQUEST', `${name}: empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0x00 && (c[1]! & 0x80) === 0) || (c[0] === 0xff && (c[1]! & 0x80) !== 0)))
    throw new TsaError('MALFORMED_REQUEST', `${name}: non-minimal INTEGER encoding is not DER`);
  return c;
}

/** A small non-negative INTEGER as a number (versions). */
export function readSmallInteger(el: DerElement, name: string): number {
  const c = checkInteger(el, name);
  if (c.length > 4 || (c[0]! & 0x80) !== 0) return -1;
  return c.reduce((n, b) => n * 256 + b, 0);
}

/** BOOLEAN: DER allows exactly 0x00 and 0xFF (X.690 §11.1). */
export function readBoolean(el: DerElement, name: string): boolean {
  if (el.content.length !== 1 || (el.content[0] !== 0x00 && el.content[0] !== 0xff))
    throw new TsaError('MALFORMED_REQUEST', `${name}: BOOLEAN must be one octet 0x00 or 0xFF in DER`);
  return el.content[0] === 0xff;
}

/** OBJECT IDENTIFIER content to dotted decimal, refusing non-minimal sub-identifiers. */
export function readOid(el: DerElement, name: string): string {
  const c = el.content;
  if (c.length === 0 || (c[c.length - 1]! & 0x80) !== 0) throw new TsaError('MALFORMED_REQUEST', `${name}: malformed OBJECT IDENTIFIER`);
  // Real OIDs are a few dozen octets; upstream caps them at 128 arcs.
  if (c.length > MAX_OID_OCTETS) throw new TsaError('MALFORMED_REQUEST', `${name}: OBJECT IDENTIFIER longer than ${MAX_OID_OCTETS} octets`);
  // Sub-identifiers are base-128, big-endian, minimal (no leading 0x80 octet).
  const arcs: (number | bigint)[] = [];
  let v = 0;
  let big: bigint | undefined; // once an arc outgrows 2^53
  let first = true;
  for (let i = 0; i < c.length; i++) {
    const b = c[i]!;
    if (first && b === 0x80) throw new TsaError('MALFORMED_REQUEST', `${name}: non-minimal OBJECT IDENTIFIER sub-identifier`);
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

const MAX_OID_OCTETS = 128;

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
