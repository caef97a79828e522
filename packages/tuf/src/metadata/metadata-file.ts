import { Metadata, MetadataKind, Root, Snapshot, Targets, Timestamp } from '@tufjs/models';
import { TufError } from '../errors.js';
import type { AnySigned, RoleName } from './signing.js';

/**
 * TUF spec version we write. Clients require major 1 and two or three numeric
 * components (protocols.md §10.1); 1.0.31 is the version python-tuf 7 and go-tuf v2 implement.
 */
export const SPEC_VERSION = '1.0.31';

/** TUF expiry: RFC 3339 UTC with second precision (python-tuf refuses fractions). */
export function toExpires(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function expiresMs(signed: AnySigned): number {
  return Date.parse(signed.expires);
}

/** Serialised form of a metadata file. Any layout verifies (the signature is over canonical `signed`); two-space JSON keeps diffs readable in a ceremony repository. */
export function toMetadataBytes(md: Metadata<AnySigned>): Buffer {
  return Buffer.from(`${JSON.stringify(md.toJSON(), null, 2)}\n`);
}

type ByRole = { root: Root; targets: Targets; snapshot: Snapshot; timestamp: Timestamp };

const KIND: Record<RoleName, MetadataKind> = {
  root: MetadataKind.Root,
  targets: MetadataKind.Targets,
  snapshot: MetadataKind.Snapshot,
  timestamp: MetadataKind.Timestamp,
};

/** Parses `bytes` as `role` metadata; anything else is MALFORMED_METADATA naming `what`. */
export function parseMetadata<R extends RoleName>(role: R, bytes: Uint8Array | string, what: string): Metadata<ByRole[R]> {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new TufError('MALFORMED_METADATA', `${what} is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TufError('MALFORMED_METADATA', `${what} is not a JSON object`);
  try {
    // The overloads of fromJSON are per kind; the cast only picks one, the runtime
    // check of `_type` is the library's.
    const md = Metadata.fromJSON(KIND[role] as MetadataKind.Root, json as Record<string, never>) as unknown as Metadata<ByRole[R]>;
    if (Number.isNaN(Date.parse(md.signed.expires))) throw new Error(`expires "${md.signed.expires}" is not a date`);
    return md;
  } catch (cause) {
    if (cause instanceof TufError) throw cause;
    throw new TufError('MALFORMED_METADATA', `${what} is not valid ${role} metadata: ${(cause as Error).message}`, { cause });
  }
}
