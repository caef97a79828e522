import Database from 'better-sqlite3';
import { WitnessError } from '../errors.js';

/** What the witness holds for one log: the latest checkpoint it cosigned. */
export interface WitnessedCheckpoint {
  size: number;
  rootHash: Buffer;
  /** The checkpoint note: the log's verified signatures and this witness's cosignature. */
  checkpoint: string;
  /** When it was stored, ms since the epoch. */
  updatedMs: number;
}

/** Fork evidence kept per origin: enough to show an operator, not a way to fill the disk. */
export const MAX_FORK_RECORDS = 100;

/**
 * The witness's durable state, one SQLite file (WAL, synchronous=FULL: a cosignature
 * is returned only after the state it vouches for is on disk, C2SP tlog-witness "MUST
 * persist the new checkpoint before responding").
 *
 * Contract: `advance` is a compare-and-swap on (size, root). The witness reads the
 * state, checks the request against it, signs, and advances only if the state is
 * still what it read; two requests that both passed their checks cannot both move
 * the log (C2SP's roll-back race), whichever process holds the file.
 *
 * Crash consequences: a crash before the commit leaves the old state (the log sends
 * the same checkpoint again); after it, the new one (the log's next request, with
 * the old size, gets 409 and the size to use).
 */
export class WitnessState {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string], { size: number; root: Buffer; checkpoint: string; updated_ms: number }>;
  readonly #insert: Database.Statement<[string, number, Buffer, string, number]>;
  readonly #update: Database.Statement<[number, Buffer, string, number, string, number, Buffer]>;
  readonly #fork: Database.Statement<[string, number, string, number, string, number]>;
  readonly #forks: Database.Statement<[string], { n: number }>;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT size, root, checkpoint, updated_ms FROM checkpoints WHERE origin = ?');
    this.#insert = db.prepare('INSERT OR IGNORE INTO checkpoints (origin, size, root, checkpoint, updated_ms) VALUES (?, ?, ?, ?, ?)');
    this.#update = db.prepare('UPDATE checkpoints SET size = ?, root = ?, checkpoint = ?, updated_ms = ? WHERE origin = ? AND size = ? AND root = ?');
    this.#fork = db.prepare(
      'INSERT INTO forks (origin, size, checkpoint, seen_ms) SELECT ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM forks WHERE origin = ?) < ?',
    );
    this.#forks = db.prepare('SELECT COUNT(*) AS n FROM forks WHERE origin = ?');
  }

  /** Opens (creating) the state file. */
  static open(path: string): WitnessState {
    try {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 1000');
      db.exec(`
        CREATE TABLE IF NOT EXISTS checkpoints (
          origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, checkpoint TEXT NOT NULL, updated_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS forks (
          id INTEGER PRIMARY KEY, origin TEXT NOT NULL, size INTEGER NOT NULL, checkpoint TEXT NOT NULL, seen_ms INTEGER NOT NULL);`);
      return new WitnessState(db);
    } catch (cause) {
      throw new WitnessError('STORE_FAILED', `cannot open the witness state ${path}: ${(cause as Error).message}`, { cause });
    }
  }

  /** The latest checkpoint cosigned for `origin`, if any. */
  latest(origin: string): WitnessedCheckpoint | undefined {
    const r = this.#run(() => this.#get.get(origin));
    return r && { size: r.size, rootHash: r.root, checkpoint: r.checkpoint, updatedMs: r.updated_ms };
  }

  /**
   * Moves `origin` from `prev` (undefined: nothing stored) to `next`, only if the stored
   * state is still `prev`. False if another request moved it first.
   */
  advance(origin: string, prev: { size: number; rootHash: Buffer } | undefined, next: { size: number; rootHash: Buffer; checkpoint: string; updatedMs: number }): boolean {
    const info = this.#run(() =>
      prev
        ? this.#update.run(next.size, next.rootHash, next.checkpoint, next.updatedMs, origin, prev.size, prev.rootHash)
        : this.#insert.run(origin, next.size, next.rootHash, next.checkpoint, next.updatedMs),
    );
    return info.changes === 1;
  }

  /** Keeps a validly signed checkpoint that contradicts the state (up to MAX_FORK_RECORDS per origin). */
  recordFork(origin: string, size: number, checkpoint: string, seenMs: number): void {
    this.#run(() => this.#fork.run(origin, size, checkpoint, seenMs, origin, MAX_FORK_RECORDS));
  }

  /** How many fork records `origin` has. */
  forkCount(origin: string): number {
    return this.#run(() => this.#forks.get(origin)?.n ?? 0);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #run<T>(f: () => T): T {
    try {
      return f();
    } catch (cause) {
      throw new WitnessError('STORE_FAILED', `witness state: ${(cause as Error).message}`, { cause });
    }
  }
}
