import { closeSync, fsync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { LogError } from '../../errors.js';
import type {
  BatchCommit,
  IndexedEntry,
  LogMeta,
  LogStore,
  StoreStats,
  StoredCheckpoint,
  StoredEntry,
  StoredState,
  StoredTile,
} from '../store.js';
import { SCHEMA_SQL } from './schema.js';

export interface SqliteStoreOptions {
  /** Open without write access (fsck, monitors). The schema must already exist. */
  readonly?: boolean;
  /** SQLite page cache in KiB (default 32 MiB). Bounded: memory does not grow with the log. */
  cacheKiB?: number;
}

type Row<T> = T | undefined;

/**
 * The embedded LogStore: one SQLite file in WAL mode, one write transaction per batch,
 * and one fsync of the WAL per batch (group commit), done by sync() in the thread
 * pool so that the event loop is never blocked on the disk.
 *
 * `db` is public so that a personality keeps its own tables in the same file and
 * writes them from `onSequenced`, inside the batch transaction.
 */
export class SqliteStore implements LogStore {
  readonly db: Database.Database;
  readonly path: string;
  readonly #stmt: ReturnType<typeof prepareReads>;
  readonly #writes: ReturnType<typeof prepareWrites> | undefined;
  readonly #commit: Database.Transaction<(batch: BatchCommit, inTransaction?: () => void) => void>;

  #walFd: number | undefined;

  private constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
    this.#stmt = prepareReads(db);
    this.#writes = db.readonly ? undefined : prepareWrites(db);
    this.#commit = db.transaction((batch: BatchCommit, inTransaction?: () => void) => this.#write(batch, inTransaction));
  }

  /** Opens (creating the file and schema if needed) the SQLite store at `path`. */
  static open(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
      db.pragma('busy_timeout = 5000');
      if (!opts.readonly) {
        // WAL: readers never block the writer, and a commit is one sequential append.
        db.pragma('journal_mode = WAL');
        // NORMAL: COMMIT writes the WAL frames but does not fsync them; sync() fsyncs
        // the WAL in libuv's thread pool before the batch is published or answered.
        // Same guarantee as FULL (nothing acknowledged can be lost to power loss), but
        // the event loop keeps parsing and verifying the next batch during the fsync.
        // (Checkpoints of the WAL into the database file still fsync inline.)
        db.pragma('synchronous = NORMAL');
        db.exec(SCHEMA_SQL);
      }
      db.pragma(`cache_size = -${Math.max(1024, Math.floor(opts.cacheKiB ?? 32768))}`);
    } catch (cause) {
      throw new LogError('STORE_FAILED', `cannot open SQLite log store ${path}: ${(cause as Error).message}`, { cause });
    }
    return new SqliteStore(db, path);
  }

  loadState(): StoredState | undefined {
    const cp = this.#stmt.checkpoint.get() as Row<{ size: number; root: Buffer; note: string; ts: number }>;
    if (!cp) return undefined;
    const meta = new Map((this.#stmt.meta.all() as { name: string; value: string }[]).map((r) => [r.name, r.value]));
    const origin = meta.get('origin');
    const tileHeight = Number(meta.get('tile_height'));
    const version = Number(meta.get('version'));
    if (origin === undefined || !Number.isInteger(tileHeight) || !Number.isInteger(version))
      throw new LogError('LOG_CORRUPT', `log metadata in ${this.path} is incomplete`);
    return {
      meta: { origin, tileHeight, version },
      checkpoint: { size: cp.size, rootHash: cp.root, note: cp.note, timestampMs: cp.ts },
    };
  }

  initialize(meta: LogMeta, checkpoint: StoredCheckpoint): void {
    const w = this.#writable();
    this.db
      .transaction(() => {
        if (this.#stmt.checkpointSize.get() !== undefined) throw new LogError('LOG_EXISTS', `${this.path} already holds a log`);
        w.insertMeta.run('origin', meta.origin);
        w.insertMeta.run('tile_height', String(meta.tileHeight));
        w.insertMeta.run('version', String(meta.version));
        w.insertCheckpoint.run(checkpoint.size, checkpoint.rootHash, checkpoint.note, checkpoint.timestampMs);
      })
      .immediate();
  }

  commitBatch(batch: BatchCommit, inTransaction?: () => void): void {
    // IMMEDIATE takes the write lock up front, so the compare-and-swap below and the
    // writes are one atomic step. Crash before COMMIT: the WAL has no commit record
    // for this transaction and SQLite discards it on the next open; the log is at
    // the previous checkpoint and no waiter was answered. Crash after COMMIT returned:
    // the batch survives a process crash; it survives power loss once sync() resolved.
    this.#commit.immediate(batch, inTransaction);
  }

  /** fsync(2) of the WAL file in the thread pool: every earlier COMMIT becomes durable. */
  async sync(): Promise<void> {
    this.#walFd ??= openSync(this.path + '-wal', 'r');
    const fd = this.#walFd;
    await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  #write(batch: BatchCommit, inTransaction?: () => void): void {
    const w = this.#writable();
    const stored = this.#stmt.checkpointSize.get() as Row<number>;
    if (stored !== batch.previousSize)
      throw new LogError(
        'CHECKPOINT_CONFLICT',
        `stored checkpoint has size ${stored ?? 'none'}, the sequencer expected ${batch.previousSize}: another writer?`,
      );
    let next = batch.previousSize;
    for (const e of batch.entries) {
      if (e.index !== next) throw new LogError('STORE_FAILED', `batch entry ${e.index} is not at the next index ${next}`);
      next++;
      w.insertEntry.run(e.index, e.timestampMs, asBuffer(e.leaf));
      w.insertIdentity.run(e.identityHash, e.index);
    }
    if (batch.checkpoint.size !== next)
      throw new LogError('STORE_FAILED', `checkpoint size ${batch.checkpoint.size} does not match ${next} entries`);
    for (const t of batch.tiles) w.upsertTile.run(t.level, t.index, t.data, t.inner ?? null);
    const cp = batch.checkpoint;
    w.updateCheckpoint.run(cp.size, cp.rootHash, cp.note, cp.timestampMs);
    inTransaction?.();
  }

  readTile(level: number, index: number): Buffer | undefined {
    return this.#stmt.tile.get(level, index) as Row<Buffer>;
  }

  readTileNodes(level: number, index: number): StoredTile | undefined {
    const r = this.#stmt.tileNodes.get(level, index) as Row<{ data: Buffer; inner: Buffer | null }>;
    return r && { data: r.data, inner: r.inner ?? undefined };
  }

  readEntry(index: number): StoredEntry | undefined {
    const r = this.#stmt.entry.get(index) as Row<{ leaf: Buffer; ts: number }>;
    return r && { leaf: r.leaf, timestampMs: r.ts };
  }

  *iterateEntries(start: number, end: number): IterableIterator<IndexedEntry> {
    for (const r of this.#stmt.entries.iterate(start, end) as IterableIterator<{ idx: number; leaf: Buffer; ts: number }>)
      yield { index: r.idx, leaf: r.leaf, timestampMs: r.ts };
  }

  lookupIdentity(identityHash: Buffer): number | undefined {
    return this.#stmt.identity.get(identityHash) as Row<number>;
  }

  stats(): StoreStats {
    return this.#stmt.counts.get() as StoreStats;
  }

  *iterateTiles(): IterableIterator<{ level: number; index: number; width: number }> {
    for (const r of this.#stmt.tiles.iterate() as IterableIterator<{ level: number; idx: number; bytes: number }>)
      yield { level: r.level, index: r.idx, width: r.bytes / 32 };
  }

  close(): void {
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
    if (this.db.open) this.db.close();
  }

  #writable(): ReturnType<typeof prepareWrites> {
    if (!this.#writes) throw new LogError('STORE_FAILED', `${this.path} is open read-only`);
    return this.#writes;
  }
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

function prepareReads(db: Database.Database) {
  return {
    meta: db.prepare('SELECT name, value FROM merkle_meta'),
    checkpoint: db.prepare('SELECT size, root, note, ts FROM merkle_checkpoint WHERE id = 0'),
    checkpointSize: db.prepare('SELECT size FROM merkle_checkpoint WHERE id = 0').pluck(),
    tile: db.prepare('SELECT data FROM merkle_tiles WHERE level = ? AND idx = ?').pluck(),
    tileNodes: db.prepare('SELECT data, inner FROM merkle_tiles WHERE level = ? AND idx = ?'),
    entry: db.prepare('SELECT leaf, ts FROM merkle_entries WHERE idx = ?'),
    entries: db.prepare('SELECT idx, leaf, ts FROM merkle_entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
    identity: db.prepare('SELECT idx FROM merkle_identities WHERE hash = ?').pluck(),
    tiles: db.prepare('SELECT level, idx, length(data) AS bytes FROM merkle_tiles ORDER BY level, idx'),
    counts: db.prepare(`SELECT
        (SELECT count(*) FROM merkle_entries) AS entries,
        (SELECT count(*) FROM merkle_identities) AS identities,
        (SELECT count(*) FROM merkle_tiles) AS tiles,
        (SELECT coalesce(max(idx), -1) FROM merkle_entries) AS maxEntryIndex`),
  };
}

function prepareWrites(db: Database.Database) {
  return {
    insertMeta: db.prepare('INSERT INTO merkle_meta (name, value) VALUES (?, ?)'),
    insertEntry: db.prepare('INSERT INTO merkle_entries (idx, ts, leaf) VALUES (?, ?, ?)'),
    insertIdentity: db.prepare('INSERT INTO merkle_identities (hash, idx) VALUES (?, ?)'),
    upsertTile: db.prepare(
      'INSERT INTO merkle_tiles (level, idx, data, inner) VALUES (?, ?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data, inner = excluded.inner',
    ),
    insertCheckpoint: db.prepare('INSERT INTO merkle_checkpoint (id, size, root, note, ts) VALUES (0, ?, ?, ?, ?)'),
    updateCheckpoint: db.prepare('UPDATE merkle_checkpoint SET size = ?, root = ?, note = ?, ts = ? WHERE id = 0'),
  };
}
