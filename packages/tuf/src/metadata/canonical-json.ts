import { TufError } from '../errors.js';

/**
 * OLPC canonical JSON (protocols.md §2.4), used here for key IDs only: metadata
 * signing payloads come from @tufjs/models itself (see signing.ts) so that what we
 * sign is byte-for-byte what tuf-js verifies. Rules: members sorted by code unit,
 * no whitespace, integers only, strings escape only `\` and `"`.
 */
export function toCanonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TufError('INVALID_INPUT', `canonical JSON has integers only, not ${value}`);
      return String(value);
    case 'string':
      return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(toCanonicalJson).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${toCanonicalJson(k)}:${toCanonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TufError('INVALID_INPUT', `canonical JSON cannot encode a ${typeof value}`);
  }
}
