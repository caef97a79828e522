import { sha256 } from '@sigstack/core';
import { SqliteStore } from '@sigstack/merkle';
import type { CtLeafExtra, CtStorage, CtStore } from './ct-store.js';

type Database = SqliteStore['db'];

/**
 * The CT log's own tables, in the engine's SQLite file (the embedded default):
 * - ct_leaf_hashes: Merkle leaf hash → index, for get-proof-by-hash;
 * - ct_entries: per index, the precertificate (if any) and the chain as a list of
 *   certificate hashes, for get-entries' extra_data;
 * - ct_certs: chain certificates by SHA-256, stored once (every entry of our CA shares
 *   the same intermediate and root).
 * addEntry runs inside the engine's IMMEDIATE batch transaction (onSequenced).
 */
export class SqliteCtStore implements CtStore {
  readonly #insertHash;
  readonly #insertCert;
  readonly #insertEntry;
  readonly #indexOf;
  readonly #entry;
  readonly #cert;

  constructor(db: Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ct_leaf_hashes (hash BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ct_certs (hash BLOB PRIMARY KEY, der BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ct_entries (idx INTEGER PRIMARY KEY, precert BLOB, chain BLOB NOT NULL);
    `);
    this.#insertHash = db.prepare('INSERT OR IGNORE INTO ct_leaf_hashes (hash, idx) VALUES (?, ?)');
    this.#insertCert = db.prepare('INSERT OR IGNORE INTO ct_certs (hash, der) VALUES (?, ?)');
    this.#insertEntry = db.prepare('INSERT INTO ct_entries (idx, precert, chain) VALUES (?, ?, ?)');
    this.#indexOf = db.prepare('SELECT idx FROM ct_leaf_hashes WHERE hash = ?').pluck();
    this.#entry = db.prepare('SELECT precert, chain FROM ct_entries WHERE idx = ?');
    this.#cert = db.prepare('SELECT der FROM ct_certs WHERE hash = ?').pluck();
  }

  addEntry(index: number, leafHash: Buffer, extra: CtLeafExtra): void {
    this.#insertHash.run(leafHash, index);
    const hashes: Buffer[] = [];
    for (const der of extra.chain) {
      const h = sha256(der);
      this.#insertCert.run(h, der);
      hashes.push(h);
    }
    this.#insertEntry.run(index, extra.precert ?? null, Buffer.concat(hashes));
  }

  indexOf(leafHash: Buffer): number | undefined {
    const v = this.#indexOf.get(leafHash) as number | bigint | undefined;
    return v === undefined ? undefined : Number(v);
  }

  extra(index: number): CtLeafExtra | undefined {
    const row = this.#entry.get(index) as { precert: Buffer | null; chain: Buffer } | undefined;
    if (!row) return undefined;
    const chain: Buffer[] = [];
    for (let off = 0; off < row.chain.length; off += 32) {
      const der = this.#cert.get(row.chain.subarray(off, off + 32)) as Buffer | undefined;
      if (!der) return undefined;
      chain.push(der);
    }
    return row.precert ? { precert: row.precert, chain } : { chain };
  }
}

/** Opens (creating the file and tables if needed) a CT log's SQLite storage at `path`. */
export function openSqliteCtStorage(path: string): CtStorage {
  const log = SqliteStore.open(path);
  try {
    return { log, ct: new SqliteCtStore(log.db) };
  } catch (cause) {
    log.close();
    throw cause;
  }
}
