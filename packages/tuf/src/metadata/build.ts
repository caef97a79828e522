import { createHash } from 'node:crypto';
import { Key, MetaFile, Metadata, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { TufError } from '../errors.js';
import { assertTargetName, TARGET_HASH_ALGORITHMS } from '../repository/layout.js';
import { SPEC_VERSION, toExpires } from './metadata-file.js';
import type { RoleName } from './signing.js';

/** Plain JSON, structurally the JsonValue of @tufjs/models. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface RoleKeys {
  keys: Key[];
  threshold: number;
}

export interface RootSpec {
  version: number;
  /** Expiry, milliseconds since the epoch. */
  expires: number;
  roles: Record<RoleName, RoleKeys>;
}

/** Throws INVALID_INPUT unless 1 ≤ threshold ≤ number of distinct keys. */
export function assertThreshold(role: string, threshold: number, keyCount: number): void {
  if (!Number.isSafeInteger(threshold) || threshold < 1)
    throw new TufError('INVALID_INPUT', `${role} threshold must be a whole number ≥ 1, not ${threshold}`);
  if (threshold > keyCount)
    throw new TufError('INVALID_INPUT', `${role} threshold ${threshold} is more than its ${keyCount} key(s): the role could never be signed`);
}

/** Root metadata (unsigned) with consistent snapshots on. */
export function createRootMetadata(spec: RootSpec): Metadata<Root> {
  // @tufjs/models does not export Role; the root is built from its JSON form,
  // which runs the library's own validation too.
  const keys: Record<string, JsonValue> = {};
  const roles: Record<string, JsonValue> = {};
  for (const [role, rk] of Object.entries(spec.roles) as [RoleName, RoleKeys][]) {
    const ids = [...new Set(rk.keys.map((k) => k.keyID))];
    assertThreshold(role, rk.threshold, ids.length);
    for (const k of rk.keys) keys[k.keyID] = k.toJSON() as JsonValue;
    roles[role] = { keyids: ids, threshold: rk.threshold };
  }
  const root = Root.fromJSON({
    _type: 'root',
    spec_version: SPEC_VERSION,
    version: spec.version,
    expires: toExpires(spec.expires),
    consistent_snapshot: true,
    keys,
    roles,
  });
  return new Metadata(root);
}

export interface TargetInput {
  bytes: Uint8Array;
  /** Custom metadata, e.g. `{ sigstore: { usage: 'Fulcio', status: 'Active', uri } }` (protocols.md §10.4). */
  custom?: Record<string, unknown>;
}

/** A TargetFile listing the length and every hash of TARGET_HASH_ALGORITHMS. */
export function createTargetFile(name: string, t: TargetInput): TargetFile {
  assertTargetName(name);
  const hashes: Record<string, string> = {};
  for (const alg of TARGET_HASH_ALGORITHMS) hashes[alg] = createHash(alg).update(t.bytes).digest('hex');
  const unrecognizedFields: Record<string, JsonValue> = t.custom ? { custom: toJsonValue(t.custom, `custom metadata of ${name}`) } : {};
  return new TargetFile({ path: name, length: t.bytes.length, hashes, unrecognizedFields });
}

export function createTargetsMetadata(version: number, expires: number, targets: Record<string, TargetInput>): Metadata<Targets> {
  const files: Record<string, TargetFile> = {};
  for (const [name, t] of Object.entries(targets)) files[name] = createTargetFile(name, t);
  return new Metadata(new Targets({ version, specVersion: SPEC_VERSION, expires: toExpires(expires), targets: files }));
}

export function createSnapshotMetadata(version: number, expires: number, targetsVersion: number): Metadata<Snapshot> {
  return new Metadata(new Snapshot({ version, specVersion: SPEC_VERSION, expires: toExpires(expires), meta: { 'targets.json': new MetaFile({ version: targetsVersion }) } }));
}

export function createTimestampMetadata(version: number, expires: number, snapshotVersion: number): Metadata<Timestamp> {
  return new Metadata(new Timestamp({ version, specVersion: SPEC_VERSION, expires: toExpires(expires), snapshotMeta: new MetaFile({ version: snapshotVersion }) }));
}

/** Checks that `v` is plain JSON (what a signed document can carry: no floats, no undefined, no functions). */
export function toJsonValue(v: unknown, what: string): JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new TufError('INVALID_INPUT', `${what}: canonical JSON allows integers only, not ${v}`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x, what));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x, what);
    return out;
  }
  throw new TufError('INVALID_INPUT', `${what}: ${typeof v} is not JSON`);
}
