/**
 * RFC 8785 JSON Canonicalization Scheme, for the values sigstack emits (objects,
 * arrays, strings, booleans, null and safe integers). Rekor v1 canonical bodies and
 * SET payloads are JCS; Go clients recompute them, so the bytes must match exactly.
 *
 * - members sorted by UTF-16 code units (JavaScript's default string order);
 * - strings as ECMAScript JSON.stringify writes them (no escaping of <, >, &);
 * - numbers must be safe integers: nothing we sign has fractions, and refusing them
 *   keeps us out of the shortest-float corner of the spec.
 */
export function canonicalize(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`canonicalize: ${value} is not a safe integer`);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map(canonicalize).join(',') + ']';
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalize(obj[k])).join(',') + '}';
    }
    default:
      throw new TypeError(`canonicalize: cannot encode ${typeof value}`);
  }
}

/** canonicalize() as UTF-8 bytes. */
export function canonicalizeToBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
