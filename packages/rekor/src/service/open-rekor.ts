import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256Hex, type Clock, type Signer } from '@sigstack/core';
import { createEcdsaNoteSigner, openLog, type Log, type SequencedEntry } from '@sigstack/merkle';
import { RekorError } from '../errors.js';
import type { EntryLimits } from '../types/index.js';
import { randomTreeId } from './entry-id.js';
import { RekorService, type RekorLeafExtra } from './rekor-service.js';
import { CanonicalizerPool } from './canonicalizer-pool.js';
import { REKOR_SQLITE_CACHE_KIB, REKOR_TILE_CACHE_SIZE } from './log-cache-sizes.js';
import { makeSetSigner } from './set-signer.js';
import type { RekorStorage } from '../store/rekor-store.js';
import { openSqliteRekorStorage } from '../store/sqlite-rekor-store.js';

export interface OpenRekorOptions {
  /** SQLite database file of the log (created when missing). Ignored with `storage`. */
  path: string;
  /**
   * The log's storage, opened by the caller (another driver than the embedded
   * SQLite one). The log owns it from now on and closes it. Default: SQLite at `path`.
   */
  storage?: RekorStorage;
  /** The log key (ECDSA P-256: SETs must be ECDSA for cosign and sigstore-go). */
  signer: Signer;
  /**
   * The public host name of the log. It becomes the checkpoint origin
   * `<hostname> - <treeID>` and the signature name, and must be contained in the
   * log's `baseUrl` in the trusted root (sigstore-js checks; protocols.md §6.6).
   */
  hostname: string;
  clock?: Clock;
  maxBatchSize?: number;
  maxBatchWaitMs?: number;
  maxPending?: number;
  limits?: Partial<EntryLimits>;
  /**
   * Worker threads that verify and canonicalise entries (default: one per core; 0: in
   * process), for a pool of this log's own. Ignored with `canonicalizer`.
   */
  workers?: number;
  /**
   * A pool shared with other logs (a stack's Rekor v1 and v2 use one): used instead of
   * a pool of its own, and left open by close() (its owner closes it).
   */
  canonicalizer?: CanonicalizerPool;
}

export interface RekorInstance {
  service: RekorService;
  /** The log's read side, for the read-only C2SP tlog-tiles view of the same tree and witnesses' consistency proofs, and its stats and batch sizes for metrics (writes go through the service). */
  log: Pick<Log, 'checkpoint' | 'readTile' | 'readEntryBundle' | 'consistencyProof' | 'stats' | 'observeBatches'>;
  close(): Promise<void>;
}

/** Opens (creating on first use) the Rekor v1 log stored at `path`. */
export async function openRekor(opts: OpenRekorOptions): Promise<RekorInstance> {
  if (!opts.signer.algorithm.startsWith('ecdsa'))
    throw new RekorError('INVALID_KEY', 'the Rekor v1 log key must be ECDSA: clients verify signed entry timestamps only with ECDSA');
  let storage = opts.storage;
  if (!storage) {
    mkdirSync(dirname(opts.path), { recursive: true });
    // Smaller caches than the engine's defaults: see log-cache-sizes.ts.
    storage = openSqliteRekorStorage(opts.path, { cacheKiB: REKOR_SQLITE_CACHE_KIB });
  }
  const { log: store, rekor: rekorStore } = storage;
  const treeId = rekorStore.treeId(() => randomTreeId(randomBytes));
  const log = await openLog({
    store,
    create: true,
    origin: `${opts.hostname} - ${treeId}`,
    noteSigner: createEcdsaNoteSigner(opts.hostname, opts.signer),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.maxBatchSize !== undefined ? { maxBatchSize: opts.maxBatchSize } : {}),
    ...(opts.maxBatchWaitMs !== undefined ? { maxBatchWaitMs: opts.maxBatchWaitMs } : {}),
    ...(opts.maxPending !== undefined ? { maxPending: opts.maxPending } : {}),
    tileCacheSize: REKOR_TILE_CACHE_SIZE,
    // Per batch, after sequencing and before anything is written: one SET per entry.
    attach: makeSetSigner(opts.signer, sha256Hex(opts.signer.publicKeyDer)),
    // Runs inside the batch's write transaction: index rows and SETs commit with the leaves.
    onSequenced: (entries: SequencedEntry[]) => {
      for (const e of entries) {
        rekorStore.addSearchRows(e.index, (e.extra as RekorLeafExtra).indexKeys);
        rekorStore.putSet(e.index, e.attachment as Buffer);
      }
    },
  });
  const own = opts.canonicalizer ? undefined : new CanonicalizerPool(opts.workers !== undefined ? { workers: opts.workers } : {});
  const service = new RekorService({ log, store: rekorStore, signer: opts.signer, treeId, canonicalizer: opts.canonicalizer ?? own!, ...(opts.limits ? { limits: opts.limits } : {}) });
  return {
    service,
    log,
    async close() {
      // In-flight requests have finished (fastify closes connections first); drain the log, then stop the workers.
      await log.close();
      await own?.close();
    },
  };
}
