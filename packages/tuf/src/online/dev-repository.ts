import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSigner, systemClock, type Clock, type SigningAlgorithm } from '@sigstack/core';
import { createRootMetadata, createSnapshotMetadata, createTargetsMetadata, createTimestampMetadata, type TargetInput } from '../metadata/build.js';
import { expiresMs, toMetadataBytes } from '../metadata/metadata-file.js';
import { signMetadata } from '../metadata/signing.js';
import { toTufKey } from '../metadata/tuf-key.js';
import { rootFile } from '../repository/layout.js';
import { isRepository, latestRoot, publishRepository, readRepository } from '../repository/repository.js';
import { DEFAULT_SNAPSHOT_EXPIRY, DEFAULT_TARGETS_EXPIRY, DEFAULT_TIMESTAMP_EXPIRY, OnlineRepository } from './online-repository.js';

const DAY = 24 * 60 * 60 * 1000;
/** Root lifetime of the development repository; it is re-signed (new version) when half is gone. */
export const DEV_ROOT_EXPIRY = 365 * DAY;
/** Key files of the development repository, under `<dir>/keys/`. */
export const DEV_KEY_FILES = { root: 'root.pem', targets: 'targets.pem', online: 'online.pem' } as const;

export interface DevRepositoryOptions {
  /** Folder for `keys/` and `repository/` (e.g. `<data-dir>/tuf`). */
  dir: string;
  /** The complete target set (trusted_root.json, signing_config.v0.2.json, legacy files). */
  targets: Record<string, TargetInput>;
  clock?: Clock;
  /**
   * Algorithm of generated keys. Default ed25519: every TUF client verifies it, and
   * python-tuf does so even without pyca/cryptography (securesystemslib's vendored code).
   */
  algorithm?: SigningAlgorithm;
  timestampExpiry?: number;
  snapshotExpiry?: number;
  targetsExpiry?: number;
  rootExpiry?: number;
  /** Passed to OnlineRepository. */
  onError?: (err: unknown) => void;
}

export interface DevRepository {
  /** The published repository directory (serve it with tufRoutes). */
  repositoryDir: string;
  /** Bytes of 1.root.json: what clients are initialised with (`cosign initialize --root`). */
  rootBytes: Buffer;
  /** The latest root version's bytes. */
  latestRootBytes: Buffer;
  repository: OnlineRepository;
}

/**
 * The development repository: 1-of-1 root and targets keys and one online key for
 * snapshot and timestamp, all as unencrypted FileSigner keys under `<dir>/keys`
 * (DEVELOPMENT ONLY: production roots come from the ceremony, `sigstack tuf init`).
 * First start creates and publishes the repository under `<dir>/repository`; later
 * starts reopen it, publish a new targets version only if `targets` changed, renew a
 * root that has less than half its life left, and bring the timestamp up to date.
 * The caller may call `repository.start()` to keep it fresh while running.
 */
export async function openDevRepository(opts: DevRepositoryOptions): Promise<DevRepository> {
  const clock = opts.clock ?? systemClock;
  const keys = join(opts.dir, 'keys');
  const repositoryDir = join(opts.dir, 'repository');
  const alg = opts.algorithm ?? 'ed25519';
  const open = (f: string) => FileSigner.open({ path: join(keys, f), create: true, algorithm: alg });
  const rootKey = open(DEV_KEY_FILES.root);
  const targetsKey = open(DEV_KEY_FILES.targets);
  const onlineKey = open(DEV_KEY_FILES.online);
  const rootLife = opts.rootExpiry ?? DEV_ROOT_EXPIRY;

  const rootSpec = (version: number) =>
    createRootMetadata({
      version,
      expires: clock.now() + rootLife,
      roles: {
        root: { keys: [toTufKey(rootKey.publicKey)], threshold: 1 },
        targets: { keys: [toTufKey(targetsKey.publicKey)], threshold: 1 },
        snapshot: { keys: [toTufKey(onlineKey.publicKey)], threshold: 1 },
        timestamp: { keys: [toTufKey(onlineKey.publicKey)], threshold: 1 },
      },
    });

  let renewRoot = false;
  if (!isRepository(repositoryDir)) {
    const now = clock.now();
    const root = rootSpec(1);
    await signMetadata(root, rootKey);
    const targets = createTargetsMetadata(1, now + (opts.targetsExpiry ?? DEFAULT_TARGETS_EXPIRY), opts.targets);
    await signMetadata(targets, targetsKey);
    const snapshot = createSnapshotMetadata(1, now + (opts.snapshotExpiry ?? DEFAULT_SNAPSHOT_EXPIRY), 1);
    await signMetadata(snapshot, onlineKey);
    const timestamp = createTimestampMetadata(1, now + (opts.timestampExpiry ?? DEFAULT_TIMESTAMP_EXPIRY), 1);
    await signMetadata(timestamp, onlineKey);
    const bytes = new Map(Object.entries(opts.targets).map(([n, t]) => [n, t.bytes] as const));
    publishRepository(repositoryDir, { roots: [root], targets, snapshot, timestamp }, { now, targetFiles: bytes });
  } else {
    // A root past half its life gets a new version with the same keys. The keys
    // are read from this folder: a root whose keys differ (rotated by hand) is left alone.
    const cur = latestRoot(readRepository(repositoryDir));
    const ours = cur.signed.roles['root']?.keyIDs.includes(toTufKey(rootKey.publicKey).keyID);
    renewRoot = Boolean(ours) && expiresMs(cur.signed) - clock.now() < rootLife / 2;
  }

  const repository = OnlineRepository.open({
    dir: repositoryDir,
    timestamp: onlineKey,
    snapshot: onlineKey,
    targets: targetsKey,
    clock,
    timestampExpiry: opts.timestampExpiry,
    snapshotExpiry: opts.snapshotExpiry,
    targetsExpiry: opts.targetsExpiry,
    onError: opts.onError,
  });
  if (renewRoot) {
    const next = rootSpec(latestRoot(repository.state).signed.version + 1);
    await signMetadata(next, rootKey);
    await repository.publishRoot(next);
  }
  await repository.updateTargets(opts.targets);
  await repository.refresh();
  return {
    repositoryDir,
    rootBytes: readFileSync(join(repositoryDir, rootFile(1))),
    latestRootBytes: toMetadataBytes(latestRoot(repository.state)),
    repository,
  };
}
