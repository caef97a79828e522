import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
      mkdirSync(dirname(this.#path), { recursive: true });
      writeFileSync(this.#path + '.tmp', JSON.stringify(this.#starts, null, 2) + '\n');
      renameSync(this.#path + '.tmp', this.#path);
    }
    return s;
  }
}
