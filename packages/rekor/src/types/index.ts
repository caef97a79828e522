import { RekorError } from '../errors.js';
import { canonicalizeDsseV001 } from './dsse-v001.js';
import { resolveEntryLimits } from './entry-limits.js';
import type { CanonicalEntry, EntryCanonicalizer, EntryLimits } from './entry.types.js';
import { object, printable, string } from './fields.js';
import { canonicalizeHashedRekordV001 } from './hashedrekord-v001.js';
import { canonicalizeIntotoV001 } from './intoto-v001.js';
import { canonicalizeIntotoV002 } from './intoto-v002.js';
import { canonicalizeRekordV001 } from './rekord-v001.js';

export type { CanonicalEntry, EntryCanonicalizer, EntryLimits } from './entry.types.js';
export { DEFAULT_ENTRY_LIMITS } from './entry-limits.js';
export { pae } from './dsse-envelope.js';

/** kind → apiVersion → canonicalizer. Anything else is UNSUPPORTED_KIND. */
const KINDS: ReadonlyMap<string, ReadonlyMap<string, EntryCanonicalizer>> = new Map([
  ['hashedrekord', new Map([['0.0.1', canonicalizeHashedRekordV001]])],
  ['rekord', new Map([['0.0.1', canonicalizeRekordV001]])],
  ['dsse', new Map([['0.0.1', canonicalizeDsseV001]])],
  [
    'intoto',
    new Map([
      ['0.0.1', canonicalizeIntotoV001],
      ['0.0.2', canonicalizeIntotoV002],
    ]),
  ],
]);

/** The kinds and apiVersions this log accepts, e.g. for documentation and error messages. */
export const SUPPORTED_ENTRY_TYPES: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries([...KINDS].map(([kind, versions]) => [kind, Object.freeze([...versions.keys()])])),
);

/**
 * Validates a proposed Rekor v1 entry (`{kind, apiVersion, spec}`), verifies its
 * signatures, and returns the canonical body upstream Rekor would store for it, with
 * its search-index keys. Throws RekorError naming the failing field:
 * UNSUPPORTED_KIND (unknown kind/apiVersion, unsupported rekord format),
 * MALFORMED_ENTRY, INVALID_KEY, INVALID_SIGNATURE.
 */
export async function canonicalizeProposedEntry(proposed: unknown, limits: Partial<EntryLimits> = {}): Promise<CanonicalEntry> {
  const resolved = resolveEntryLimits(limits);
  const p = object(proposed, 'entry');
  const kind = string(p.kind, 'kind');
  const apiVersion = string(p.apiVersion, 'apiVersion');
  const versions = KINDS.get(kind);
  if (!versions)
    throw new RekorError('UNSUPPORTED_KIND', `kind: "${printable(kind)}" is not supported by this log (supported: ${[...KINDS.keys()].join(', ')})`);
  const canonicalize = versions.get(apiVersion);
  if (!canonicalize)
    throw new RekorError(
      'UNSUPPORTED_KIND',
      `apiVersion: ${kind} "${printable(apiVersion)}" is not supported by this log (supported: ${[...versions.keys()].join(', ')})`,
    );
  const entry = await canonicalize(object(p.spec, 'spec'), resolved);
  return { ...entry, indexKeys: [...new Set(entry.indexKeys.map((k) => k.toLowerCase()))] };
}

/** The kind and apiVersion of a stored canonical body; MALFORMED_ENTRY if it has none. */
export function describeBody(body: Buffer): { kind: string; apiVersion: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new RekorError('MALFORMED_ENTRY', 'body: not JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RekorError('MALFORMED_ENTRY', 'body: not a JSON object');
  const { kind, apiVersion } = parsed as Record<string, unknown>;
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') throw new RekorError('MALFORMED_ENTRY', 'body: kind and apiVersion must be strings');
  return { kind, apiVersion };
}
