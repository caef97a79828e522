import { RekorError } from '../errors.js';
import { canonicalizeDsseV001 } from './dsse-v001.js';
import { DEFAULT_ENTRY_LIMITS, type CanonicalEntry, type EntryCanonicalizer, type EntryLimits } from './entry-type.js';
import { canonicalizeHashedRekordV001 } from './hashedrekord-v001.js';
import { canonicalizeIntotoV001 } from './intoto-v001.js';
import { canonicalizeIntotoV002 } from './intoto-v002.js';
import { canonicalizeRekordV001 } from './rekord-v001.js';
import { object, string } from './fields.js';

export type { CanonicalEntry, EntryLimits } from './entry-type.js';
export { DEFAULT_ENTRY_LIMITS } from './entry-type.js';
export { pae } from './dsse-envelope.js';

/** kind → apiVersion → canonicalizer. Everything else is UNSUPPORTED_KIND. */
const KINDS: Record<string, Record<string, EntryCanonicalizer>> = {
  hashedrekord: { '0.0.1': canonicalizeHashedRekordV001 },
  rekord: { '0.0.1': canonicalizeRekordV001 },
  dsse: { '0.0.1': canonicalizeDsseV001 },
  intoto: { '0.0.1': canonicalizeIntotoV001, '0.0.2': canonicalizeIntotoV002 },
};

/**
 * Validates a proposed Rekor v1 entry, verifies its signatures, and returns its
 * canonical body and index keys. Throws RekorError naming the failing field.
 */
export async function canonicalizeProposedEntry(proposed: unknown, limits: Partial<EntryLimits> = {}): Promise<CanonicalEntry> {
  const p = object(proposed, 'entry');
  const kind = string(p.kind, 'kind');
  const apiVersion = string(p.apiVersion, 'apiVersion');
  const versions = KINDS[kind];
  if (!versions) throw new RekorError('UNSUPPORTED_KIND', `kind "${kind.slice(0, 64)}" is not supported (${Object.keys(KINDS).join(', ')})`);
  const fn = versions[apiVersion];
  if (!fn) throw new RekorError('UNSUPPORTED_KIND', `${kind} apiVersion "${apiVersion.slice(0, 32)}" is not supported (${Object.keys(versions).join(', ')})`);
  return fn(object(p.spec, 'spec'), { ...DEFAULT_ENTRY_LIMITS, ...limits });
}

/** kind and apiVersion of a stored canonical body. */
export function describeBody(body: Buffer): { kind: string; apiVersion: string } {
  const o = JSON.parse(body.toString('utf8')) as { kind: string; apiVersion: string };
  return { kind: o.kind, apiVersion: o.apiVersion };
}
