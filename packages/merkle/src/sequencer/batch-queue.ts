import type { LogError } from '../errors.js';
import type { AddCandidate, AddResult } from '../log.types.js';

/** An accepted candidate waiting for its batch to be durable. */
export interface Pending {
  candidate: AddCandidate;
  /** SHA-256 of the identity: the dedupe key. */
  identityHash: Buffer;
  /** performance.now() at enqueue, for the batch wait. */
  enqueuedAt: number;
  resolve(r: AddResult): void;
  reject(e: LogError): void;
}

/**
 * The pool of accepted candidates (Sunlight's pool, Tessera's queue). FIFO; the
 * bound is enforced by the sequencer over queued + in-flight entries.
 */
export class BatchQueue {
  #items: Pending[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(p: Pending): void {
    this.#items.push(p);
  }

  /** The oldest queued entry, if any. */
  peek(): Pending | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns up to `max` entries, oldest first. */
  take(max: number): Pending[] {
    const end = Math.min(this.#items.length, this.#head + max);
    const out = this.#items.slice(this.#head, end);
    this.#head = end;
    // Compact once the consumed prefix dominates, so the array does not grow forever.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  /** Removes and returns everything. */
  drain(): Pending[] {
    return this.take(this.length);
  }
}
