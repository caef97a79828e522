import t from 'tap';
import pg from 'pg';
import { startPostgres } from '../../../../test/lib/postgres.js';
import { migratePostgresSchema, POSTGRES_MIGRATIONS } from '../../src/store/postgres/schema.js';
import { LogError } from '../../src/errors.js';

// The PostgreSQL test infrastructure (scripts/install-postgres.sh, test/lib/postgres.ts)
// and the log's schema (docs/postgres-design.md §5) against a real server.

t.test('a throwaway cluster starts, the log schema migrates once, and two nodes migrating together do not race', async (t) => {
  const cluster = await startPostgres(t);
  t.match(cluster.psql('SELECT version()'), /PostgreSQL 15\./);

  const pool = cluster.adopt(new pg.Pool({ ...cluster.clientConfig, max: 4 }));
  // Two "nodes" start at once: the advisory lock serialises them, the second sees version 1 and applies nothing.
  const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
  try {
    const versions = await Promise.all([migratePostgresSchema(a, 'rekor'), migratePostgresSchema(b, 'rekor')]);
    t.same(versions, [POSTGRES_MIGRATIONS.length, POSTGRES_MIGRATIONS.length]);
  } finally {
    a.release();
    b.release();
  }
  t.equal(cluster.psql('SELECT count(*) FROM rekor.schema_migrations').trim(), String(POSTGRES_MIGRATIONS.length));
  const tables = cluster.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'rekor' ORDER BY 1").trim().split('\n');
  t.same(tables, [
    'merkle_checkpoint',
    'merkle_entries',
    'merkle_identities',
    'merkle_meta',
    'merkle_pending',
    'merkle_sequencer',
    'merkle_tiles',
    'schema_migrations',
  ]);
  t.equal(cluster.psql('SELECT epoch FROM rekor.merkle_sequencer WHERE id = 0').trim(), '0', 'the lease row starts at epoch 0');

  // A second log is a second schema in the same database; reopening is a no-op.
  const c = await pool.connect();
  try {
    t.equal(await migratePostgresSchema(c, 'ctlog'), POSTGRES_MIGRATIONS.length);
    t.equal(await migratePostgresSchema(c, 'ctlog'), POSTGRES_MIGRATIONS.length);
  } finally {
    c.release();
  }
  t.equal(cluster.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'ctlog'").trim(), '8');
});

t.test('refuses a hostile schema name and a schema newer than the engine, writing nothing', async (t) => {
  const cluster = await startPostgres(t);
  const client = cluster.adopt(new pg.Client(cluster.clientConfig));
  await client.connect();
  for (const bad of ['x; DROP TABLE y', 'Rekor', '', '1abc', 'a'.repeat(64)])
    await t.rejects(migratePostgresSchema(client, bad), { code: 'STORE_FAILED', message: /invalid PostgreSQL schema name/ }, JSON.stringify(bad));
  t.equal(cluster.psql("SELECT count(*) FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname NOT IN ('public', 'information_schema')").trim(), '0');

  await migratePostgresSchema(client, 'log');
  cluster.psql(`INSERT INTO log.schema_migrations (version) VALUES (${POSTGRES_MIGRATIONS.length + 1})`);
  const err = await migratePostgresSchema(client, 'log').catch((e: unknown) => e);
  t.ok(err instanceof LogError);
  t.match(err, { code: 'STORE_FAILED', message: /newer than this engine/ });
  // The failed attempt rolled back: the connection is usable and nothing changed.
  t.equal((await client.query('SELECT count(*)::int AS n FROM log.schema_migrations')).rows[0].n, POSTGRES_MIGRATIONS.length + 1);
});
