import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, Signer } from '@sigstack/core';
import { createEcdsaNoteSigner, leafHash, openLog, type Log, type SequencedEntry } from '@sigstack/merkle';
import { CtLogError } from '../errors.js';
import { ChainValidator } from './chain-validator.js';
import type { CtLeafExtra, CtStorage } from '../store/ct-store.js';
import { openSqliteCtStorage } from '../store/sqlite-ct-store.js';
import { CtLogService } from './ctlog-service.js';

/**
 * The checkpoint origin when none is given. The engine keeps a C2SP checkpoint next
 * to the RFC 6962 STH; its origin names the log (`<host>/<prefix>`), is fixed at
 * creation, and reopening with another one is refused.
 */
export const DEFAULT_CT_ORIGIN = 'localhost/ct';

export interface OpenCtLogOptions {
  /** SQLite database file of the log (created, with its directory, when missing). Ignored with `storage`. */
  path: string;
  /**
   * The log's storage, opened by the caller (another driver than the embedded
   * SQLite one). The log owns it from now on and closes it. Default: SQLite at `path`.
   */
  storage?: CtStorage;
  /** The log key. Must be ECDSA P-256: ct-go (cosign, sigstore-go) accepts no other curve and no Ed25519. */
  signer: Signer;
  /** DER of the accepted root certificates (at least one). */
  roots: Buffer[];
  /** Batch timestamps = SCT timestamps (default systemClock). */
  clock?: Clock;
  /** Checkpoint origin (default DEFAULT_CT_ORIGIN). */
  origin?: string;
  maxBatchSize?: number;
  maxBatchWaitMs?: number;
  maxPending?: number;
}

export interface CtLogInstance {
  service: CtLogService;
  /** The log's read side, for the read-only C2SP tlog-tiles view of the same tree and witnesses' consistency proofs, and its stats and batch sizes for metrics (leaves are MerkleTreeLeaf bytes). */
  log: Pick<Log, 'checkpoint' | 'readTile' | 'readEntryBundle' | 'consistencyProof' | 'stats' | 'observeBatches'>;
  /** SHA-256 of the DER SPKI of the log key. */
  logId: Buffer;
  /** DER SPKI of the log key (for the trusted root's `ctlogs[].publicKey.rawBytes`). */
  publicKeyDer: Buffer;
  /** Stops accepting, commits and answers what was accepted, closes the store. */
  close(): Promise<void>;
}

/** Opens the CT log stored at `path`, creating it on first use. */
export async function openCtLog(opts: OpenCtLogOptions): Promise<CtLogInstance> {
  if (opts.signer.algorithm !== 'ecdsa-p256-sha256')
    throw new CtLogError('INVALID_KEY', `the CT log key must be ECDSA P-256 (RFC 6962 clients accept no other), got ${opts.signer.algorithm}`);
  // Before touching the disk: a bad root is a configuration error, not a half-created log.
  const validator = new ChainValidator(opts.roots);
  const origin = opts.origin ?? DEFAULT_CT_ORIGIN;
  let storage = opts.storage;
  if (!storage) {
    mkdirSync(dirname(opts.path), { recursive: true });
    storage = openSqliteCtStorage(opts.path);
  }
  const { log: store, ct } = storage;
  let log;
  try {
    log = await openLog({
      store,
      create: true,
      origin,
      noteSigner: createEcdsaNoteSigner(origin, opts.signer),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.maxBatchSize !== undefined ? { maxBatchSize: opts.maxBatchSize } : {}),
      ...(opts.maxBatchWaitMs !== undefined ? { maxBatchWaitMs: opts.maxBatchWaitMs } : {}),
      ...(opts.maxPending !== undefined ? { maxPending: opts.maxPending } : {}),
      // Runs inside the batch's write transaction: leaf-hash and extra_data rows commit with the leaves.
      onSequenced: (entries: SequencedEntry[]) => {
        for (const e of entries) ct.addEntry(e.index, leafHash(e.leaf), e.extra as CtLeafExtra);
      },
    });
  } catch (cause) {
    // openLog leaves the store open when it fails.
    store.close();
    throw cause;
  }
  const service = new CtLogService({ log, store: ct, signer: opts.signer, validator });
  return { service, log, logId: service.logId, publicKeyDer: service.publicKeyDer, close: () => log.close() };
}
