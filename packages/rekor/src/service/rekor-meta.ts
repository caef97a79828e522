import type { Database } from 'better-sqlite3';

/** Small persistent facts about the log (its tree ID), kept in the log's own database. */
export function loadOrCreateTreeId(db: Database, create: () => bigint): bigint {
  db.exec('CREATE TABLE IF NOT EXISTS rekor_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  const row = db.prepare("SELECT value FROM rekor_meta WHERE name = 'tree_id'").get() as { value: string } | undefined;
  if (row) return BigInt(row.value);
  const id = create();
  db.prepare("INSERT INTO rekor_meta (name, value) VALUES ('tree_id', ?)").run(id.toString());
  return id;
}
