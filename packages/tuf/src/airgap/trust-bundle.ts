import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metadata, Root } from '@tufjs/models';
import { TufError } from '../errors.js';
import { expiresMs, parseMetadata, toMetadataBytes } from '../metadata/metadata-file.js';
import { isRepository, latestRoot, publishRepository, readRepository, samePayload, verifyRepository, verifyTargetBytes, type RepositoryState } from '../repository/repository.js';
import { rootFile, snapshotFile, targetFile, targetsFile, TIMESTAMP_FILE } from '../repository/layout.js';
import { fromTarBytes, toTarBytes, type ArchiveEntry } from './tar-archive.js';

/**
 * The air-gap trust bundle: one tar holding the TUF metadata chain of a published
 * repository and the bytes of every target it lists:
 *
 *   1.root.json … N.root.json   every root version (the chain from any root a site pinned)
 *   timestamp.json              the current timestamp
 *   V.snapshot.json             the snapshot it names
 *   V.targets.json              the targets that names
 *   targets/<name>              each target (trusted_root.json, signing_config.v0.2.json,
 *                               rekor.pub, ctfe.pub, fulcio and TSA certificates)
 *
 * Nothing else, and no signature of its own: the archive is trusted exactly as a TUF
 * client trusts a mirror, by verifying the chain from a root the site already holds
 * (pinned out of band) down to the hashes of each target. A single changed byte in
 * any file fails a signature or a hash; an extra or missing file is refused.
 */
export const TRUST_BUNDLE_MEDIA_TYPE = 'application/vnd.sigstack.trust-bundle.v1+tar';
const TARGETS_PREFIX = 'targets/';

/** When each role of a repository expires; `validUntil` is the earliest: after it no client accepts the view. */
export interface TrustExpiries {
  root: string;
  targets: string;
  snapshot: string;
  timestamp: string;
  validUntil: string;
}

export function trustExpiries(state: RepositoryState): TrustExpiries {
  const roles = { root: latestRoot(state).signed, targets: state.targets.signed, snapshot: state.snapshot.signed, timestamp: state.timestamp.signed };
  const earliest = Object.values(roles).reduce((a, b) => (expiresMs(b) < expiresMs(a) ? b : a));
  return {
    root: roles.root.expires,
    targets: roles.targets.expires,
    snapshot: roles.snapshot.expires,
    timestamp: roles.timestamp.expires,
    validUntil: earliest.expires,
  };
}

/** A bundle whose chain and targets were verified: what to install. */
export interface VerifiedTrustBundle {
  state: RepositoryState;
  /** Target bytes by target name, each checked against its length and hashes. */
  targetFiles: Map<string, Uint8Array>;
  expiries: TrustExpiries;
}

/**
 * The trust bundle of the repository published in `repositoryDir` (the stack's
 * `<data-dir>/tuf/repository`, or the ceremony's published directory). It is verified
 * first as a client would at `now`: an expired or inconsistent repository is not
 * exported (EXPIRED, INCONSISTENT, ...).
 */
export function exportTrustBundle(repositoryDir: string, opts: { now: number }): { bytes: Buffer; expiries: TrustExpiries } {
  const state = readRepository(repositoryDir);
  verifyRepository(state, opts.now);
  const entries: ArchiveEntry[] = state.roots.map((md) => ({ name: rootFile(md.signed.version), bytes: readFileSync(join(repositoryDir, rootFile(md.signed.version))) }));
  entries.push({ name: TIMESTAMP_FILE, bytes: readFileSync(join(repositoryDir, TIMESTAMP_FILE)) });
  entries.push({ name: snapshotFile(state.snapshot.signed.version), bytes: readFileSync(join(repositoryDir, snapshotFile(state.snapshot.signed.version))) });
  entries.push({ name: targetsFile(state.targets.signed.version), bytes: readFileSync(join(repositoryDir, targetsFile(state.targets.signed.version))) });
  for (const tf of Object.values(state.targets.signed.targets).sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const sha256 = tf.hashes['sha256'];
    const file = sha256 ? join(repositoryDir, targetFile(sha256, tf.path)) : undefined;
    if (!file || !existsSync(file)) throw new TufError('TARGET_MISSING', `target ${tf.path} is listed but ${file ?? 'its sha256 copy'} is missing from ${repositoryDir}`);
    const bytes = readFileSync(file);
    verifyTargetBytes(tf, bytes);
    entries.push({ name: `${TARGETS_PREFIX}${tf.path}`, bytes });
  }
  return { bytes: toTarBytes(entries), expiries: trustExpiries(state) };
}

export interface OpenTrustBundleOptions {
  /**
   * The root the site trusts, obtained out of band (any version of the chain; usually
   * the stack's `trust/root.json`, or the latest root of an earlier import). Required:
   * a bundle never vouches for itself.
   */
  trustedRoot: Uint8Array;
  /** What this site installed before, if anything: versions may not go backwards. */
  previous?: RepositoryState;
  now: number;
}

/**
 * Reads and verifies a trust bundle. Throws, with nothing written, when: the archive
 * is damaged or truncated (BAD_ARCHIVE), holds a file the chain does not account for
 * (BAD_ARCHIVE), its chain does not contain the trusted root (UNTRUSTED_ROOT), a
 * signature or threshold fails (THRESHOLD_NOT_MET, VERSION_CONFLICT), any role has
 * expired at `now` (EXPIRED), a target's bytes do not match (TARGET_MISMATCH), or it
 * is older than `previous` (VERSION_CONFLICT).
 */
export function openTrustBundle(archive: Uint8Array, opts: OpenTrustBundleOptions): VerifiedTrustBundle {
  const files = new Map(fromTarBytes(archive).map((e) => [e.name, e.bytes] as const));
  const take = (name: string): Uint8Array => {
    const bytes = files.get(name);
    if (!bytes) throw new TufError('BAD_ARCHIVE', `the trust bundle has no ${name}`);
    files.delete(name);
    return bytes;
  };
  const roots: Metadata<Root>[] = [];
  for (let v = 1; files.has(rootFile(v)); v++) roots.push(parseMetadata('root', take(rootFile(v)), `bundle ${rootFile(v)}`));
  if (roots.length === 0) throw new TufError('BAD_ARCHIVE', 'the trust bundle has no 1.root.json: not a sigstack trust bundle');
  const timestamp = parseMetadata('timestamp', take(TIMESTAMP_FILE), `bundle ${TIMESTAMP_FILE}`);
  const sv = timestamp.signed.snapshotMeta.version;
  const snapshot = parseMetadata('snapshot', take(snapshotFile(sv)), `bundle ${snapshotFile(sv)}`);
  const tv = snapshot.signed.meta['targets.json']?.version;
  if (tv === undefined) throw new TufError('INCONSISTENT', `bundle ${snapshotFile(sv)} does not list targets.json`);
  const targets = parseMetadata('targets', take(targetsFile(tv)), `bundle ${targetsFile(tv)}`);
  const state: RepositoryState = { roots, timestamp, snapshot, targets };

  const pinned = parseMetadata('root', opts.trustedRoot, 'the trusted root (--root)');
  const match = roots[pinned.signed.version - 1];
  if (!match) throw new TufError('UNTRUSTED_ROOT', `the trusted root is version ${pinned.signed.version}; the bundle's chain stops at version ${roots.length}: it is older than what this site trusts`);
  if (!samePayload(match, pinned))
    throw new TufError('UNTRUSTED_ROOT', `the bundle's root version ${pinned.signed.version} is not the trusted root: this bundle is not from the repository this site trusts`);
  // The whole chain, each version under the previous one's keys, so every root after
  // the pinned one is vouched for by it; then the roles, their links and expiry.
  verifyRepository(state, opts.now, opts.previous);

  const targetFiles = new Map<string, Uint8Array>();
  for (const tf of Object.values(targets.signed.targets)) {
    const bytes = take(`${TARGETS_PREFIX}${tf.path}`);
    verifyTargetBytes(tf, bytes);
    targetFiles.set(tf.path, bytes);
  }
  const extra = [...files.keys()];
  if (extra.length > 0) throw new TufError('BAD_ARCHIVE', `the trust bundle holds files its metadata does not list: ${extra.slice(0, 5).join(', ')}`);
  return { state, targetFiles, expiries: trustExpiries(state) };
}

/**
 * Publishes a verified bundle as a TUF repository in `dir` (a mirror any TUF client
 * reads: `cosign initialize --mirror file://<dir>`), with publishRepository's
 * guarantees: verified again, staged, renamed, timestamp.json last; a refused bundle
 * leaves `dir` as it was.
 */
export function installTrustBundle(dir: string, bundle: VerifiedTrustBundle, opts: { now: number }): void {
  publishRepository(dir, bundle.state, { now: opts.now, targetFiles: bundle.targetFiles });
}

/** The repository installed in `dir` by an earlier import, or undefined. */
export function installedRepository(dir: string): RepositoryState | undefined {
  return isRepository(dir) ? readRepository(dir) : undefined;
}

/** The bytes of the latest root of `state`, as a file a client pins. */
export const latestRootBytes = (state: RepositoryState): Buffer => toMetadataBytes(latestRoot(state));
