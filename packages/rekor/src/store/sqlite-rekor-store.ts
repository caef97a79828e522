import { SqliteStore, type LogStore } from '@sigstack/merkle';
import type { RekorIndexStore, RekorStorage } from './rekor-store.js';

type Database = SqliteStore['db'];

/**
 * The Rekor tables in the engine's SQLite file (the embedded default):
 * - rekor_index: lower-cased search key → log index;
 * - rekor_sets: the SET of each index (logs from before this table have none);
 * - rekor_meta: small facts, the tree ID.
 * Batch writes run inside the engine's IMMEDIATE batch transaction (onSequenced), so
 * they commit, and become durable at the batch's WAL fsync, with the leaves.
 */
export class SqliteRekorStore implements RekorIndexStore {
  readonly #db: Database;
  readonly #insertKey;
  readonly #findKey;
  readonly #insertSet;
  readonly #getSet;

  constructor(db: Database) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS rekor_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS rekor_index (
        key TEXT NOT NULL,
        idx INTEGER NOT NULL,
        PRIMARY KEY (key, idx)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS rekor_sets (
        idx INTEGER PRIMARY KEY,
        sig BLOB NOT NULL
      );
    `);
    this.#insertKey = db.prepare('INSERT OR IGNORE INTO rekor_index (key, idx) VALUES (?, ?)');
    this.#findKey = db.prepare('SELECT idx FROM rekor_index WHERE key = ? ORDER BY idx LIMIT ?').pluck();
    this.#insertSet = db.prepare('INSERT INTO rekor_sets (idx, sig) VALUES (?, ?)');
    this.#getSet = db.prepare('SELECT sig FROM rekor_sets WHERE idx = ?').pluck();
  }

  treeId(create: () => bigint): bigint {
    const row = this.#db.prepare("SELECT value FROM rekor_meta WHERE name = 'tree_id'").get() as { value: string } | undefined;
    if (row) return BigInt(row.value);
    const id = create();
    // Autocommit before the log's first checkpoint is written: WAL commits survive a
    // crash in order, so no checkpoint naming this tree ID can outlive the ID itself.
    this.#db.prepare("INSERT INTO rekor_meta (name, value) VALUES ('tree_id', ?)").run(id.toString());
    return id;
  }

  addSearchRows(index: number, keys: readonly string[]): void {
    for (const k of new Set(keys.map((k) => k.toLowerCase()))) this.#insertKey.run(k, index);
  }

  findByKey(key: string, limit: number): number[] {
    return this.#findKey.all(key, limit) as number[];
  }

  putSet(index: number, set: Buffer): void {
    this.#insertSet.run(index, set);
  }

  getSet(index: number): Buffer | undefined {
    return this.#getSet.get(index) as Buffer | undefined;
  }
}

export interface SqliteRekorStorageOptions {
  /** SQLite page cache in KiB (see log-cache-sizes.ts). */
  cacheKiB?: number;
}

/** Opens (creating the file and tables if needed) a Rekor v1 log's SQLite storage at `path`. */
export function openSqliteRekorStorage(path: string, opts: SqliteRekorStorageOptions = {}): RekorStorage {
  const log = SqliteStore.open(path, opts.cacheKiB !== undefined ? { cacheKiB: opts.cacheKiB } : {});
  try {
    return { log, rekor: new SqliteRekorStore(log.db) };
  } catch (cause) {
    log.close();
    throw cause;
  }
}

/** Opens (creating it if needed) a Rekor v2 log's SQLite store at `path`: the engine's tables only. */
export function openSqliteRekorV2Storage(path: string, opts: SqliteRekorStorageOptions = {}): LogStore {
  return SqliteStore.open(path, opts.cacheKiB !== undefined ? { cacheKiB: opts.cacheKiB } : {});
}
