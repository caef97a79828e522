import { HASH_LENGTH, type HashAlgorithm } from '@sigstack/core';
import { RekorError } from '../errors.js';

/**
 * Strict readers for proposed-entry fields. Each failure is MALFORMED_ENTRY and names
 * the field (`spec.data.hash.value: ...`).
 *
 * Upstream decodes specs leniently (a value of the wrong type is treated as absent,
 * then reported missing); we say what is wrong instead. Absent and null are the same
 * thing, as they are for Go's decoder, and an empty string counts as absent, as in
 * upstream's DecodeEntry (`ok && c != ""`).
 */

function malformed(field: string, problem: string): RekorError {
  return new RekorError('MALFORMED_ENTRY', `${field}: ${problem}`);
}

export function isAbsent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

export function object(v: unknown, field: string): Record<string, unknown> {
  if (isAbsent(v)) throw malformed(field, 'required');
  if (typeof v !== 'object' || Array.isArray(v)) throw malformed(field, 'must be an object');
  return v as Record<string, unknown>;
}

export function optionalObject(v: unknown, field: string): Record<string, unknown> | undefined {
  return isAbsent(v) ? undefined : object(v, field);
}

/** A non-empty string. */
export function string(v: unknown, field: string): string {
  if (isAbsent(v)) throw malformed(field, 'required');
  if (typeof v !== 'string') throw malformed(field, 'must be a string');
  if (v === '') throw malformed(field, 'must not be empty');
  return v;
}

/**
 * A string that is copied into the canonical body. Lone UTF-16 surrogates are refused:
 * Go's decoder turns them into U+FFFD while JCS in JavaScript would write them as
 * `\udXXX` escapes, so the stored bytes would differ from upstream's.
 */
export function bodyString(v: unknown, field: string): string {
  const s = string(v, field);
  if (/\p{Cs}/u.test(s)) throw malformed(field, 'contains an unpaired UTF-16 surrogate');
  return s;
}

/** An array of at most `max` items (absent is an error). */
export function array(v: unknown, field: string, max: number): unknown[] {
  if (isAbsent(v)) throw malformed(field, 'required');
  if (!Array.isArray(v)) throw malformed(field, 'must be an array');
  if (v.length > max) throw malformed(field, `at most ${max} items are accepted, got ${v.length}`);
  return v;
}

// Alphabet and trailing padding only; the length and the padding's placement are
// checked by re-encoding (a simple character class keeps this linear and fast on MBs).
const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes standard base64 with padding (Go's `base64.StdEncoding`, which is how
 * go-swagger reads `format: byte`), strictly: no whitespace, and the unused bits of the
 * last group must be zero (the string is the canonical encoding of its bytes).
 * Undefined when `s` is not such a string.
 */
export function decodeStdBase64(s: string): Buffer | undefined {
  if (s.length % 4 !== 0 || !STD_B64.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

/** Like decodeStdBase64, for Go's `base64.URLEncoding` (URL alphabet, padded). */
export function decodeUrlBase64(s: string): Buffer | undefined {
  if (s.length % 4 !== 0 || !URL_B64.test(s)) return undefined;
  return decodeStdBase64(s.replace(/-/g, '+').replace(/_/g, '/'));
}

/** The decoded size of a base64 string, computed before decoding it (for size limits). */
export function base64DecodedLength(s: string): number {
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor(s.length / 4) * 3 - padding);
}

/** A required, non-empty, strictly standard-base64 field. */
export function base64(v: unknown, field: string): Buffer {
  const s = string(v, field);
  const b = decodeStdBase64(s);
  if (!b) throw malformed(field, 'not valid standard base64 (RFC 4648 §4, padded, no whitespace)');
  return b;
}

/** `{algorithm, value}` with the algorithm in `allowed` and the value lower-case hex of the right length. */
export function hashField(v: unknown, field: string, allowed: readonly HashAlgorithm[]): { algorithm: HashAlgorithm; value: string } {
  const h = object(v, field);
  const algorithm = string(h.algorithm, `${field}.algorithm`);
  if (!(allowed as readonly string[]).includes(algorithm))
    throw malformed(`${field}.algorithm`, `"${printable(algorithm)}" is not supported (expected ${allowed.join(' or ')})`);
  const alg = algorithm as HashAlgorithm;
  const value = string(h.value, `${field}.value`);
  assertHexDigest(value, alg, `${field}.value`);
  return { algorithm: alg, value };
}

/**
 * A digest as lower-case hex of exactly the algorithm's length. Upstream also accepts
 * upper-case hex (and stores it as given); every client sends lower case, and one
 * spelling per digest keeps the leaf, and so the 409 dedupe, unique.
 */
export function assertHexDigest(value: string, alg: HashAlgorithm, field: string): void {
  const n = HASH_LENGTH[alg] * 2;
  if (value.length !== n) throw malformed(field, `expected ${n} hex characters for ${alg}, got ${value.length}`);
  if (!/^[0-9a-f]+$/.test(value)) throw malformed(field, `expected lower-case hex (${n} characters of 0-9a-f for ${alg})`);
}

/** A bounded, printable rendering of client text for error messages. */
export function printable(s: string, max = 64): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}
