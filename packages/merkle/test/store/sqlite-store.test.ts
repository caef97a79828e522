import { join } from 'node:path';
import { createEphemeralSigner } from '@sigstack/core';
import t from 'tap';
import {
  createEcdsaNoteSigner,
  createLog,
  decodeEntryBundle,
  fsck,
  leafHash,
  openLog,
  SqliteStore,
  verifyConsistency,
  verifyInclusion,
} from '../../src/index.js';
import { appendRange, checkLog, createTestLog, KEY_NAME, ORIGIN, rejectsWithCode, testLeaf, testSigner } from '../helpers/test-log.js';
import { tempDir } from '../helpers/tmp.js';

t.test('WAL, synchronous=NORMAL, and the sequencer waits for sync() before answering', async (t) => {
  const store = SqliteStore.open(join(tempDir(t), 'log.db'));
  t.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(store.db.pragma('synchronous', { simple: true }), 1, 'NORMAL: the fsync is sync(), off the event loop');
  const events: string[] = [];
  const sync = store.sync.bind(store);
  store.sync = async () => {
    events.push('sync start');
    await sync();
    events.push('sync done');
  };
  const { log } = await createTestLog({ store });
  const added = log.add({ identity: Buffer.from('a'), leaf: Buffer.from('leaf a') }).then((r) => {
    events.push('answered');
    return r;
  });
  const r = await added;
  t.same(events.slice(-3), ['sync start', 'sync done', 'answered'], 'answered only after the WAL fsync');
  t.equal(log.checkpoint().size, r.index + 1);
  await log.close();
});

t.test('reopen gives the same checkpoint; proofs work across reopen', async (t) => {
  const path = join(tempDir(t), 'log.db');
  const a = await createTestLog({ store: SqliteStore.open(path) });
  await appendRange(a.log, 0, 1000);
  const cp1 = a.log.checkpoint();
  const proof = a.log.inclusionProof(123, cp1.size);
  await a.log.close();

  const b = await createTestLog({ store: SqliteStore.open(path), create: false });
  t.same(b.log.checkpoint(), cp1, 'same checkpoint, byte for byte');
  t.same(b.log.inclusionProof(123, cp1.size), proof, 'same proof');
  await appendRange(b.log, 1000, 1300);
  const cp2 = b.log.checkpoint();
  verifyConsistency(cp1.size, cp2.size, b.log.consistencyProof(cp1.size, cp2.size), cp1.rootHash, cp2.rootHash);
  verifyInclusion(leafHash(testLeaf(5)), 5, cp1.size, b.log.inclusionProof(5, cp1.size), cp1.rootHash);
  checkLog(t, b);
  await b.log.close();
});

t.test('createLog refuses an existing log, openLog a missing one; options must match the stored log', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'log.db');
  const noteSigner = createEcdsaNoteSigner(KEY_NAME, testSigner());
  await rejectsWithCode(t, openLog({ store: SqliteStore.open(path), origin: ORIGIN, noteSigner }), 'LOG_MISSING');
  const log = await createLog({ store: SqliteStore.open(path), origin: ORIGIN, noteSigner });
  t.equal(log.checkpoint().size, 0, 'an empty signed checkpoint');
  await log.close();
  await rejectsWithCode(t, createLog({ store: SqliteStore.open(path), origin: ORIGIN, noteSigner }), 'LOG_EXISTS');
  await rejectsWithCode(t, openLog({ store: SqliteStore.open(path), origin: 'rekor.test - 43', noteSigner }), 'INVALID_OPTIONS', 'origin');
  const other = createEcdsaNoteSigner(KEY_NAME, createEphemeralSigner('ecdsa-p256-sha256'));
  await rejectsWithCode(t, openLog({ store: SqliteStore.open(path), origin: ORIGIN, noteSigner: other }), 'INVALID_OPTIONS', 'key');
  await rejectsWithCode(t, openLog({ store: SqliteStore.open(path), origin: ORIGIN, noteSigner, maxBatchSize: 0 }), 'INVALID_OPTIONS', 'bad option');
  const again = await openLog({ store: SqliteStore.open(path), origin: ORIGIN, noteSigner, create: true });
  t.equal(again.checkpoint().size, 0, 'create: true opens an existing log');
  await again.close();
});

t.test('personality rows commit atomically with the leaves', async (t) => {
  const path = join(tempDir(t), 'log.db');
  const store = SqliteStore.open(path);
  store.db.exec('CREATE TABLE IF NOT EXISTS search (key TEXT NOT NULL, idx INTEGER NOT NULL)');
  const insert = store.db.prepare('INSERT INTO search (key, idx) VALUES (?, ?)');
  let fail = false;
  const tl = await createTestLog({
    store,
    onSequenced: (entries) => {
      for (const e of entries) insert.run(String(e.extra), e.index);
      if (fail) throw new Error('after writing some rows');
    },
  });
  await Promise.all(['a', 'b', 'c'].map((k) => tl.log.add({ identity: Buffer.from(k), leaf: Buffer.from(k), extra: k })));
  t.same(store.db.prepare('SELECT key, idx FROM search ORDER BY idx').all(), [
    { key: 'a', idx: 0 },
    { key: 'b', idx: 1 },
    { key: 'c', idx: 2 },
  ]);
  fail = true;
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.from('d'), leaf: Buffer.from('d'), extra: 'd' }), 'STORE_FAILED');
  t.equal((store.db.prepare('SELECT count(*) AS n FROM search').get() as { n: number }).n, 3, 'the index rows were rolled back');
  t.equal((store.db.prepare('SELECT count(*) AS n FROM merkle_entries').get() as { n: number }).n, 3, 'and so were the leaves');
  fail = false;
  t.equal((await tl.log.add({ identity: Buffer.from('d'), leaf: Buffer.from('d'), extra: 'd' })).index, 3);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('two sequencers on one file: the second gets CHECKPOINT_CONFLICT and stops', async (t) => {
  const path = join(tempDir(t), 'log.db');
  const a = await createTestLog({ store: SqliteStore.open(path) });
  const b = await createTestLog({ store: SqliteStore.open(path), create: false });
  await a.log.add({ identity: Buffer.from('a'), leaf: Buffer.from('a') });
  await rejectsWithCode(t, b.log.add({ identity: Buffer.from('b'), leaf: Buffer.from('b') }), 'CHECKPOINT_CONFLICT');
  t.equal(b.log.fatalError?.code, 'CHECKPOINT_CONFLICT');
  await rejectsWithCode(t, b.log.add({ identity: Buffer.from('c'), leaf: Buffer.from('c') }), 'CHECKPOINT_CONFLICT', 'stays stopped');
  await b.log.close();
  checkLog(t, a);
  await a.log.close();
});

t.test('tiles and entry bundles are served from the store and the right edge', async (t) => {
  const path = join(tempDir(t), 'log.db');
  const tl = await createTestLog({ store: SqliteStore.open(path), maxBatchSize: 64 });
  await appendRange(tl.log, 0, 600); // 2 full level-0 tiles + 88, level 1 has 2 hashes
  const { log } = tl;
  const t0 = log.readTile(0, 0);
  t.equal(t0.length, 8192);
  t.ok(t0.subarray(0, 32).equals(leafHash(testLeaf(0))));
  t.equal(log.readTile(0, 2, 88).length, 88 * 32);
  t.ok(log.readTile(0, 2, 50).equals(log.readTile(0, 2, 88).subarray(0, 50 * 32)), 'older partial widths are prefixes');
  t.ok(log.readTile(0, 1, 10).equals(log.readTile(0, 1).subarray(0, 320)), 'partial of a now-full tile');
  const l1 = log.readTile(1, 0, 2);
  t.ok(l1.subarray(0, 32).equals(log.rootAt(256)), 'level 1 holds 256-leaf subtree roots');
  for (const [level, index, width] of [
    [0, 2, undefined],
    [0, 2, 89],
    [0, 3, 1],
    [1, 0, undefined],
    [1, 0, 3],
    [2, 0, 1],
  ] as const)
    t.throws(() => log.readTile(level, index, width), { code: 'NOT_FOUND' }, `tile ${level}/${index}.p/${width}`);
  const bundle = decodeEntryBundle(log.readEntryBundle(2, 88));
  t.equal(bundle.length, 88);
  t.ok(bundle[0]!.equals(testLeaf(512)));
  t.equal(decodeEntryBundle(log.readEntryBundle(0)).length, 256);
  t.throws(() => log.readEntryBundle(2), { code: 'NOT_FOUND' });
  t.throws(() => log.readEntryBundle(2, 89), { code: 'NOT_FOUND' });
  await log.close();
});

t.test('fsck reads a closed log read-only and catches corruption', async (t) => {
  const path = join(tempDir(t), 'log.db');
  const tl = await createTestLog({ store: SqliteStore.open(path) });
  await appendRange(tl.log, 0, 700);
  await tl.log.close();
  const ro = SqliteStore.open(path, { readonly: true });
  const report = fsck(ro, { verifiers: [tl.verifier] });
  t.same(report.problems, []);
  t.equal(report.size, 700);
  ro.close();
  const rw = SqliteStore.open(path);
  rw.db.prepare('UPDATE merkle_entries SET leaf = ? WHERE idx = 300').run(Buffer.from('evil'));
  const bad = fsck(rw);
  t.notOk(bad.ok);
  t.match(bad.problems[0], /tile 0\/1 differs/);
  rw.db.prepare('UPDATE merkle_entries SET leaf = ? WHERE idx = 300').run(testLeaf(300));
  rw.db.prepare('INSERT INTO merkle_entries (idx, ts, leaf) VALUES (700, 0, ?)').run(Buffer.from('orphan'));
  t.match(fsck(rw).problems.join(), /701 entries stored/);
  rw.db.prepare('DELETE FROM merkle_entries WHERE idx = 700').run();
  const inner = rw.db.prepare('SELECT inner FROM merkle_tiles WHERE level = 0 AND idx = 1').pluck().get() as Buffer;
  t.equal(inner.length, 255 * 32, 'full tiles keep their inner nodes');
  const badInner = Buffer.from(inner);
  badInner[100]! ^= 1;
  rw.db.prepare('UPDATE merkle_tiles SET inner = ? WHERE level = 0 AND idx = 1').run(badInner);
  t.match(fsck(rw).problems.join(), /tile 0\/1 has wrong inner nodes/);
  rw.db.prepare('UPDATE merkle_tiles SET inner = ? WHERE level = 0 AND idx = 1').run(inner);
  rw.db.prepare('UPDATE merkle_tiles SET data = ? WHERE level = 0 AND idx = 2').run(Buffer.alloc(32 * 188));
  t.match(fsck(rw).problems.join(), /tile 0\/2 differs/);
  await rejectsWithCode(t, createTestLog({ store: rw, create: false }), 'LOG_CORRUPT', 'openLog refuses a corrupt right edge');
});
