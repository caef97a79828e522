import type { Pool, PoolClient } from 'pg';
import { LogError } from '../../errors.js';
import type { BatchCommit, LogMeta, StoredCheckpoint, StoredEntry, StoredState, StoredTile } from '../store.js';
import { migratePostgresSchema } from './schema.js';

/**
 * The PostgreSQL log store, write side (docs/postgres-design.md §3): asynchronous,
 * for many front ends and one elected sequencer. Not yet behind the engine (which
 * drives the synchronous LogStore); `sigstack up` does not use it.
 *
 * Every method runs against the log's own PostgreSQL schema (`search_path` is set per
 * transaction, so one pool serves several logs). Durability: COMMIT returns after the
 * WAL is flushed (the server's `synchronous_commit`, on by default); a batch is then
 * durable and visible to every later transaction. A crash before COMMIT rolls the whole
 * batch back, personality rows included.
 */
export class PostgresLogStore {
  readonly #pool: Pool;
  readonly schema: string;

  private constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.schema = schema;
  }

  /** Opens the log in PostgreSQL schema `schema`, creating or migrating its tables first. */
  static async open(pool: Pool, schema: string): Promise<PostgresLogStore> {
    const client = await connect(pool);
    try {
      await migratePostgresSchema(client, schema);
    } finally {
      client.release();
    }
    return new PostgresLogStore(pool, schema);
  }

  /** The last committed state, or undefined when the schema holds no log yet. */
  async loadState(): Promise<StoredState | undefined> {
    return this.#read('load the log state', async (c) => {
      const cp = await c.query<{ size: string; root: Buffer; note: string; ts: string }>('SELECT size, root, note, ts FROM merkle_checkpoint WHERE id = 0');
      const row = cp.rows[0];
      if (!row) return undefined;
      const meta = new Map((await c.query<{ name: string; value: string }>('SELECT name, value FROM merkle_meta')).rows.map((r) => [r.name, r.value]));
      const origin = meta.get('origin');
      const tileHeight = Number(meta.get('tile_height'));
      const version = Number(meta.get('version'));
      if (origin === undefined || !Number.isInteger(tileHeight) || !Number.isInteger(version))
        throw new LogError('LOG_CORRUPT', `log metadata in schema ${this.schema} is incomplete`);
      return { meta: { origin, tileHeight, version }, checkpoint: { size: toIndex(row.size), rootHash: row.root, note: row.note, timestampMs: toIndex(row.ts) } };
    });
  }

  /** Creates the log (metadata + the empty tree's checkpoint, epoch 0). Throws LOG_EXISTS if there is one. */
  async initialize(meta: LogMeta, checkpoint: StoredCheckpoint): Promise<void> {
    await this.#transaction('initialize the log', async (c) => {
      // The primary key on merkle_checkpoint makes a concurrent second initialize fail too.
      if ((await c.query('SELECT 1 FROM merkle_checkpoint WHERE id = 0')).rowCount) throw new LogError('LOG_EXISTS', `schema ${this.schema} already holds a log`);
      await c.query('INSERT INTO merkle_meta (name, value) VALUES ($1, $2), ($3, $4), ($5, $6)', [
        'origin', meta.origin, 'tile_height', String(meta.tileHeight), 'version', String(meta.version),
      ]);
      await c.query('INSERT INTO merkle_checkpoint (id, size, root, note, ts, epoch) VALUES (0, $1, $2, $3, $4, 0)', [
        checkpoint.size, checkpoint.rootHash, checkpoint.note, checkpoint.timestampMs,
      ]);
    });
  }

  /**
   * Takes (or renews) the sequencer lease for `holder` for `ttlMs`. Returns the lease
   * epoch, the fencing token every commitBatch must carry, or undefined while another
   * holder's lease is still valid. A taken-over lease gets a new epoch; a renewal keeps
   * the holder's. The caller stops sequencing the moment a renewal returns undefined.
   */
  async acquireSequencer(holder: string, ttlMs: number): Promise<number | undefined> {
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new LogError('STORE_FAILED', `invalid lease ttl ${ttlMs}`);
    return this.#transaction('acquire the sequencer lease', async (c) => {
      const r = await c.query<{ epoch: string }>(
        `UPDATE merkle_sequencer
            SET epoch = CASE WHEN holder = $1 AND expires_at >= now() THEN epoch ELSE epoch + 1 END,
                holder = $1,
                expires_at = now() + make_interval(secs => $2::double precision / 1000)
          WHERE id = 0 AND (holder IS NULL OR holder = $1 OR expires_at < now())
          RETURNING epoch`,
        [holder, ttlMs],
      );
      return r.rows[0] ? toIndex(r.rows[0].epoch) : undefined;
    });
  }

  /**
   * Atomically appends a batch, as LogStore.commitBatch (same checks, same CAS on the
   * previous size) plus fencing: the transaction share-locks the lease row and refuses
   * (CHECKPOINT_CONFLICT, nothing written) unless its epoch is still `epoch`. A new
   * sequencer's lease UPDATE therefore waits until an in-flight batch of the old one has
   * committed or rolled back, and the state it loads afterwards includes that batch.
   * `inTransaction` writes personality rows on the same connection, in the same
   * transaction; if it throws, nothing is written.
   */
  async commitBatch(batch: BatchCommit, epoch: number, inTransaction?: (tx: PoolClient) => Promise<void>): Promise<void> {
    let next = batch.previousSize;
    for (const e of batch.entries) {
      if (e.index !== next) throw new LogError('STORE_FAILED', `batch entry ${e.index} is not at the next index ${next}`);
      next++;
    }
    if (batch.checkpoint.size !== next) throw new LogError('STORE_FAILED', `checkpoint size ${batch.checkpoint.size} does not match ${next} entries`);
    await this.#transaction('commit the batch', async (c) => {
      const lease = await c.query<{ epoch: string }>('SELECT epoch FROM merkle_sequencer WHERE id = 0 FOR SHARE');
      const current = lease.rows[0] ? toIndex(lease.rows[0].epoch) : undefined;
      if (current !== epoch)
        throw new LogError('CHECKPOINT_CONFLICT', `the sequencer lease is at epoch ${current ?? 'none'}, this sequencer holds ${epoch}: deposed`);
      // The compare-and-swap: the row lock serialises every batch writer on this row.
      const cp = batch.checkpoint;
      const swapped = await c.query('UPDATE merkle_checkpoint SET size = $1, root = $2, note = $3, ts = $4, epoch = $5 WHERE id = 0 AND size = $6', [
        cp.size, cp.rootHash, cp.note, cp.timestampMs, epoch, batch.previousSize,
      ]);
      if (swapped.rowCount !== 1) {
        const stored = (await c.query<{ size: string }>('SELECT size FROM merkle_checkpoint WHERE id = 0')).rows[0];
        throw new LogError('CHECKPOINT_CONFLICT', `stored checkpoint has size ${stored?.size ?? 'none'}, the sequencer expected ${batch.previousSize}: another writer?`);
      }
      if (batch.entries.length > 0) {
        const idx = batch.entries.map((e) => e.index);
        await c.query('INSERT INTO merkle_entries (idx, ts, leaf) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])', [
          idx, batch.entries.map((e) => e.timestampMs), batch.entries.map((e) => asBuffer(e.leaf)),
        ]);
        await c.query('INSERT INTO merkle_identities (hash, idx) SELECT * FROM unnest($1::bytea[], $2::bigint[])', [batch.entries.map((e) => e.identityHash), idx]);
      }
      if (batch.tiles.length > 0)
        await c.query(
          `INSERT INTO merkle_tiles (level, idx, data, nodes) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[], $4::bytea[])
           ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data, nodes = excluded.nodes`,
          [batch.tiles.map((t) => t.level), batch.tiles.map((t) => t.index), batch.tiles.map((t) => t.data), batch.tiles.map((t) => t.inner ?? null)],
        );
      await inTransaction?.(c);
    });
  }

  /** The stored tile with its inner nodes (full tiles), or undefined. */
  async readTileNodes(level: number, index: number): Promise<StoredTile | undefined> {
    return this.#read(`read tile ${level}/${index}`, async (c) => {
      const r = (await c.query<{ data: Buffer; nodes: Buffer | null }>('SELECT data, nodes FROM merkle_tiles WHERE level = $1 AND idx = $2', [level, index])).rows[0];
      return r && { data: r.data, inner: r.nodes ?? undefined };
    });
  }

  /** The entry at `index`, or undefined. */
  async readEntry(index: number): Promise<StoredEntry | undefined> {
    return this.#read(`read entry ${index}`, async (c) => {
      const r = (await c.query<{ leaf: Buffer; ts: string }>('SELECT leaf, ts FROM merkle_entries WHERE idx = $1', [index])).rows[0];
      return r && { leaf: r.leaf, timestampMs: toIndex(r.ts) };
    });
  }

  /** The recorded index of each identity hash that is in the log (one query for a whole batch's dedupe). */
  async lookupIdentities(hashes: readonly Buffer[]): Promise<Map<string, number>> {
    return this.#read('look up identities', async (c) => {
      const r = await c.query<{ hash: Buffer; idx: string }>('SELECT hash, idx FROM merkle_identities WHERE hash = ANY($1::bytea[])', [hashes]);
      return new Map(r.rows.map((row) => [row.hash.toString('hex'), toIndex(row.idx)]));
    });
  }

  async #read<T>(what: string, f: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await connect(this.#pool);
    try {
      await c.query(`SET search_path TO ${this.schema}`);
      return await f(c);
    } catch (cause) {
      throw wrap(cause, `cannot ${what} in schema ${this.schema}`);
    } finally {
      c.release();
    }
  }

  async #transaction<T>(what: string, f: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await connect(this.#pool);
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL search_path TO ${this.schema}`);
      const result = await f(c);
      await c.query('COMMIT');
      return result;
    } catch (cause) {
      // A failed ROLLBACK means the connection is gone, and with it the transaction.
      await c.query('ROLLBACK').catch(() => {});
      throw wrap(cause, `cannot ${what} in schema ${this.schema}`);
    } finally {
      c.release();
    }
  }
}

async function connect(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (cause) {
    throw wrap(cause, 'cannot connect to PostgreSQL');
  }
}

function wrap(cause: unknown, message: string): LogError {
  if (cause instanceof LogError) return cause;
  return new LogError('STORE_FAILED', `${message}: ${(cause as Error).message}`, { cause });
}

/** `pg` returns bigint columns as strings: the engine's indices and timestamps stay below 2^53. */
function toIndex(v: string | number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new LogError('LOG_CORRUPT', `stored value ${v} is not a safe integer`);
  return n;
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
