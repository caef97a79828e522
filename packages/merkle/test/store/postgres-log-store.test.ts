import t from 'tap';
import pg from 'pg';
import { startPostgres, type PostgresCluster } from '../../../../test/lib/postgres.js';
import type { Teardown } from '../../../../test/lib/temp-dir.js';
import { PostgresLogStore } from '../../src/store/postgres/postgres-log-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { BatchCommit, StoredState } from '../../src/store/store.js';
import { appendRange, createTestLog, rejectsWithCode } from '../helpers/test-log.js';

// The PostgreSQL write side (docs/postgres-design.md §3) against a real server: the
// engine's own batches replay into it bit for bit; the compare-and-swap, the lease
// epoch fencing and the personality rows behave as the design says.

/** Real batches: a 700-entry log (two full leaf tiles, partial tiles rewritten) sequenced by the engine over a MemoryStore. */
async function engineBatches(t: Teardown): Promise<{ initial: StoredState; batches: BatchCommit[]; memory: MemoryStore }> {
  const memory = new MemoryStore();
  const batches: BatchCommit[] = [];
  memory.onCommit = (b) => batches.push(b);
  const { log } = await createTestLog({ store: memory, maxBatchSize: 128 });
  const initial = memory.loadState()!;
  await appendRange(log, 0, 700);
  // Closing the log closes the store: the test reads it first.
  t.teardown(() => log.close());
  return { initial, batches, memory };
}

async function openStore(cluster: PostgresCluster, schema = 'log'): Promise<PostgresLogStore> {
  const pool = cluster.adopt(new pg.Pool({ ...cluster.clientConfig, max: 6 }));
  return PostgresLogStore.open(pool, schema);
}

const count = (c: PostgresCluster, table: string) => Number(c.psql(`SELECT count(*) FROM log.${table}`).trim());

t.test('the engine’s batches commit in order and read back identical (tiles with inner nodes, entries, identities, checkpoint)', async (t) => {
  const { initial, batches, memory } = await engineBatches(t);
  t.ok(batches.length >= 6, `${batches.length} batches`);
  const cluster = await startPostgres(t);
  const store = await openStore(cluster);
  t.equal(await store.loadState(), undefined, 'an empty schema holds no log');
  await store.initialize(initial.meta, initial.checkpoint);
  await rejectsWithCode(t, store.initialize(initial.meta, initial.checkpoint), 'LOG_EXISTS');
  const epoch = (await store.acquireSequencer('node-a', 30_000))!;
  t.equal(epoch, 1);
  for (const b of batches) await store.commitBatch(b, epoch);

  t.same(await store.loadState(), memory.loadState());
  let tiles = 0;
  for (const { level, index } of memory.iterateTiles()) {
    const want = memory.readTileNodes(level, index)!;
    const got = (await store.readTileNodes(level, index))!;
    t.ok(got.data.equals(want.data), `tile ${level}/${index}`);
    t.equal(got.inner?.toString('hex'), want.inner?.toString('hex'), `inner nodes of ${level}/${index}`);
    tiles++;
  }
  t.ok(tiles >= 4);
  t.ok(count(cluster, 'merkle_tiles') === tiles);
  for (const i of [0, 255, 256, 699]) t.same(await store.readEntry(i), memory.readEntry(i), `entry ${i}`);
  t.equal(await store.readEntry(700), undefined);
  const hashes = batches.flatMap((b) => b.entries.map((e) => e.identityHash));
  const found = await store.lookupIdentities([...hashes.slice(0, 3), Buffer.alloc(32)]);
  t.same([...found.values()], [0, 1, 2], 'found by identity hash; an unknown hash is absent');
});

t.test('compare-and-swap and fencing: a stale size or a deposed sequencer writes nothing', async (t) => {
  const { initial, batches } = await engineBatches(t);
  const cluster = await startPostgres(t);
  const store = await openStore(cluster);
  await store.initialize(initial.meta, initial.checkpoint);
  const a = (await store.acquireSequencer('node-a', 60_000))!;
  t.equal(await store.acquireSequencer('node-b', 60_000), undefined, 'the lease is held');
  t.equal(await store.acquireSequencer('node-a', 60_000), a, 'a renewal keeps the epoch');
  await store.commitBatch(batches[0]!, a);

  // Replaying batch 0 (stale previousSize) or skipping to batch 2 is refused.
  await rejectsWithCode(t, store.commitBatch(batches[0]!, a), 'CHECKPOINT_CONFLICT');
  await rejectsWithCode(t, store.commitBatch(batches[2]!, a), 'CHECKPOINT_CONFLICT');
  t.equal(count(cluster, 'merkle_entries'), batches[0]!.entries.length, 'nothing written by the refused batches');

  // The lease expires, node-b takes over with a new epoch: node-a's next batch is fenced off.
  cluster.psql("UPDATE log.merkle_sequencer SET expires_at = now() - interval '1 second'");
  const b = (await store.acquireSequencer('node-b', 60_000))!;
  t.equal(b, a + 1);
  await rejectsWithCode(t, store.commitBatch(batches[1]!, a), 'CHECKPOINT_CONFLICT');
  t.equal(count(cluster, 'merkle_entries'), batches[0]!.entries.length);
  await store.commitBatch(batches[1]!, b);
  t.equal(Number(cluster.psql('SELECT epoch FROM log.merkle_checkpoint').trim()), b, 'the checkpoint records its writer');

  // Two writers racing with the same epoch and size: exactly one wins.
  const race = await Promise.allSettled([store.commitBatch(batches[2]!, b), store.commitBatch(batches[2]!, b)]);
  t.same(race.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  t.match((race.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason, { code: /CHECKPOINT_CONFLICT|STORE_FAILED/ });
  t.equal((await store.loadState())!.checkpoint.size, batches[2]!.checkpoint.size);

  // Hostile input: entries not at consecutive indices, a checkpoint that does not match.
  const next = batches[3]!;
  await rejectsWithCode(t, store.commitBatch({ ...next, entries: next.entries.slice(1) }, b), 'STORE_FAILED');
  await rejectsWithCode(t, store.commitBatch({ ...next, checkpoint: { ...next.checkpoint, size: next.checkpoint.size + 1 } }, b), 'STORE_FAILED');
  await rejectsWithCode(t, store.acquireSequencer('node-c', -1), 'STORE_FAILED');
  t.equal((await store.loadState())!.checkpoint.size, batches[2]!.checkpoint.size);
});

t.test('personality rows commit with the batch, or not at all', async (t) => {
  const { initial, batches } = await engineBatches(t);
  const cluster = await startPostgres(t);
  const store = await openStore(cluster);
  cluster.psql('CREATE TABLE log.rekor_sets (idx bigint PRIMARY KEY, sig bytea NOT NULL)');
  await store.initialize(initial.meta, initial.checkpoint);
  const epoch = (await store.acquireSequencer('node-a', 60_000))!;
  const writeSets = (b: BatchCommit) => async (tx: pg.PoolClient) => {
    for (const e of b.entries) await tx.query('INSERT INTO rekor_sets (idx, sig) VALUES ($1, $2)', [e.index, Buffer.from('set')]);
  };
  await store.commitBatch(batches[0]!, epoch, writeSets(batches[0]!));
  t.equal(count(cluster, 'rekor_sets'), batches[0]!.entries.length);

  // The personality fails half-way: the batch's leaves, tiles and checkpoint roll back with its rows.
  const tilesBefore = cluster.psql('SELECT md5(string_agg(data::text, \',\' ORDER BY level, idx)) FROM log.merkle_tiles');
  await rejectsWithCode(
    t,
    store.commitBatch(batches[1]!, epoch, async (tx) => {
      await writeSets(batches[1]!)(tx);
      throw new Error('index write failed');
    }),
    'STORE_FAILED',
  );
  t.equal(count(cluster, 'rekor_sets'), batches[0]!.entries.length);
  t.equal(count(cluster, 'merkle_entries'), batches[0]!.entries.length);
  t.equal(cluster.psql('SELECT md5(string_agg(data::text, \',\' ORDER BY level, idx)) FROM log.merkle_tiles'), tilesBefore, 'partial tiles untouched');
  t.equal((await store.loadState())!.checkpoint.size, batches[0]!.checkpoint.size);
  // The store keeps serving: the same batch commits on retry.
  await store.commitBatch(batches[1]!, epoch, writeSets(batches[1]!));
  t.equal(count(cluster, 'rekor_sets'), batches[1]!.checkpoint.size);
});
