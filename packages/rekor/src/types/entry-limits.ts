import { RekorError } from '../errors.js';
import type { EntryLimits } from './entry.types.js';

/**
 * Default bounds on one proposed entry. Upstream bounds entries only by the HTTP body
 * size; we also bound the parts whose processing cost grows with their count or size.
 *
 * - maxSignatures 16: real clients send one signature and one verifier; every extra
 *   one costs a signature verification per verifier.
 * - maxEnvelopeBytes 1 MiB: in-toto attestations (SLSA provenance, SBOM references)
 *   are kilobytes; the envelope is hashed and parsed as JSON.
 * - maxArtifactBytes 3 MiB: rekord carries the whole artifact base64-encoded in the
 *   request (4 MiB of JSON), which is only sensible for small files.
 * - maxKeyBytes 64 KiB: a certificate is a few kilobytes.
 */
export const DEFAULT_ENTRY_LIMITS: Readonly<EntryLimits> = Object.freeze({
  maxSignatures: 16,
  maxEnvelopeBytes: 1024 * 1024,
  maxArtifactBytes: 3 * 1024 * 1024,
  maxKeyBytes: 64 * 1024,
});

/** Fills in defaults; refuses a limit that is not a positive safe integer (a configuration error). */
export function resolveEntryLimits(limits: Partial<EntryLimits> = {}): EntryLimits {
  const out: EntryLimits = { ...DEFAULT_ENTRY_LIMITS };
  for (const name of Object.keys(DEFAULT_ENTRY_LIMITS) as (keyof EntryLimits)[]) {
    const v = limits[name];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v <= 0) throw new TypeError(`entry limit ${name} must be a positive integer, got ${String(v)}`);
    out[name] = v;
  }
  return out;
}

/** MALFORMED_ENTRY when `size` exceeds `max`, naming the field and the limit. */
export function assertWithinLimit(size: number, max: number, field: string, what = 'bytes'): void {
  if (size > max) throw new RekorError('MALFORMED_ENTRY', `${field}: ${size} ${what} exceeds the limit of ${max}`);
}
