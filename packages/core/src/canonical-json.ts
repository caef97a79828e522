const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * RFC 8785 JSON Canonicalization Scheme, for the values sigstack emits (objects,
 * arrays, strings, booleans, null and safe integers). Rekor v1 canonical bodies and
 * SET payloads are JCS; Go clients recompute them, so the bytes must match exactly.
 *
 * - members sorted by UTF-16 code units (JavaScript's default string order);
 * - strings as ECMAScript JSON.stringify writes them (no escaping of <, >, &);
 * - numbers must be safe integers (bigint too): nothing we sign has fractions, and
 *   refusing them keeps us out of the shortest-float corner of the spec;
 * - plain objects and arrays only; undefined members are dropped as JSON.stringify
 *   drops them, undefined array elements (and holes) are refused.
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
      // JCS numbers are IEEE doubles: a verifier re-serialising 2^53 + 1 gets 9007199254740992.
      if (value > MAX_SAFE || value < -MAX_SAFE) throw new TypeError(`canonicalize: ${value} is not a safe integer`);
      return value.toString();
    case 'object': {
      if (Array.isArray(value)) {
        // Not value.map(): it skips holes, and [1, , 2] would come out as "[1,,2]".
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) parts.push(canonicalize(value[i]));
        return '[' + parts.join(',') + ']';
      }
      // Only plain objects: a Date, Map, Buffer or class instance would be written as
      // its own enumerable keys (a Date as {}), silently unlike JSON.stringify.
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null)
        throw new TypeError(`canonicalize: cannot encode ${(value as object).constructor?.name ?? 'non-plain object'}`);
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
