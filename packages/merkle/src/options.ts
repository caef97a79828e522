import { systemClock, type Clock } from '@sigstack/core';
import { LogError } from './errors.js';
import type { LogOptions, SequencedEntry } from './log.types.js';
import { checkOrigin } from './note/checkpoint.js';
import type { NoteSigner } from './note/signed-note.js';
import type { LogStore } from './store/store.js';
import { DEFAULT_TILE_CACHE_SIZE } from './tiles/tile-cache.js';

/** Default batch size: one transaction and one signature per 512 entries under load. */
export const DEFAULT_MAX_BATCH_SIZE = 512;
/**
 * Default wait for a batch to fill: 2 ms. A lone entry under light load is committed
 * after at most this long; under load, entries that arrive during a commit form the
 * next batch without waiting.
 */
export const DEFAULT_MAX_BATCH_WAIT_MS = 2;
/** Default bound on accepted-but-unanswered entries (about a second of full load). */
export const DEFAULT_MAX_PENDING = 4096;
/**
 * Default largest leaf: 1 MiB. A log that serves C2SP entry bundles must use at most
 * 65535 (MAX_BUNDLE_ENTRY_SIZE); Rekor v1 bodies can be larger.
 */
export const DEFAULT_MAX_ENTRY_SIZE = 1024 * 1024;
/** Largest identity accepted (it is hashed before storage). */
export const MAX_IDENTITY_SIZE = 64 * 1024;

export interface ResolvedOptions {
  store: LogStore;
  origin: string;
  noteSigner: NoteSigner;
  clock: Clock;
  maxBatchSize: number;
  maxBatchWaitMs: number;
  maxPending: number;
  maxEntrySize: number;
  tileCacheSize: number;
  onSequenced: ((entries: SequencedEntry[]) => void) | undefined;
  attach: ((entries: readonly SequencedEntry[]) => readonly unknown[] | Promise<readonly unknown[]>) | undefined;
}

/** Validates options once and fills in the defaults. Throws INVALID_OPTIONS. */
export function resolveOptions(o: LogOptions): ResolvedOptions {
  if (!o || typeof o !== 'object') throw new LogError('INVALID_OPTIONS', 'options are required');
  if (!o.store) throw new LogError('INVALID_OPTIONS', 'a store is required');
  if (!o.noteSigner || typeof o.noteSigner.sign !== 'function' || o.noteSigner.keyHint?.length !== 4)
    throw new LogError('INVALID_OPTIONS', 'a noteSigner with a 4-byte key hint is required');
  try {
    checkOrigin(o.origin);
  } catch (cause) {
    throw new LogError('INVALID_OPTIONS', `invalid origin ${JSON.stringify(o.origin)}`, { cause });
  }
  const r: ResolvedOptions = {
    store: o.store,
    origin: o.origin,
    noteSigner: o.noteSigner,
    clock: o.clock ?? systemClock,
    maxBatchSize: int('maxBatchSize', o.maxBatchSize, DEFAULT_MAX_BATCH_SIZE, 1, 65536),
    maxBatchWaitMs: num('maxBatchWaitMs', o.maxBatchWaitMs, DEFAULT_MAX_BATCH_WAIT_MS, 0, 60_000),
    maxPending: int('maxPending', o.maxPending, DEFAULT_MAX_PENDING, 1, 10_000_000),
    maxEntrySize: int('maxEntrySize', o.maxEntrySize, DEFAULT_MAX_ENTRY_SIZE, 1, 64 * 1024 * 1024),
    tileCacheSize: int('tileCacheSize', o.tileCacheSize, DEFAULT_TILE_CACHE_SIZE, 0, 1_000_000),
    onSequenced: o.onSequenced,
    attach: o.attach,
  };
  if (o.onSequenced !== undefined && typeof o.onSequenced !== 'function')
    throw new LogError('INVALID_OPTIONS', 'onSequenced must be a function');
  if (o.attach !== undefined && typeof o.attach !== 'function') throw new LogError('INVALID_OPTIONS', 'attach must be a function');
  return r;
}

function int(name: string, v: number | undefined, def: number, min: number, max: number): number {
  const x = num(name, v, def, min, max);
  if (!Number.isInteger(x)) throw new LogError('INVALID_OPTIONS', `${name} must be an integer`);
  return x;
}

function num(name: string, v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new LogError('INVALID_OPTIONS', `${name} must be between ${min} and ${max}, got ${v}`);
  return v;
}
