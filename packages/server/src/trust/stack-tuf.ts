import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Signer } from '@sigstack/core';
import { openDevRepository, OnlineRepository, rootFile, type TargetInput } from '@sigstack/tuf';

/**
 * The stack's TUF repository, in one of two modes:
 * - development: the stack owns every key (1-of-1, under `<dataDir>/tuf/keys`) and
 *   republishes its own trust material as targets whenever it changes;
 * - operator: the ceremony's repository (`sigstack tuf publish`): root and targets are
 *   offline roles, the stack only re-signs snapshot and timestamp with the online key,
 *   re-reading the directory each time, so a ceremony can publish while it runs.
 * Either way the timestamp is kept fresh by a timer: an expired one breaks every client.
 */
export type StackTufOptions =
  | { mode: 'development'; dir: string; targets: Record<string, TargetInput>; clock: Clock; timestampExpiryMs: number; onError: (err: unknown) => void }
  | { mode: 'operator'; repositoryDir: string; onlineKey: Signer; clock: Clock; timestampExpiryMs: number; onError: (err: unknown) => void };

export interface StackTuf {
  online: OnlineRepository;
  /** Version 1 of the served root chain: what `cosign initialize --root` takes. */
  rootBytes: Buffer;
}

export async function openStackTuf(o: StackTufOptions): Promise<StackTuf> {
  if (o.mode === 'development') {
    const dev = await openDevRepository({ dir: o.dir, targets: o.targets, clock: o.clock, timestampExpiry: o.timestampExpiryMs, onError: o.onError });
    dev.repository.start();
    return { online: dev.repository, rootBytes: dev.rootBytes };
  }
  const online = OnlineRepository.open({ dir: o.repositoryDir, timestamp: o.onlineKey, clock: o.clock, timestampExpiry: o.timestampExpiryMs, onError: o.onError });
  await online.refresh();
  online.start();
  return { online, rootBytes: readFileSync(join(o.repositoryDir, rootFile(1))) };
}
