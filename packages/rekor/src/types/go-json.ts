/**
 * What Go's encoding/json would make of an already-parsed JSON value, for the places
 * where upstream's outcome depends on it: which index keys an in-toto payload yields
 * (a payload that does not decode into upstream's struct yields none), and how a DSSE
 * envelope is read.
 *
 * The rules reproduced (encoding/json `Unmarshal` into a struct):
 * - object keys match struct fields by exact name, else case-insensitively (ASCII
 *   folding here; Go also folds a few non-ASCII letters such as U+212A KELVIN SIGN);
 *   every matching key is decoded, so the last one wins and any one of the wrong type
 *   is an error; unknown keys are ignored;
 * - `null` decodes into anything as "leave the zero value";
 * - a value of the wrong JSON type is an error (Go keeps decoding, but Unmarshal
 *   returns the error and upstream then discards the result).
 */

export type GoShape =
  | 'string'
  | 'bool'
  /** time.Time: a JSON string in strict RFC 3339 form. */
  | 'time'
  /** interface{} or json.RawMessage: anything. */
  | 'any'
  /** map[string]string. */
  | 'stringMap'
  | { readonly array: GoShape }
  | { readonly fields: Readonly<Record<string, GoShape>> };

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function fieldFor(key: string, fields: Readonly<Record<string, GoShape>>): string | undefined {
  if (Object.hasOwn(fields, key)) return key;
  const folded = asciiLower(key);
  return Object.keys(fields).find((f) => asciiLower(f) === folded);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether Go's json.Unmarshal of `v` into a value of `shape` succeeds. */
export function goDecodes(v: unknown, shape: GoShape): boolean {
  if (v === null) return true;
  switch (shape) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'time':
      return typeof v === 'string' && isStrictRfc3339(v);
    case 'any':
      return true;
    case 'stringMap':
      return isPlainObject(v) && Object.values(v).every((x) => x === null || typeof x === 'string');
  }
  if ('array' in shape) return Array.isArray(v) && v.every((x) => goDecodes(x, shape.array));
  if (!isPlainObject(v)) return false;
  for (const [k, x] of Object.entries(v)) {
    const f = fieldFor(k, shape.fields);
    if (f !== undefined && !goDecodes(x, shape.fields[f]!)) return false;
  }
  return true;
}

/** The value Go would leave in struct field `name`: the last key matching it (undefined if none). */
export function goField(obj: Record<string, unknown>, name: string): unknown {
  let found: unknown;
  const folded = asciiLower(name);
  for (const [k, x] of Object.entries(obj)) if (k === name || asciiLower(k) === folded) found = x;
  return found;
}

/** The entries of a decoded map[string]string (null values become ""). */
export function goStringMapEntries(v: unknown): [string, string][] {
  if (!isPlainObject(v)) return [];
  return Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : '']);
}

/** The elements of a decoded slice (empty for null). */
export function goSlice(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** time.Time's UnmarshalJSON acceptance (Go's parseStrictRFC3339): exact layout, fields in range. */
export function isStrictRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [year, month, day, hour, min, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || min > 59 || sec > 59) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 100) {
    // Date.UTC maps years 0-99 to 1900-1999; leap years differ only for year 0 (leap) vs 1900 (not).
    if (day < 1 || day > (month === 2 && year === 0 ? 29 : daysInMonth)) return false;
  } else if (day < 1 || day > daysInMonth) return false;
  if (m[8] !== 'Z' && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}
