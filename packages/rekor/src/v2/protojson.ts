import { RekorError } from '../errors.js';
import { printable } from '../types/fields.js';

/**
 * Strict readers for protobuf-JSON request bodies, as Go's protojson.Unmarshal reads
 * them with DiscardUnknown false (upstream rekor-tiles internal/server/http.go uses a
 * strict marshaler): every failure is MALFORMED_ENTRY naming the field.
 *
 * - A field may be spelled with its JSON name (lowerCamelCase) or its proto name
 *   (snake_case); spelling the same field both ways is an error, as in protojson.
 * - Unknown fields are errors.
 * - `null` is the same as absent (protojson treats null as the default value).
 * - `bytes` are base64, standard or URL-safe, padded or not (protojson accepts all four).
 */

function malformed(field: string, problem: string): RekorError {
  return new RekorError('MALFORMED_ENTRY', `${field}: ${problem}`);
}

/** JSON name → proto name, for the fields of one message. */
export type MessageShape = Readonly<Record<string, string>>;

/**
 * Reads a message object: returns its fields under their JSON names (null dropped),
 * refusing unknown fields and fields given under both names.
 */
export function readMessage(v: unknown, field: string, shape: MessageShape): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(field, 'must be an object');
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const protoToJson = new Map(Object.entries(shape).map(([json, proto]) => [proto, json]));
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    const json = Object.hasOwn(shape, key) ? key : protoToJson.get(key);
    if (json === undefined) throw malformed(field, `unknown field "${printable(key)}"`);
    if (seen.has(json)) throw malformed(`${field}.${json}`, 'given more than once (JSON name and proto name)');
    seen.add(json);
    if (value !== null) out[json] = value;
  }
  return out;
}

/** The one field set of a oneof, or undefined when none is. More than one is an error. */
export function oneof(msg: Record<string, unknown>, field: string, names: readonly string[]): string | undefined {
  const set = names.filter((n) => msg[n] !== undefined);
  if (set.length > 1) throw malformed(field, `only one of ${set.join(', ')} may be set`);
  return set[0];
}

export function requireField(msg: Record<string, unknown>, name: string, field: string): unknown {
  const v = msg[name];
  if (v === undefined) throw malformed(`${field}.${name}`, 'required');
  return v;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** A `bytes` field: base64 (standard or URL-safe, padding optional), non-empty when `required`. */
export function bytesField(v: unknown, field: string, opts: { maxBytes?: number } = {}): Buffer {
  if (v === undefined) throw malformed(field, 'required');
  if (typeof v !== 'string') throw malformed(field, 'must be a base64 string');
  const std = B64.test(v);
  if (!std && !B64URL.test(v)) throw malformed(field, 'not valid base64');
  const unpadded = v.replace(/=+$/, '');
  // A lone trailing character (length ≡ 1 mod 4) encodes no whole byte; padding must make a multiple of 4.
  if (unpadded.length % 4 === 1 || (v.length !== unpadded.length && v.length % 4 !== 0)) throw malformed(field, 'not valid base64 (bad length or padding)');
  if (opts.maxBytes !== undefined && Math.floor((unpadded.length * 3) / 4) > opts.maxBytes)
    throw malformed(field, `${Math.floor((unpadded.length * 3) / 4)} bytes exceeds the limit of ${opts.maxBytes}`);
  const b = Buffer.from(unpadded, std ? 'base64' : 'base64url');
  // Go's decoder refuses non-zero bits in the last, partial group (they would not round-trip).
  if (b.toString(std ? 'base64' : 'base64url').replace(/=+$/, '') !== unpadded) throw malformed(field, 'not valid base64 (non-canonical final group)');
  if (b.length === 0) throw malformed(field, 'must not be empty');
  return b;
}

/** A string field (empty = absent, as proto3 has no presence for strings). */
export function stringField(v: unknown, field: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw malformed(field, 'must be a string');
  return v;
}

/** A repeated field: an array of at most `max` items. */
export function repeatedField(v: unknown, field: string, max: number): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw malformed(field, 'must be an array');
  if (v.length > max) throw malformed(field, `at most ${max} items are accepted, got ${v.length}`);
  return v;
}

/** An enum field given by name or by number; returns the name. */
export function enumField<N extends string>(v: unknown, field: string, numbers: Readonly<Record<N, number>>): N | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') {
    if (Object.hasOwn(numbers, v)) return v as N;
    throw malformed(field, `unknown value "${printable(v)}"`);
  }
  if (typeof v === 'number' && Number.isInteger(v)) {
    const name = (Object.keys(numbers) as N[]).find((n) => numbers[n] === v);
    if (name) return name;
    throw malformed(field, `unknown or unsupported value ${v}`);
  }
  throw malformed(field, 'must be an enum name (string) or number');
}
