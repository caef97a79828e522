import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Key, Metadata, Signature, type Root, type Targets } from '@tufjs/models';
import type { Signer } from '@sigstack/core';
import { TufError } from '../errors.js';
import { createRootMetadata, createSnapshotMetadata, createTargetFile, createTargetsMetadata, createTimestampMetadata, type RoleKeys } from '../metadata/build.js';
import { checkThreshold, hasValidSignature, signingPayload, signMetadata, type RoleName, type ThresholdReport } from '../metadata/signing.js';
import { toTufKey } from '../metadata/tuf-key.js';
import { isRepository, publishRepository, readRepository, verifyTargetBytes } from '../repository/repository.js';
import { CeremonyFolder, DEFAULT_EXPIRY_DAYS, type CeremonySettings } from './ceremony-folder.js';

const DAY = 24 * 60 * 60 * 1000;

/** The offline roles: signed in the ceremony. snapshot and timestamp are online (OnlineRepository). */
export type OfflineRole = 'root' | 'targets';

/** A public key given to the ceremony: a KeyObject, PEM text, or an existing TUF key. */
export type PublicKeyInput = KeyObject | string | Key;

function tufKey(k: PublicKeyInput): Key {
  if (k instanceof Key) return k;
  if (typeof k !== 'string') return toTufKey(k);
  let key: KeyObject;
  try {
    key = createPublicKey(k);
  } catch (cause) {
    throw new TufError('INVALID_KEY', `not a PEM public key: ${(cause as Error).message}`, { cause });
  }
  return toTufKey(key);
}

export interface RoleKeyInput {
  keys: PublicKeyInput[];
  threshold: number;
}

export interface InitCeremonyOptions {
  root: RoleKeyInput;
  targets: RoleKeyInput;
  /** The online key(s): public halves only. */
  snapshot: RoleKeyInput;
  timestamp: RoleKeyInput;
  expiryDays?: Partial<CeremonySettings['expiryDays']>;
  now: number;
}

function assertOfflineRole(role: string): asserts role is OfflineRole {
  if (role !== 'root' && role !== 'targets') throw new TufError('INVALID_INPUT', `role must be "root" or "targets" (snapshot and timestamp are signed online), not "${role}"`);
}

/** Creates a ceremony folder: root version 1 and an empty targets version 1, both unsigned. */
export function initCeremony(dir: string, opts: InitCeremonyOptions): void {
  if (CeremonyFolder.exists(dir)) throw new TufError('ALREADY_EXISTS', `${dir} already holds a ceremony; use rotate-root to change keys`);
  const expiryDays = { ...DEFAULT_EXPIRY_DAYS, ...opts.expiryDays };
  for (const [role, d] of Object.entries(expiryDays))
    if (!Number.isFinite(d) || d <= 0) throw new TufError('INVALID_INPUT', `${role} expiry must be a positive number of days, not ${d}`);
  const roles = {} as Record<RoleName, RoleKeys>;
  for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
    const r = opts[role];
    if (r.keys.length === 0) throw new TufError('INVALID_INPUT', `${role} needs at least one key`);
    roles[role] = { keys: r.keys.map(tufKey), threshold: r.threshold };
  }
  const root = createRootMetadata({ version: 1, expires: opts.now + expiryDays.root * DAY, roles });
  const targets = createTargetsMetadata(1, opts.now + expiryDays.targets * DAY, {});
  mkdirSync(dir, { recursive: true });
  const f = new CeremonyFolder(dir);
  f.writeRoot(root);
  f.writeTargets(targets);
  // ceremony.json last: its presence is what makes the folder a ceremony.
  f.writeSettings({ expiryDays, published: { root: 0, targets: 0 } });
}

export interface AddTargetOptions {
  name: string;
  bytes: Uint8Array;
  custom?: Record<string, unknown>;
  now: number;
}

/**
 * Adds (or replaces) a target. Changing targets invalidates its signatures; if the
 * current version was already published, a new version is started.
 */
export function addTarget(dir: string, opts: AddTargetOptions): void {
  const f = CeremonyFolder.open(dir);
  const tf = createTargetFile(opts.name, { bytes: opts.bytes, custom: opts.custom });
  const next = restageTargets(f, opts.now, (t) => (t.targets[opts.name] = tf));
  f.writeTargetBytes(opts.name, opts.bytes);
  f.writeTargets(next);
}

export function removeTarget(dir: string, name: string, now: number): void {
  const f = CeremonyFolder.open(dir);
  if (!f.targets().signed.targets[name]) throw new TufError('INVALID_INPUT', `there is no target "${name}"`);
  f.writeTargets(restageTargets(f, now, (t) => delete t.targets[name]));
}

function restageTargets(f: CeremonyFolder, now: number, change: (t: Targets) => void, opts: { expiresDays?: number; newVersion?: boolean } = {}): Metadata<Targets> {
  const s = f.settings();
  const cur = f.targets().signed;
  const expiresDays = opts.expiresDays;
  const version = opts.newVersion || cur.version <= s.published.targets ? Math.max(cur.version, s.published.targets) + 1 : cur.version;
  const next = createTargetsMetadata(version, now + (expiresDays ?? s.expiryDays.targets) * DAY, {});
  for (const [n, tf] of Object.entries(cur.targets)) next.signed.targets[n] = tf;
  change(next.signed);
  return next;
}

/** The metadata of `role` being signed now (the highest root version; targets.json). */
export function stagedMetadata(dir: string, role: string): Metadata<Root> | Metadata<Targets> {
  assertOfflineRole(role);
  const f = CeremonyFolder.open(dir);
  return role === 'root' ? f.roots().at(-1)! : f.targets();
}

/** The exact bytes a keyholder signs for `role` (OLPC canonical JSON of `signed`). */
export function ceremonyPayload(dir: string, role: string): Buffer {
  return signingPayload(stagedMetadata(dir, role).signed);
}

/**
 * Keys allowed to sign `role` now: for root version N, the root keys of N and of
 * N-1 (a new root must meet both thresholds); for targets, the targets keys of the
 * highest root.
 */
function allowedKeys(f: CeremonyFolder, role: OfflineRole): Map<string, Key> {
  const roots = f.roots();
  const out = new Map<string, Key>();
  const add = (root: Root | undefined, r: RoleName) => {
    for (const id of root?.roles[r]?.keyIDs ?? []) {
      const k = root!.keys[id];
      if (k) out.set(id, k);
    }
  };
  const latest = roots.at(-1)!.signed;
  if (role === 'root') {
    add(latest, 'root');
    add(roots.at(-2)?.signed, 'root');
  } else add(latest, 'targets');
  return out;
}

function whatIsSigned(f: CeremonyFolder, role: OfflineRole): string {
  return role === 'root' ? `root version ${f.roots().at(-1)!.signed.version}` : `targets version ${f.targets().signed.version}`;
}

/** Signs `role` with `signer` (a keyholder's private key), verifying the signature before storing it. */
export async function signRole(dir: string, role: string, signer: Signer): Promise<string> {
  assertOfflineRole(role);
  const f = CeremonyFolder.open(dir);
  const keyID = toTufKey(signer.publicKey).keyID;
  const key = allowedKeys(f, role).get(keyID);
  if (!key) throw new TufError('WRONG_KEY', `key ${keyID} is not a ${role} key for ${whatIsSigned(f, role)}: refusing to sign`);
  const md = stagedMetadata(dir, role);
  const scratch = new Metadata(md.signed);
  await signMetadata(scratch, signer);
  const sig = scratch.signatures[keyID]!;
  storeSignature(f, role, md, key, sig);
  return keyID;
}

/** Stores a signature made elsewhere (air-gapped signer, HSM), after verifying it over the canonical bytes. */
export function addSignature(dir: string, role: string, keyID: string, sigHex: string): void {
  assertOfflineRole(role);
  const f = CeremonyFolder.open(dir);
  const hex = sigHex.trim().toLowerCase();
  if (!/^([0-9a-f]{2})+$/.test(hex)) throw new TufError('INVALID_INPUT', 'the signature must be hex');
  const key = allowedKeys(f, role).get(keyID);
  if (!key) throw new TufError('WRONG_KEY', `key ${keyID} is not a ${role} key for ${whatIsSigned(f, role)}`);
  storeSignature(f, role, stagedMetadata(dir, role), key, new Signature({ keyID, sig: hex }));
}

function storeSignature(f: CeremonyFolder, role: OfflineRole, md: Metadata<Root> | Metadata<Targets>, key: Key, sig: Signature): void {
  const probe = new Metadata(md.signed, { [key.keyID]: sig });
  if (!hasValidSignature(probe, key))
    throw new TufError('BAD_SIGNATURE', `the signature by ${key.keyID} does not verify over the canonical bytes of ${whatIsSigned(f, role)} (wrong key, wrong payload, or the metadata changed)`);
  md.signatures[key.keyID] = sig;
  if (role === 'root') f.writeRoot(md as Metadata<Root>);
  else f.writeTargets(md as Metadata<Targets>);
}

export interface RoleStatus {
  role: OfflineRole;
  version: number;
  expires: string;
  /** Threshold checks: for root version N, against N's own keys and (N > 1) against N-1's. */
  checks: (ThresholdReport & { against: number })[];
  complete: boolean;
  published: boolean;
}

/** Who signed what, and whether thresholds are met. */
export function ceremonyStatus(dir: string): { root: RoleStatus; targets: RoleStatus; settings: CeremonySettings } {
  const f = CeremonyFolder.open(dir);
  const s = f.settings();
  const roots = f.roots();
  const root = roots.at(-1)!;
  const prev = roots.at(-2);
  const rootChecks = [{ ...checkThreshold(root, root.signed, 'root'), against: root.signed.version }];
  if (prev) rootChecks.unshift({ ...checkThreshold(root, prev.signed, 'root'), against: prev.signed.version });
  const targets = f.targets();
  const targetChecks = [{ ...checkThreshold(targets, root.signed, 'targets'), against: root.signed.version }];
  const status = (role: OfflineRole, md: Metadata<Root> | Metadata<Targets>, checks: RoleStatus['checks'], published: number): RoleStatus => ({
    role,
    version: md.signed.version,
    expires: md.signed.expires,
    checks,
    complete: checks.every((c) => c.met),
    published: md.signed.version <= published,
  });
  return { root: status('root', root, rootChecks, s.published.root), targets: status('targets', targets, targetChecks, s.published.targets), settings: s };
}

export interface RotateRootOptions {
  root?: RoleKeyInput;
  targets?: RoleKeyInput;
  snapshot?: RoleKeyInput;
  timestamp?: RoleKeyInput;
  expiresDays?: number;
  now: number;
}

/**
 * Stages root version N+1: the keys and thresholds of N with the given changes and
 * a new expiry. It needs signatures meeting N's root threshold and its own. N must
 * be complete first (a chain with an unsigned link can never be published).
 */
export function rotateRoot(dir: string, opts: RotateRootOptions): number {
  const f = CeremonyFolder.open(dir);
  const roots = f.roots();
  const cur = roots.at(-1)!;
  const prev = roots.at(-2);
  if (!checkThreshold(cur, cur.signed, 'root').met || (prev && !checkThreshold(cur, prev.signed, 'root').met))
    throw new TufError('THRESHOLD_NOT_MET', `root version ${cur.signed.version} is not fully signed yet: finish signing it before staging version ${cur.signed.version + 1}`);
  const roles = {} as Record<RoleName, RoleKeys>;
  for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as const) {
    const change = opts[role];
    if (change) {
      if (change.keys.length === 0) throw new TufError('INVALID_INPUT', `${role} needs at least one key`);
      roles[role] = { keys: change.keys.map(tufKey), threshold: change.threshold };
    } else {
      const r = cur.signed.roles[role]!;
      roles[role] = { keys: r.keyIDs.map((id) => cur.signed.keys[id]!), threshold: r.threshold };
    }
  }
  const days = opts.expiresDays ?? f.settings().expiryDays.root;
  const next = createRootMetadata({ version: cur.signed.version + 1, expires: opts.now + days * DAY, roles });
  f.writeRoot(next);
  return next.signed.version;
}

/**
 * Renews an expiring role: root gets a new version with the same keys (rotateRoot
 * with no changes); targets gets a new version (if the current one was published)
 * with a new expiry. Either needs signing again.
 */
export function refreshRole(dir: string, role: string, opts: { expiresDays?: number; now: number }): number {
  assertOfflineRole(role);
  if (role === 'root') return rotateRoot(dir, { now: opts.now, expiresDays: opts.expiresDays });
  const f = CeremonyFolder.open(dir);
  // Always a new version, even if the current one was never published from here:
  // it may have reached clients through another copy of the folder.
  const next = restageTargets(f, opts.now, () => {}, { expiresDays: opts.expiresDays, newVersion: true });
  f.writeTargets(next);
  return next.signed.version;
}

export interface PublishCeremonyOptions {
  /** The repository directory to publish into (created if missing). */
  repository: string;
  /** Online key(s), private: they sign the new snapshot and timestamp. */
  snapshot: Signer[];
  timestamp: Signer[];
  now: number;
}

/**
 * Publishes the ceremony's root chain and targets into `repository` with a new
 * snapshot and timestamp signed by the online key(s). Everything is verified first
 * (thresholds, old+new root thresholds, target bytes vs hashes, expiry, versions);
 * on any failure the repository is left as it was.
 */
export async function publishCeremony(dir: string, opts: PublishCeremonyOptions): Promise<{ root: number; targets: number; snapshot: number; timestamp: number }> {
  const f = CeremonyFolder.open(dir);
  const s = f.settings();
  const roots = f.roots();
  const targets = f.targets();
  const files = new Map<string, Uint8Array>();
  for (const tf of Object.values(targets.signed.targets)) {
    const bytes = f.targetBytes(tf.path);
    if (!bytes) throw new TufError('TARGET_MISSING', `target ${tf.path} is listed in targets.json but targets/${tf.path} is missing`);
    verifyTargetBytes(tf, bytes);
    files.set(tf.path, bytes);
  }
  // The running stack may re-sign snapshot/timestamp of the same directory meanwhile
  // (OnlineRepository): if it took the version numbers first, build on its versions.
  let snapshotVersion = 0;
  let timestampVersion = 0;
  for (let attempt = 1; ; attempt++) {
    const current = isRepository(opts.repository) ? readRepository(opts.repository) : undefined;
    snapshotVersion = (current?.snapshot.signed.version ?? 0) + 1;
    timestampVersion = (current?.timestamp.signed.version ?? 0) + 1;
    const snapshot = createSnapshotMetadata(snapshotVersion, opts.now + s.expiryDays.snapshot * DAY, targets.signed.version);
    for (const k of opts.snapshot) await signMetadata(snapshot, k);
    const timestamp = createTimestampMetadata(timestampVersion, opts.now + s.expiryDays.timestamp * DAY, snapshotVersion);
    for (const k of opts.timestamp) await signMetadata(timestamp, k);
    try {
      publishRepository(opts.repository, { roots, targets, snapshot, timestamp }, { now: opts.now, targetFiles: files });
      break;
    } catch (e) {
      const raced = e instanceof TufError && e.code === 'VERSION_CONFLICT' && /^(snapshot|timestamp) version/.test(e.message);
      if (!raced || attempt >= 5) throw e;
    }
  }
  s.published = { root: roots.length, targets: targets.signed.version };
  f.writeSettings(s);
  return { root: roots.length, targets: targets.signed.version, snapshot: snapshotVersion, timestamp: timestampVersion };
}

