/**
 * A minimal DER (X.690 §10) writer for the leaf-certificate hot path.
 *
 * Why not pkijs here: every issuance builds two TBSCertificates (precertificate and
 * final certificate) that must be byte-identical except for one extension. Composing
 * them from pre-encoded parts makes that identity hold by construction (the same
 * Buffers are reused), and costs a few microseconds instead of a pkijs object graph
 * per certificate. The CA's own root and intermediate are built with pkijs through
 * @sigstack/x509; test/ca/leaf-profile.test.ts decodes the leaves with pkijs and
 * node:crypto and checks every byte rule.
 *
 * Each function returns one complete TLV with minimal (definite, shortest-form)
 * lengths, as DER requires.
 */

/** Length octets: short form below 128, else the shortest long form. */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff]);
  if (n < 0x1000000) return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.from([0x84, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** One TLV with a single-octet identifier. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  let len = 0;
  for (const c of content) len += c.length;
  const lenOctets = derLength(len);
  const out = Buffer.allocUnsafe(1 + lenOctets.length + len);
  out[0] = tag;
  lenOctets.copy(out, 1);
  let off = 1 + lenOctets.length;
  for (const c of content) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
} as const;

export function sequence(...content: Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, ...content);
}

/** [n] EXPLICIT, or [n] IMPLICIT of a constructed type: a constructed context-specific TLV. */
export function contextConstructed(n: number, ...content: Uint8Array[]): Buffer {
  return tlv(0xa0 | n, ...content);
}

/** [n] IMPLICIT of a primitive type (e.g. GeneralName rfc822Name [1] IA5String). */
export function contextPrimitive(n: number, content: Uint8Array): Buffer {
  return tlv(0x80 | n, content);
}

export const DER_NULL: Buffer = Buffer.from([TAG.NULL, 0x00]);
export const DER_TRUE: Buffer = Buffer.from([TAG.BOOLEAN, 0x01, 0xff]);

export function octetString(value: Uint8Array): Buffer {
  return tlv(TAG.OCTET_STRING, value);
}

export function utf8String(value: string): Buffer {
  return tlv(TAG.UTF8_STRING, Buffer.from(value, 'utf8'));
}

/** BIT STRING from whole octets and the count of unused low bits in the last one. */
export function bitString(octets: Uint8Array, unusedBits = 0): Buffer {
  return tlv(TAG.BIT_STRING, Buffer.from([unusedBits]), octets);
}

/** INTEGER for a non-negative value given as unsigned big-endian octets (minimal content). */
export function unsignedInteger(value: Uint8Array): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  const trimmed = value.subarray(i);
  if (trimmed.length === 0) return tlv(TAG.INTEGER, Buffer.from([0]));
  return (trimmed[0]! & 0x80) !== 0 ? tlv(TAG.INTEGER, Buffer.from([0]), trimmed) : tlv(TAG.INTEGER, trimmed);
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted decimal (X.690 §8.19). Cached: the set in use is small. */
export function objectIdentifier(dotted: string): Buffer {
  let der = oidCache.get(dotted);
  if (!der) {
    der = encodeOid(dotted);
    if (oidCache.size < 1024) oidCache.set(dotted, der);
  }
  return der;
}

function encodeOid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) throw new RangeError(`not a dotted OID: ${dotted}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [a0, a1] = [arcs[0]!, arcs[1]!];
  if (a0 < 2n && a1 > 39n) throw new RangeError(`not a valid OID: ${dotted}`);
  const out: number[] = [];
  for (const arc of [a0 * 40n + a1, ...arcs.slice(2)]) {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) group.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...group);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/**
 * An X.509 Time (RFC 5280 §4.1.2.5): UTCTime "YYMMDDHHMMSSZ" for 1950 through 2049,
 * GeneralizedTime "YYYYMMDDHHMMSSZ" otherwise; whole seconds (the fraction is dropped).
 */
export function x509Time(ms: number): Buffer {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`time out of range: ${ms}`);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const s = `${p(year, 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return year >= 1950 && year < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(s.slice(2), 'latin1')) : tlv(TAG.GENERALIZED_TIME, Buffer.from(s, 'latin1'));
}

/**
 * Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
 *                          extnValue OCTET STRING }
 * DER omits `critical` when it is FALSE (the DEFAULT).
 */
export function extensionDer(oid: string, critical: boolean, extnValue: Uint8Array): Buffer {
  return critical ? sequence(objectIdentifier(oid), DER_TRUE, octetString(extnValue)) : sequence(objectIdentifier(oid), octetString(extnValue));
}

/** Reads one TLV header at `off`: the content's start and end. Throws RangeError on anything not DER-shaped. */
export function readTlv(buf: Uint8Array, off: number): { tag: number; start: number; end: number } {
  if (off + 2 > buf.length) throw new RangeError('truncated DER');
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw new RangeError('multi-octet DER tags are not expected here');
  const l0 = buf[off + 1]!;
  let start = off + 2;
  let len = l0;
  if (l0 >= 0x80) {
    const n = l0 & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new RangeError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
    if (len < 0x80 || (n > 1 && buf[off + 2] === 0)) throw new RangeError('non-minimal DER length');
  }
  const end = start + len;
  if (end > buf.length) throw new RangeError('truncated DER');
  return { tag, start, end };
}
