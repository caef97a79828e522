// The offline TUF ceremony driven from a test, with the built library (the root
// workspace does not depend on @sigstack/tuf; `pnpm test` builds first). This is what
// `sigstack tuf init / add-target / sign / publish / rotate-root` do (packages/cli/src/tuf-command.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSigner, type Signer } from '../../packages/core/dist/index.js';
import {
  addTarget,
  createRootMetadata,
  initCeremony,
  publishCeremony,
  readRepository,
  rotateRoot,
  signMetadata,
  signRole,
  targetFile,
  toMetadataBytes,
  toTufKey,
} from '../../packages/tuf/dist/index.js';

export { addTarget, createRootMetadata, publishCeremony, rotateRoot, signMetadata, signRole, readRepository, toMetadataBytes, toTufKey };
export { FileSigner };
export type Key = FileSigner;

/** An unencrypted ed25519 key file (FileSigner format, what `tuf.onlineKey` reads). */
export function newKey(dir: string, name: string): FileSigner {
  return FileSigner.open({ path: join(dir, `${name}.pem`), create: true, algorithm: 'ed25519' });
}

export interface OperatorRepository {
  /** The ceremony folder (offline). */
  ceremony: string;
  /** The published repository (what the stack serves: `tuf.repositoryDir`). */
  repository: string;
  keys: { root: FileSigner; targets: FileSigner; online: Signer };
  /** The online key file (when opts.online was not given). */
  onlineKeyPath: string;
}

/**
 * Runs a ceremony whose targets are the ones a development stack published under
 * `<dataDir>/tuf/repository` (same names, bytes and `custom.sigstore` metadata: the
 * stack's trusted_root.json, signing config and legacy keys), 1-of-1 root and targets
 * keys, one online key, and publishes it into `repository`.
 */
export async function ceremonyFromDevRepository(
  devRepositoryDir: string,
  dir: string,
  opts: { timestampExpiryDays?: number; /** The online key when it is not a new file (a key on an HSM). */ online?: Signer } = {},
): Promise<OperatorRepository> {
  const keysDir = join(dir, 'keys');
  const keys = { root: newKey(keysDir, 'root-1'), targets: newKey(keysDir, 'targets-1'), online: opts.online ?? newKey(keysDir, 'online') };
  const ceremony = join(dir, 'ceremony');
  const repository = join(dir, 'repository');
  const now = Date.now();
  initCeremony(ceremony, {
    root: { keys: [keys.root.publicKey], threshold: 1 },
    targets: { keys: [keys.targets.publicKey], threshold: 1 },
    snapshot: { keys: [keys.online.publicKey], threshold: 1 },
    timestamp: { keys: [keys.online.publicKey], threshold: 1 },
    ...(opts.timestampExpiryDays ? { expiryDays: { timestamp: opts.timestampExpiryDays } } : {}),
    now,
  });
  const dev = readRepository(devRepositoryDir);
  for (const tf of Object.values(dev.targets.signed.targets)) {
    const bytes = readFileSync(join(devRepositoryDir, targetFile(tf.hashes['sha256']!, tf.path)));
    const custom = tf.custom as Record<string, unknown>;
    addTarget(ceremony, { name: tf.path, bytes, ...(Object.keys(custom).length ? { custom } : {}), now });
  }
  await signRole(ceremony, 'root', keys.root);
  await signRole(ceremony, 'targets', keys.targets);
  await publishCeremony(ceremony, { repository, snapshot: [keys.online], timestamp: [keys.online], now });
  return { ceremony, repository, keys, onlineKeyPath: join(keysDir, 'online.pem') };
}
