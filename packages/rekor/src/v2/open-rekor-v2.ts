import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, Signer } from '@sigstack/core';
import { createEcdsaNoteSigner, createEd25519NoteSigner, isValidKeyName, openLog, type Log, type NoteSigner } from '@sigstack/merkle';
import { openSqliteRekorV2Storage } from '../store/sqlite-rekor-store.js';
import { RekorError } from '../errors.js';
import { CanonicalizerPool } from '../service/canonicalizer-pool.js';
import { REKOR_SQLITE_CACHE_KIB, REKOR_TILE_CACHE_SIZE } from '../service/log-cache-sizes.js';
import type { EntryLimits } from '../types/entry.types.js';
import { RekorV2Service, type CosignCheckpoint } from './rekor-v2-service.js';

export interface OpenRekorV2Options {
  /** SQLite database file of the log (created when missing). */
  path: string;
  /**
   * The log key: Ed25519 (the default upstream and here) or ECDSA P-256. It signs
   * checkpoints only (Rekor v2 has no signed entry timestamps).
   */
  signer: Signer;
  /**
   * The log's public host name (no scheme, port or path): the checkpoint origin and
   * the note signature's key name. sigstore-go requires both to equal the host name
   * of the log's `baseUrl` in the trusted root; sigstore-js requires the key name to
   * be a substring of it (protocols.md §7.6). Fixed for the life of the log.
   */
  hostname: string;
  clock?: Clock;
  maxBatchSize?: number;
  maxBatchWaitMs?: number;
  maxPending?: number;
  limits?: Partial<EntryLimits>;
  /**
   * Worker threads that verify and canonicalise requests (default: one per core; 0: in
   * process), for a pool of this log's own. Ignored with `canonicalizer`.
   */
  workers?: number;
  /**
   * A pool shared with other logs (a stack's Rekor v1 and v2 use one): used instead of
   * a pool of its own, and left open by close() (its owner closes it).
   */
  canonicalizer?: CanonicalizerPool;
  /** See RekorV2Service: witness cosigning of the checkpoint served with each new entry. */
  cosignCheckpoint?: CosignCheckpoint;
}

export interface RekorV2Instance {
  service: RekorV2Service;
  /** The engine's log: checkpoint(), readTile(), readEntryBundle() for the tile read API. */
  log: Log;
  /** The note signer's key ID (32 bytes): the trusted root's `logId` and `checkpointKeyId`. */
  keyId: Buffer;
  close(): Promise<void>;
}

/**
 * The checkpoint signer of a Rekor v2 log, with its C2SP key ID: Ed25519
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key), ECDSA SHA-256(SPKI), as rekor-tiles pkg/note.
 */
export function rekorV2NoteSigner(hostname: string, signer: Signer): NoteSigner {
  if (!isValidKeyName(hostname) || /[/:]/.test(hostname.replace(/^\[.*\]$/, 'ipv6')))
    throw new RekorError('INVALID_KEY', `the Rekor v2 origin must be a bare host name (no scheme, port, path, spaces or '+'), got ${JSON.stringify(hostname)}`);
  if (signer.algorithm === 'ed25519') return createEd25519NoteSigner(hostname, signer);
  if (signer.algorithm === 'ecdsa-p256-sha256') return createEcdsaNoteSigner(hostname, signer);
  throw new RekorError('INVALID_KEY', `the Rekor v2 log key must be Ed25519 or ECDSA P-256, got ${signer.algorithm}`);
}

/** Opens (creating on first use) the Rekor v2 log stored at `path`. */
export async function openRekorV2(opts: OpenRekorV2Options): Promise<RekorV2Instance> {
  const noteSigner = rekorV2NoteSigner(opts.hostname, opts.signer);
  mkdirSync(dirname(opts.path), { recursive: true });
  const log = await openLog({
    // The v1 log's cache sizes (RSS flat to 1M entries): see log-cache-sizes.ts.
    store: openSqliteRekorV2Storage(opts.path, { cacheKiB: REKOR_SQLITE_CACHE_KIB }),
    tileCacheSize: REKOR_TILE_CACHE_SIZE,
    create: true,
    origin: opts.hostname,
    noteSigner,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.maxBatchSize !== undefined ? { maxBatchSize: opts.maxBatchSize } : {}),
    ...(opts.maxBatchWaitMs !== undefined ? { maxBatchWaitMs: opts.maxBatchWaitMs } : {}),
    ...(opts.maxPending !== undefined ? { maxPending: opts.maxPending } : {}),
  });
  const keyId = Buffer.from(noteSigner.keyId);
  const own = opts.canonicalizer ? undefined : new CanonicalizerPool(opts.workers !== undefined ? { workers: opts.workers } : {});
  const service = new RekorV2Service({
    log,
    keyId,
    canonicalizer: opts.canonicalizer ?? own!,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.cosignCheckpoint ? { cosignCheckpoint: opts.cosignCheckpoint } : {}),
  });
  return {
    service,
    log,
    keyId,
    async close() {
      // In-flight requests have finished (fastify closes connections first); drain the log, then stop our workers.
      await log.close();
      await own?.close();
    },
  };
}
