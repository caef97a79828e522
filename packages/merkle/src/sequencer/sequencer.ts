import { performance } from 'node:perf_hooks';
import { sha256 } from '@sigstack/core';
import { LogError, toLogError } from '../errors.js';
import type { LogReader } from '../log-reader.js';
import type { AddCandidate, AddResult, Checkpoint } from '../log.types.js';
import { MAX_IDENTITY_SIZE, type ResolvedOptions } from '../options.js';
import { BatchQueue, type Pending } from './batch-queue.js';
import { attachBatch, persistBatch, planBatch, signBatch, type BatchPlan } from './commit-batch.js';
import { loadPublishedState } from './recover.js';

/**
 * The one writer of a log (batch, then sequence, then publish; design.md §3).
 *
 * add() enqueues and returns a promise. A batch starts when `maxBatchSize` entries
 * are queued or the oldest has waited `maxBatchWaitMs`. Per batch, in order:
 *   1. plan: one timestamp, dedupe, indices, leaves, integration into a copy of the
 *      right edge, new root — in memory only;
 *   2. sign one checkpoint and, concurrently, make the personality's per-entry
 *      attachments (`attach`: Rekor's signed entry timestamps) — in memory only;
 *   3. commit everything in one store transaction (the durability point);
 *   4. publish the new state to readers;
 *   5. answer every waiter.
 * Nobody is answered before step 3 returned. Batches never overlap.
 *
 * Batch timing uses the process's monotonic timer, not the injected Clock: it
 * decides when to commit, never what is written.
 */
export class Sequencer {
  readonly #opts: ResolvedOptions;
  readonly #reader: LogReader;
  readonly #queue = new BatchQueue();
  #inFlight = 0;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #fatal: LogError | undefined;
  #idle: (() => void)[] = [];
  readonly counters = { batches: 0, appended: 0, duplicates: 0, lastBatchSize: 0 };
  /** Told the size of every committed batch (metrics); once per batch, never per entry. */
  batchObserver: ((size: number) => void) | undefined;

  constructor(opts: ResolvedOptions, reader: LogReader) {
    this.#opts = opts;
    this.#reader = reader;
  }

  /** Entries accepted and not yet answered. */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** The error that stopped the sequencer, if any. */
  get fatal(): LogError | undefined {
    return this.#fatal;
  }

  add(candidate: AddCandidate): Promise<AddResult> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#closing) return Promise.reject(new LogError('SHUTTING_DOWN', 'the log is shutting down'));
    const identity = candidate?.identity;
    if (!(identity instanceof Uint8Array) || identity.length === 0 || identity.length > MAX_IDENTITY_SIZE)
      return Promise.reject(new LogError('INVALID_ENTRY', `identity must be 1..${MAX_IDENTITY_SIZE} bytes`));
    const leaf = candidate.leaf;
    if (typeof leaf !== 'function') {
      if (!(leaf instanceof Uint8Array)) return Promise.reject(new LogError('INVALID_ENTRY', 'leaf must be bytes or a function'));
      if (leaf.length > this.#opts.maxEntrySize)
        return Promise.reject(new LogError('ENTRY_TOO_LARGE', `leaf of ${leaf.length} bytes exceeds ${this.#opts.maxEntrySize}`));
    }
    // Pushback is immediate: a full pool answers at once (HTTP 503 + Retry-After)
    // rather than letting latency grow without bound.
    if (this.pending >= this.#opts.maxPending)
      return Promise.reject(new LogError('PUSHBACK', `too many pending entries (${this.#opts.maxPending}); retry later`));
    return new Promise<AddResult>((resolve, reject) => {
      this.#queue.push({ candidate, identityHash: sha256(identity), enqueuedAt: performance.now(), resolve, reject });
      this.#schedule();
    });
  }

  /** Stops accepting entries, commits everything already accepted, and resolves when idle. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#schedule();
    await this.#whenIdle();
  }

  #whenIdle(): Promise<void> {
    if (!this.#running && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#running) return; // the loop picks the queue up when the current batch is done
    const oldest = this.#queue.peek();
    if (!oldest) return;
    const wait = this.#closing || this.#queue.length >= this.#opts.maxBatchSize ? 0 : oldest.enqueuedAt + this.#opts.maxBatchWaitMs - performance.now();
    if (wait <= 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#running = true;
      // setImmediate, not a direct call: let the I/O already received (requests in
      // flight) reach the queue and join this batch.
      setImmediate(() => void this.#loop());
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#schedule();
      }, Math.ceil(wait));
    }
  }

  async #loop(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        if (this.#fatal) {
          for (const p of this.#queue.drain()) p.reject(this.#fatal);
          break;
        }
        const batch = this.#queue.take(this.#opts.maxBatchSize);
        this.#inFlight = batch.length;
        try {
          await this.#runBatch(batch);
        } catch (e) {
          // A bug, not a store or signer failure (those are handled in #runBatch): the
          // in-memory state can no longer be trusted, so answer and stop.
          const err = toLogError('STORE_FAILED', 'internal sequencer error', e);
          this.#failBatch(batch, err);
          this.#stop(err);
        } finally {
          this.#inFlight = 0;
        }
        // Entries that arrived during this batch's commit have waited already; commit
        // them as soon as their wait is up or the batch is full (schedule decides).
        const oldest = this.#queue.peek();
        if (!oldest || this.#fatal) continue;
        if (!this.#closing && this.#queue.length < this.#opts.maxBatchSize && oldest.enqueuedAt + this.#opts.maxBatchWaitMs > performance.now()) break;
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.#running = false;
      if (this.#queue.length > 0) this.#schedule();
      else for (const f of this.#idle.splice(0)) f();
    }
  }

  async #runBatch(items: Pending[]): Promise<void> {
    const state = this.#reader.state;
    const previous = state.checkpoint;
    let plan: BatchPlan;
    try {
      plan = planBatch(items, state.edge, previous, this.#opts, (h) => {
        const index = this.#opts.store.lookupIdentity(h);
        if (index === undefined) return undefined;
        const e = this.#opts.store.readEntry(index);
        if (!e) throw new LogError('LOG_CORRUPT', `identity points at missing entry ${index}`);
        return { index, timestampMs: e.timestampMs };
      });
    } catch (cause) {
      this.#failBatch(items, toLogError('STORE_FAILED', 'cannot sequence the batch', cause));
      return;
    }
    if (plan.entries.length === 0) {
      // Only duplicates or rejections: nothing to write, the current checkpoint covers them.
      this.#answer(items, plan, previous);
      return;
    }

    // The checkpoint signature and the personality's per-entry attachments (Rekor:
    // signed entry timestamps) are independent: make them concurrently, and settle
    // both before looking at either (no unhandled rejection). Crash or failure here:
    // nothing was written; the plan is dropped.
    const [signed, attached] = await Promise.allSettled([signBatch(plan, this.#opts), attachBatch(plan, this.#opts)]);
    if (signed.status === 'rejected' || attached.status === 'rejected') {
      const e = signed.status === 'rejected' ? signed.reason : (attached as PromiseRejectedResult).reason;
      this.#failBatch(items, toLogError('SIGNING_FAILED', 'cannot sign the batch', e), plan);
      return;
    }
    const checkpoint: Checkpoint = signed.value;
    // The state may not have moved while we were signing: only this loop writes.

    try {
      // THE durability point. Crash before the commit returns: the transaction is
      // rolled back on the next open, the log is at `previous`, and no waiter was
      // answered (their clients see a dropped connection and retry).
      persistBatch(plan, checkpoint, previous.size, this.#opts);
    } catch (e) {
      const err = e instanceof LogError ? e : toLogError('STORE_FAILED', 'cannot commit the batch', e);
      this.#failBatch(items, err, plan);
      if (err.code === 'CHECKPOINT_CONFLICT') this.#stop(err);
      else this.#recover(previous);
      return;
    }
    try {
      // Power-loss durability (SQLite: fsync of the WAL off the event loop). Crash
      // before it resolves: the batch may or may not survive, and nobody has seen it:
      // readers see only published state, and no waiter was answered.
      await this.#opts.store.sync?.();
    } catch (e) {
      const err = toLogError('STORE_FAILED', 'cannot make the batch durable', e);
      this.#failBatch(items, err, plan);
      // The batch is committed but not known to be durable: stop, so that nothing
      // built on top of it is ever acknowledged. Reopening the log recovers.
      this.#stop(err);
      return;
    }
    // Crash from here on: the batch is durable. Waiters not answered yet will retry
    // and get their entry back as a duplicate (same index), never a second copy.

    this.#reader.publish({ edge: plan.edge, checkpoint }, plan.completed);
    this.counters.batches++;
    this.counters.lastBatchSize = plan.entries.length;
    try {
      this.batchObserver?.(plan.entries.length);
    } catch {
      // An observer is metrics only: its failure must not keep the waiters from their answers.
    }
    this.#answer(items, plan, checkpoint);
  }

  #answer(items: Pending[], plan: BatchPlan, checkpoint: Checkpoint): void {
    // New entries sit at consecutive indices from the first one, in plan.sequenced.
    const first = plan.entries[0]?.index ?? 0;
    for (let i = 0; i < items.length; i++) {
      const o = plan.outcomes[i]!;
      const p = items[i]!;
      if (o.kind === 'new') {
        this.counters.appended++;
        const r: AddResult = { index: o.index, timestampMs: plan.timestampMs, duplicate: false, checkpoint };
        const attachment = plan.sequenced[o.index - first]?.attachment;
        if (attachment !== undefined) r.attachment = attachment;
        p.resolve(r);
      } else if (o.kind === 'duplicate') {
        this.counters.duplicates++;
        p.resolve({ index: o.index, timestampMs: o.timestampMs, duplicate: true, checkpoint });
      } else {
        p.reject(o.error);
      }
    }
  }

  /** Rejects a failed batch: entries rejected on their own keep their own error. */
  #failBatch(items: Pending[], err: LogError, plan?: BatchPlan): void {
    for (let i = 0; i < items.length; i++) {
      const o = plan?.outcomes[i];
      items[i]!.reject(o?.kind === 'rejected' ? o.error : err);
    }
  }

  /**
   * After a failed commit the batch may or may not be in the store (an error after
   * COMMIT). Re-read the committed state and continue from it; if that fails too,
   * stop: the log must be reopened.
   */
  #recover(previous: Checkpoint): void {
    try {
      const state = loadPublishedState(this.#opts);
      if (state.checkpoint.size < previous.size)
        throw new LogError('LOG_CORRUPT', `the stored log shrank from ${previous.size} to ${state.checkpoint.size}`);
      if (state.checkpoint.size === previous.size && !state.checkpoint.rootHash.equals(previous.rootHash))
        throw new LogError('LOG_CORRUPT', `the stored root of size ${previous.size} changed`);
      if (state.checkpoint.size !== previous.size) this.#reader.reset(state);
    } catch (e) {
      this.#stop(toLogError('STORE_FAILED', 'cannot re-read the log after a failed commit', e));
    }
  }

  /** A fatal error: refuse every later write, reject everything queued. */
  #stop(err: LogError): void {
    this.#fatal = err;
    for (const p of this.#queue.drain()) p.reject(err);
  }
}
