/**
 * JSON as Go's encoding/json writes it, for bytes that must match what cosign writes:
 * map keys sorted, and `<`, `>`, `&`, U+2028, U+2029 escaped as \u00XX (Go's HTML-safe
 * default). Struct field order is the caller's: objects keep their insertion order
 * unless `sortKeys` applies to them (Go maps).
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A copy with its keys in Go's map order (sorted bytewise). */
export function sortKeys<T>(map: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
    out[k] = map[k]!;
  return out;
}
