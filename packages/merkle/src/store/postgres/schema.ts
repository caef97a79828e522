import type { ClientBase } from 'pg';
import { LogError } from '../../errors.js';

/**
 * The PostgreSQL layout of a log (docs/postgres-design.md §5): one PostgreSQL schema
 * per log, holding the engine's tables under the same names as the SQLite layout
 * (sqlite/schema.ts), plus what many front ends and one elected sequencer need:
 * - merkle_checkpoint.epoch: the lease epoch of the sequencer that wrote it (fencing);
 * - merkle_sequencer: the lease row (holder, epoch, expiry);
 * - merkle_pending: entries submitted by front ends, deleted by the batch that commits them.
 * Personalities migrate their own tables (rekor_*, ct_*) into the same schema.
 *
 * Each migration is applied once, in order, and recorded in schema_migrations.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE merkle_meta (
    name  text PRIMARY KEY,
    value text NOT NULL
  );
  CREATE TABLE merkle_entries (
    idx  bigint PRIMARY KEY,
    ts   bigint NOT NULL,
    leaf bytea  NOT NULL
  );
  CREATE TABLE merkle_identities (
    hash bytea  PRIMARY KEY,
    idx  bigint NOT NULL
  );
  CREATE TABLE merkle_tiles (
    level smallint NOT NULL,
    idx   bigint   NOT NULL,
    data  bytea    NOT NULL,
    nodes bytea,  -- TileWrite.inner (INNER is reserved in PostgreSQL)
    PRIMARY KEY (level, idx)
  );
  CREATE TABLE merkle_checkpoint (
    id    smallint PRIMARY KEY CHECK (id = 0),
    size  bigint NOT NULL,
    root  bytea  NOT NULL,
    note  text   NOT NULL,
    ts    bigint NOT NULL,
    epoch bigint NOT NULL
  );
  CREATE TABLE merkle_sequencer (
    id         smallint PRIMARY KEY CHECK (id = 0),
    holder     text,
    epoch      bigint NOT NULL DEFAULT 0,
    expires_at timestamptz
  );
  INSERT INTO merkle_sequencer (id) VALUES (0);
  CREATE TABLE merkle_pending (
    id            bigserial PRIMARY KEY,
    identity_hash bytea NOT NULL,
    identity      bytea NOT NULL,
    extra         bytea,
    submitted_at  timestamptz NOT NULL DEFAULT now()
  );
  `,
];

/** A PostgreSQL schema name we create and quote ourselves: lower-case identifier characters only. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates the log's schema if needed and applies the migrations it has not seen, in
 * one transaction: a crash or error leaves the previous version intact. Two nodes
 * starting together serialise on a transaction-scoped advisory lock, so each
 * migration runs exactly once. Returns the schema version now in place.
 */
export async function migratePostgresSchema(client: ClientBase, schema: string): Promise<number> {
  if (!SCHEMA_NAME.test(schema)) throw new LogError('STORE_FAILED', `invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sigstack-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = r.rows[0]?.v ?? 0;
    if (current > POSTGRES_MIGRATIONS.length)
      throw new LogError('STORE_FAILED', `schema ${schema} is at version ${current}, newer than this engine's ${POSTGRES_MIGRATIONS.length}`);
    for (let v = current + 1; v <= POSTGRES_MIGRATIONS.length; v++) {
      await client.query(POSTGRES_MIGRATIONS[v - 1]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v]);
    }
    await client.query('COMMIT');
    return POSTGRES_MIGRATIONS.length;
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => {});
    if (cause instanceof LogError) throw cause;
    throw new LogError('STORE_FAILED', `cannot migrate PostgreSQL schema ${schema}: ${(cause as Error).message}`, { cause });
  }
}
