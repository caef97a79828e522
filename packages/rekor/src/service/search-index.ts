import type { Database } from 'better-sqlite3';

/**
 * The Rekor search index (protocols.md §6.8): index key → log index. The rows are
 * written by the merkle engine's onSequenced hook, inside the same SQLite
 * transaction as the leaves, so a crash can never leave an entry without its index
 * rows or index rows pointing at an entry that was not committed.
 */
export class SearchIndex {
  readonly #insert;
  readonly #lookup;

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS rekor_index (
      key TEXT NOT NULL,
      idx INTEGER NOT NULL,
      PRIMARY KEY (key, idx)
    ) WITHOUT ROWID`);
    this.#insert = db.prepare('INSERT OR IGNORE INTO rekor_index (key, idx) VALUES (?, ?)');
    this.#lookup = db.prepare('SELECT idx FROM rekor_index WHERE key = ? ORDER BY idx LIMIT ?').pluck();
  }

  /** Must be called inside the batch transaction. */
  add(index: number, keys: readonly string[]): void {
    // Upstream lower-cases index keys; lookups lower-case the query the same way.
    for (const k of new Set(keys.map((k) => k.toLowerCase()))) this.#insert.run(k, index);
  }

  lookup(key: string, limit: number): number[] {
    return this.#lookup.all(key, limit) as number[];
  }
}
