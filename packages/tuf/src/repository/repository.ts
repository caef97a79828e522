import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory, writeFileSynced } from '@sigstack/core';
import { type Metadata, type Root, type Snapshot, type Targets, type Timestamp, type TargetFile } from '@tufjs/models';
import { TufError } from '../errors.js';
import { expiresMs, parseMetadata, SPEC_VERSION, toMetadataBytes } from '../metadata/metadata-file.js';
import { signingPayload, verifyThreshold, type AnySigned } from '../metadata/signing.js';
import { assertTargetName, ROOT_FILE, rootFile, snapshotFile, targetFile, targetsFile, TIMESTAMP_FILE } from './layout.js';

/** A complete repository: the whole root chain (index i holds version i+1) and the current top-level roles. */
export interface RepositoryState {
  roots: Metadata<Root>[];
  targets: Metadata<Targets>;
  snapshot: Metadata<Snapshot>;
  timestamp: Metadata<Timestamp>;
}

export interface PublishOptions {
  /** Bytes of targets that are not yet in the repository, by target name. */
  targetFiles?: ReadonlyMap<string, Uint8Array> | Record<string, Uint8Array>;
  /** Milliseconds since the epoch; metadata that has expired by then is refused. */
  now: number;
}

export const latestRoot = (s: { roots: Metadata<Root>[] }): Metadata<Root> => {
  const r = s.roots[s.roots.length - 1];
  if (!r) throw new TufError('MALFORMED_METADATA', 'the repository has no root');
  return r;
};

/** Whether `dir` holds a published repository (its commit point, timestamp.json, exists). */
export function isRepository(dir: string): boolean {
  return existsSync(join(dir, TIMESTAMP_FILE)) && existsSync(join(dir, rootFile(1)));
}

/**
 * Reads the repository published in `dir`, following the same path a client does:
 * every N.root.json from 1, then timestamp.json, the snapshot it names, the targets
 * that names. Parses but does not verify; see verifyRepository.
 */
export function readRepository(dir: string): RepositoryState {
  if (!isRepository(dir)) throw new TufError('NOT_FOUND', `${dir} holds no TUF repository (no 1.root.json / timestamp.json)`);
  const roots: Metadata<Root>[] = [];
  for (let v = 1; existsSync(join(dir, rootFile(v))); v++) roots.push(parseMetadata('root', readFileSync(join(dir, rootFile(v))), rootFile(v)));
  const timestamp = parseMetadata('timestamp', readFileSync(join(dir, TIMESTAMP_FILE)), TIMESTAMP_FILE);
  const sv = timestamp.signed.snapshotMeta.version;
  const snapshot = parseMetadata('snapshot', readOrMissing(dir, snapshotFile(sv)), snapshotFile(sv));
  const tv = snapshot.signed.meta['targets.json']?.version;
  if (tv === undefined) throw new TufError('INCONSISTENT', `${snapshotFile(sv)} does not list targets.json`);
  const targets = parseMetadata('targets', readOrMissing(dir, targetsFile(tv)), targetsFile(tv));
  return { roots, targets, snapshot, timestamp };
}

function readOrMissing(dir: string, name: string): Buffer {
  try {
    return readFileSync(join(dir, name));
  } catch (cause) {
    throw new TufError('INCONSISTENT', `${name} is referenced but missing from ${dir}`, { cause });
  }
}

/** The digest of `bytes` under a TUF hash name, or undefined for a name we do not know. */
export function hashHex(alg: string, bytes: Uint8Array): string | undefined {
  if (alg !== 'sha256' && alg !== 'sha384' && alg !== 'sha512') return undefined;
  return createHash(alg).update(bytes).digest('hex');
}

/** Throws TARGET_MISMATCH unless `bytes` have `tf`'s length and every listed hash. */
export function verifyTargetBytes(tf: TargetFile, bytes: Uint8Array): void {
  if (bytes.length !== tf.length) throw new TufError('TARGET_MISMATCH', `target ${tf.path}: ${bytes.length} bytes, metadata says ${tf.length}`);
  const algs = Object.keys(tf.hashes);
  if (algs.length === 0) throw new TufError('TARGET_MISMATCH', `target ${tf.path} lists no hashes`);
  for (const alg of algs) {
    const h = hashHex(alg, bytes);
    if (h === undefined) throw new TufError('TARGET_MISMATCH', `target ${tf.path}: hash algorithm ${alg} is not supported`);
    if (h !== tf.hashes[alg]) throw new TufError('TARGET_MISMATCH', `target ${tf.path}: the bytes do not match its ${alg} hash`);
  }
}

/** Whether two metadata files sign the same content (signatures aside). */
export const samePayload = (a: Metadata<AnySigned>, b: Metadata<AnySigned>): boolean => signingPayload(a.signed).equals(signingPayload(b.signed));

/**
 * Checks what a client will check, and what we promise besides:
 * - root chain: consecutive versions from 1; version 1 meets its own root threshold,
 *   each later one meets both the previous root's threshold and its own;
 *   consistent_snapshot on; spec version 1.x;
 * - targets/snapshot/timestamp meet their thresholds under the latest root;
 * - timestamp names the snapshot version, snapshot names the targets version;
 * - nothing the client reads has expired at `now` (older roots may have);
 * - against `previous` (what is published now): no version goes backwards, and one
 *   version never gets two different contents (clients would reject the swap).
 */
export function verifyRepository(state: RepositoryState, now: number, previous?: RepositoryState): void {
  if (state.roots.length === 0) throw new TufError('MALFORMED_METADATA', 'the repository has no root');
  state.roots.forEach((md, i) => {
    const root = md.signed;
    if (root.version !== i + 1) throw new TufError('VERSION_CONFLICT', `root chain: position ${i + 1} holds root version ${root.version}`);
    if (!root.consistentSnapshot) throw new TufError('MALFORMED_METADATA', `root version ${root.version} does not set consistent_snapshot`);
    const prev = state.roots[i - 1];
    if (prev) verifyThreshold(md, prev.signed, 'root', `root version ${root.version} (signed by the keys of version ${prev.signed.version})`);
    verifyThreshold(md, root, 'root', `root version ${root.version} (signed by its own keys)`);
  });
  const root = latestRoot(state).signed;
  for (const md of [state.roots[state.roots.length - 1]!, state.targets, state.snapshot, state.timestamp] as Metadata<AnySigned>[]) {
    if (!/^1\.\d+(\.\d+)?$/.test(md.signed.specVersion)) throw new TufError('MALFORMED_METADATA', `${md.signed.type} spec_version ${md.signed.specVersion} is not 1.x (we write ${SPEC_VERSION})`);
    if (expiresMs(md.signed) <= now) throw new TufError('EXPIRED', `${md.signed.type} version ${md.signed.version} expired at ${md.signed.expires}`);
  }
  verifyThreshold(state.targets, root, 'targets');
  verifyThreshold(state.snapshot, root, 'snapshot');
  verifyThreshold(state.timestamp, root, 'timestamp');
  if (state.timestamp.signed.snapshotMeta.version !== state.snapshot.signed.version)
    throw new TufError('INCONSISTENT', `timestamp names snapshot version ${state.timestamp.signed.snapshotMeta.version}, not ${state.snapshot.signed.version}`);
  const tmeta = state.snapshot.signed.meta['targets.json'];
  if (tmeta?.version !== state.targets.signed.version)
    throw new TufError('INCONSISTENT', `snapshot names targets version ${tmeta?.version ?? 'none'}, not ${state.targets.signed.version}`);
  if (tmeta.length !== undefined || tmeta.hashes !== undefined) {
    try {
      tmeta.verify(toMetadataBytes(state.targets));
    } catch (cause) {
      throw new TufError('INCONSISTENT', `snapshot's length/hashes of targets.json do not match`, { cause });
    }
  }
  for (const name of Object.keys(state.targets.signed.targets)) assertTargetName(name);

  if (!previous) return;
  previous.roots.forEach((md, i) => {
    const next = state.roots[i];
    if (!next) throw new TufError('VERSION_CONFLICT', `root version ${md.signed.version} is published; the new repository stops at ${state.roots.length}`);
    if (!samePayload(md, next)) throw new TufError('VERSION_CONFLICT', `root version ${md.signed.version} is already published with other contents`);
  });
  const pairs: [string, Metadata<AnySigned>, Metadata<AnySigned>][] = [
    ['targets', previous.targets, state.targets],
    ['snapshot', previous.snapshot, state.snapshot],
    ['timestamp', previous.timestamp, state.timestamp],
  ];
  for (const [role, old, next] of pairs) {
    if (next.signed.version < old.signed.version)
      throw new TufError('VERSION_CONFLICT', `${role} version ${next.signed.version} is older than the published version ${old.signed.version}`);
    if (next.signed.version === old.signed.version && !samePayload(old, next))
      throw new TufError('VERSION_CONFLICT', `${role} version ${next.signed.version} is already published with other contents: bump the version`);
  }
}

/**
 * Publishes `next` into `dir` after verifying it (verifyRepository, and each
 * target's bytes against its length and hashes). Refused input leaves `dir` untouched.
 *
 * Readers never see a half-written repository: every file is first written and
 * fsynced in a staging folder inside `dir` (same file system), then renamed into
 * place, immutable files first (targets/<hash>.<name>, N.root.json, V.targets.json,
 * V.snapshot.json), then root.json, and timestamp.json last. timestamp.json is the
 * commit point: a client that reads the old one finds everything it references
 * (nothing is ever deleted), one that reads the new one finds everything too.
 * A crash before the last rename leaves the old repository published plus unreferenced
 * files (and possibly a newer N.root.json, which clients accept as a rotation that was
 * already signed); the next publish writes the same names again.
 */
export function publishRepository(dir: string, next: RepositoryState, opts: PublishOptions): void {
  const previous = isRepository(dir) ? readRepository(dir) : undefined;
  verifyRepository(next, opts.now, previous);

  const given = opts.targetFiles instanceof Map ? opts.targetFiles : new Map(Object.entries(opts.targetFiles ?? {}));
  const files: [string, Uint8Array][] = [];
  for (const tf of Object.values(next.targets.signed.targets)) {
    let bytes = given.get(tf.path);
    const sha256 = tf.hashes['sha256'];
    if (!bytes && sha256 && existsSync(join(dir, targetFile(sha256, tf.path)))) bytes = readFileSync(join(dir, targetFile(sha256, tf.path)));
    if (!bytes) throw new TufError('TARGET_MISSING', `target ${tf.path} is listed but its bytes were not given and are not in ${dir}`);
    verifyTargetBytes(tf, bytes);
    for (const h of Object.values(tf.hashes)) {
      const name = targetFile(h, tf.path);
      if (!existsSync(join(dir, name))) files.push([name, bytes]);
    }
  }
  const root = latestRoot(next);
  for (const md of next.roots) {
    if (!previous || md.signed.version > previous.roots.length) files.push([rootFile(md.signed.version), toMetadataBytes(md)]);
  }
  if (!previous || previous.targets.signed.version !== next.targets.signed.version) files.push([targetsFile(next.targets.signed.version), toMetadataBytes(next.targets)]);
  if (!previous || previous.snapshot.signed.version !== next.snapshot.signed.version) files.push([snapshotFile(next.snapshot.signed.version), toMetadataBytes(next.snapshot)]);
  files.push([ROOT_FILE, toMetadataBytes(root)]);
  files.push([TIMESTAMP_FILE, toMetadataBytes(next.timestamp)]);

  mkdirSync(join(dir, 'targets'), { recursive: true });
  const staging = join(dir, `.staging-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(staging);
    files.forEach(([name, bytes], i) => {
      try {
        writeFileSynced(join(staging, String(i)), bytes);
      } catch (cause) {
        throw new TufError('IO_FAILED', `cannot stage ${name} in ${staging}: ${(cause as Error).message}`, { cause });
      }
    });
    // Crash from here on: see the doc comment; each rename is atomic.
    files.forEach(([name], i) => {
      try {
        renameSync(join(staging, String(i)), join(dir, name));
      } catch (cause) {
        throw new TufError('IO_FAILED', `cannot publish ${name} into ${dir}: ${(cause as Error).message}`, { cause });
      }
    });
    fsyncDirectory(join(dir, 'targets'));
    fsyncDirectory(dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
