import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@sigstack/core';

/**
 * Remembers when each key of the stack was first used, so that trusted_root.json's
 * `validFor.start` stays fixed across restarts and precedes everything the key
 * signed (clients require start ≤ integratedTime / genTime / SCT time).
 */
export class KeyValidity {
  readonly #path: string;
  readonly #starts: Record<string, number>;

  constructor(path: string) {
    this.#path = path;
    this.#starts = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>) : {};
  }

  /** Start of validity (ms, whole seconds) for a key ID, recording `now` the first time. */
  startOf(keyId: string, now: number): number {
    let s = this.#starts[keyId];
    if (s === undefined) {
      s = Math.floor(now / 1000) * 1000;
      this.#starts[keyId] = s;
      // Durable before the start is used: a crash must not let a restart pick a later start.
      writeFileAtomic(this.#path, JSON.stringify(this.#starts, null, 2) + '\n');
    }
    return s;
  }
}
