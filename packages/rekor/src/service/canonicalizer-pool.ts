import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RekorError, type RekorErrorCode } from '../errors.js';
import { canonicalizeProposedEntry, type CanonicalEntry, type EntryLimits } from '../types/index.js';
import { canonicalizeCreateEntryRequest } from '../v2/create-entry-request.js';
import type { CanonicalV2Entry } from '../v2/entry.types.js';

/** `api`: which log the request is for: v1 proposed entry, or v2 CreateEntryRequest. */
export interface CanonicalizeRequest {
  id: number;
  api: 'v1' | 'v2';
  proposed: unknown;
  limits: Partial<EntryLimits> | undefined;
}

export type CanonicalizeReply =
  | { id: number; ok: true; kind: string; apiVersion: string; body: Uint8Array; indexKeys: string[] }
  | { id: number; ok: false; code?: RekorErrorCode; message: string };

/** V8 young-generation limit of each worker isolate (semi-space = a third of it). */
export const WORKER_YOUNG_GENERATION_MB = 12;

/** Worker threads used when the caller does not say: one per core. */
export const DEFAULT_CANONICALIZE_WORKERS = Math.max(1, availableParallelism());

/**
 * Canonicalises proposed entries in worker threads. Verifying a signature over a
 * digest is the most expensive step of an append (Node has no raw-digest ECDSA API,
 * see core/keys/ecdsa-prehash.ts) and it is synchronous; on the main thread it would
 * leave every other core idle while HTTP parsing waits behind it. Work goes to the
 * worker with the fewest requests in flight. With `workers: 0` everything runs in
 * process (tests, tiny deployments). One pool serves both logs of a stack (v1
 * `canonicalize`, v2 `canonicalizeV2`): a second pool would only add isolates.
 */
export class CanonicalizerPool {
  readonly #workers: { worker: Worker; pending: number }[] = [];
  readonly #waiting = new Map<number, { resolve: (e: CanonicalEntry) => void; reject: (e: Error) => void; slot: { worker: Worker; pending: number } }>();
  readonly #limits: Partial<EntryLimits> | undefined;
  #nextId = 1;
  #closed = false;

  constructor(opts: { workers?: number; limits?: Partial<EntryLimits> } = {}) {
    this.#limits = opts.limits;
    const n = opts.workers ?? DEFAULT_CANONICALIZE_WORKERS;
    // Under tsx (tests run the TypeScript sources) worker threads do not get tsx's
    // loader, so they run the compiled worker from dist/ (built before any test).
    const ts = import.meta.url.endsWith('.ts');
    const url = ts ? new URL('../../dist/service/canonicalize-worker.js', import.meta.url) : new URL('./canonicalize-worker.js', import.meta.url);
    for (let i = 0; i < n; i++) {
      // Young generation capped at 12 MiB (V8 semi-spaces of 4 MiB instead of the 16 MiB
      // they grow to under load): a worker holds one ~1 KiB entry per request in flight.
      // Measured at 1M entries over HTTP (BENCHMARKS.md, 2026-12-01, RSS levers): server
      // RSS 279–284 MiB instead of 288–308 MiB, appends and reads unchanged. Old
      // generation left at V8's default (a limit there could kill a worker).
      const worker = new Worker(url, { execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      const slot = { worker, pending: 0 };
      worker.on('message', (r: CanonicalizeReply) => this.#settle(r));
      worker.on('error', (err) => this.#fail(slot, err));
      worker.unref();
      this.#workers.push(slot);
    }
  }

  /** Rekor v1: a proposed entry. `limits` default to the pool's. */
  async canonicalize(proposed: unknown, limits: Partial<EntryLimits> | undefined = this.#limits): Promise<CanonicalEntry> {
    if (this.#workers.length === 0) return canonicalizeProposedEntry(proposed, limits);
    return this.#post('v1', proposed, limits);
  }

  /** Rekor v2: a CreateEntryRequest (canonicalizeCreateEntryRequest in a worker). `limits` default to the pool's. */
  async canonicalizeV2(request: unknown, limits: Partial<EntryLimits> | undefined = this.#limits): Promise<CanonicalV2Entry> {
    if (this.#workers.length === 0) return canonicalizeCreateEntryRequest(request, limits);
    const r = await this.#post('v2', request, limits);
    return { kind: r.kind as CanonicalV2Entry['kind'], version: r.apiVersion as CanonicalV2Entry['version'], body: r.body };
  }

  #post(api: 'v1' | 'v2', proposed: unknown, limits: Partial<EntryLimits> | undefined): Promise<CanonicalEntry> {
    if (this.#closed) return Promise.reject(new Error('canonicalizer pool is closed'));
    let slot = this.#workers[0]!;
    for (const w of this.#workers) if (w.pending < slot.pending) slot = w;
    const id = this.#nextId++;
    // Keep the process alive while a worker owes us an answer (idle workers are unref'd).
    if (slot.pending++ === 0) slot.worker.ref();
    return new Promise<CanonicalEntry>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, slot });
      try {
        slot.worker.postMessage({ id, api, proposed, limits } satisfies CanonicalizeRequest);
      } catch (err) {
        // Not structured-cloneable: cannot be a JSON request body; refuse it plainly.
        this.#waiting.delete(id);
        if (--slot.pending === 0) slot.worker.unref();
        reject(new RekorError('MALFORMED_ENTRY', `entry cannot be processed: ${(err as Error).message}`));
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }

  #settle(r: CanonicalizeReply): void {
    const w = this.#waiting.get(r.id);
    if (!w) return;
    this.#waiting.delete(r.id);
    if (--w.slot.pending === 0) w.slot.worker.unref();
    if (r.ok) w.resolve({ kind: r.kind, apiVersion: r.apiVersion, body: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength), indexKeys: r.indexKeys });
    else w.reject(r.code ? new RekorError(r.code, r.message) : new Error(r.message));
  }

  /** A worker died: fail what it had in flight, and replace nothing (the process is in trouble). */
  #fail(slot: { worker: Worker; pending: number }, err: Error): void {
    for (const [id, w] of this.#waiting) {
      if (w.slot !== slot) continue;
      this.#waiting.delete(id);
      w.reject(err);
    }
    slot.pending = 0;
    const i = this.#workers.indexOf(slot);
    if (i >= 0) this.#workers.splice(i, 1);
  }
}
