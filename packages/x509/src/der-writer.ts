/**
 * A minimal DER (X.690 §10) writer for hot paths: the TSA's TimeStampResp and the
 * Fulcio leaf certificate (with its precertificate twin).
 *
 * Why not pkijs there: building one TimeStampResp through pkijs/asn1js objects costs
 * ~550 µs of CPU, ten times the ECDSA signature itself, and every Fulcio issuance
 * builds two TBSCertificates that must be byte-identical but for one extension;
 * composing them from pre-encoded parts makes that identity hold by construction (the
 * same Buffers are reused). The structures are small and fixed, so they are composed
 * from these few primitives. Everything off the per-request path (CA certificates,
 * chains) is built with pkijs (certificate-builder.ts). test/der-writer.test.ts checks
 * the primitives against asn1js; the TSA's pkijs-oracle test and Fulcio's leaf-profile
 * test check the composed structures.
 *
 * Each function returns one complete TLV with minimal (definite, shortest-form)
 * lengths, as DER requires, unless its name says it returns content octets.
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

/** Universal tags (single-octet identifiers) that the writers and readers use. */
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
  SET: 0x31,
} as const;

export function sequence(...content: Uint8Array[]): Buffer {
  return tlv(TAG.SEQUENCE, ...content);
}

/**
 * SET OF: DER orders the elements by their encodings, compared as octet strings
 * (X.690 §11.6). OpenSSL re-encodes signed attributes before it verifies a CMS
 * signature, so an unsorted set would not verify there.
 */
export function setOf(...elements: Buffer[]): Buffer {
  return tlv(TAG.SET, ...[...elements].sort(Buffer.compare));
}

/** [n] EXPLICIT, or [n] IMPLICIT of a constructed type: a constructed context-specific TLV around complete TLVs. */
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

/**
 * INTEGER from already minimal two's-complement content octets (as found in a
 * certificate or a request, echoed byte for byte).
 */
export function integerFromContent(content: Uint8Array): Buffer {
  return tlv(TAG.INTEGER, content);
}

/** Minimal INTEGER content octets for a non-negative value given as unsigned big-endian octets. */
export function unsignedIntegerContent(value: Uint8Array): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  const trimmed = value.subarray(i);
  if (trimmed.length === 0) return Buffer.from([0]);
  return (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
}

/** INTEGER for a non-negative value given as unsigned big-endian octets. */
export function unsignedInteger(value: Uint8Array): Buffer {
  return tlv(TAG.INTEGER, unsignedIntegerContent(value));
}

/** Minimal INTEGER content octets for a non-negative bigint. */
export function bigintContent(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('bigintContent: negative value');
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return unsignedIntegerContent(Buffer.from(hex, 'hex'));
}

/** INTEGER for a non-negative bigint. */
export function bigintInteger(value: bigint): Buffer {
  return tlv(TAG.INTEGER, bigintContent(value));
}

/** INTEGER for a small non-negative number. */
export function smallInteger(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`smallInteger: ${n}`);
  return bigintInteger(BigInt(n));
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted decimal (X.690 §8.19). Cached: the set in use is small. */
export function objectIdentifier(dotted: string): Buffer {
  let der = oidCache.get(dotted);
  if (!der) {
    der = tlv(TAG.OID, oidContent(dotted));
    if (oidCache.size < 1024) oidCache.set(dotted, der);
  }
  return der;
}

/** Content octets of an OID; throws RangeError on a malformed dotted string. */
export function oidContent(dotted: string): Buffer {
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
  return Buffer.from(out);
}

/** "YYYYMMDDHHMMSSZ": whole seconds, UTC, no fraction (RFC 3161 §2.4.2, RFC 5280 §4.1.2.5.2). */
export function generalizedTime(ms: number): Buffer {
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(compactUtc(ms), 'latin1'));
}

/** "YYMMDDHHMMSSZ" (valid for 1950–2049). */
export function utcTime(ms: number): Buffer {
  return tlv(TAG.UTC_TIME, Buffer.from(compactUtc(ms).slice(2), 'latin1'));
}

/**
 * A CMS/X.509 Time: UTCTime for 1950 through 2049, GeneralizedTime otherwise, whole
 * seconds (the fraction is dropped). RFC 5652 §11.3 for signingTime, RFC 5280
 * §4.1.2.5 for certificate validity.
 */
export function timeChoice(ms: number): Buffer {
  const year = new Date(ms).getUTCFullYear();
  return year >= 1950 && year < 2050 ? utcTime(ms) : generalizedTime(ms);
}

function compactUtc(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`time out of range: ${ms}`);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(year, 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/**
 * Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
 *                          extnValue OCTET STRING }                    (RFC 5280 §4.1)
 * DER omits `critical` when it is FALSE (the DEFAULT).
 */
export function extensionDer(oid: string, critical: boolean, extnValue: Uint8Array): Buffer {
  return critical ? sequence(objectIdentifier(oid), DER_TRUE, octetString(extnValue)) : sequence(objectIdentifier(oid), octetString(extnValue));
}
