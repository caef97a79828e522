import { FakeClock } from '@sigstack/core';
import t from 'tap';
import { fsck, leafHash, MemoryStore, verifyInclusion, type AddResult, type BatchCommit } from '../../src/index.js';
import { appendRange, checkLog, createTestLog, rejectsWithCode, testLeaf } from '../helpers/test-log.js';

t.test('a lone entry is committed within the batch wait, with a checkpoint that covers it', async (t) => {
  const tl = await createTestLog({ maxBatchWaitMs: 2 });
  const start = performance.now();
  const r = await tl.log.add({ identity: testLeaf(0), leaf: testLeaf(0) });
  const ms = performance.now() - start;
  t.ok(ms < 250, `answered in ${ms.toFixed(1)} ms`);
  t.same({ index: r.index, duplicate: r.duplicate }, { index: 0, duplicate: false });
  t.equal(r.checkpoint.size, 1);
  t.equal(r.timestampMs, tl.clock.now());
  t.equal(r.checkpoint.timestampMs, tl.clock.now());
  verifyInclusion(leafHash(testLeaf(0)), 0, 1, tl.log.inclusionProof(0, 1), r.checkpoint.rootHash);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('batches: group commit up to maxBatchSize, one checkpoint and one timestamp per batch', async (t) => {
  const store = new MemoryStore();
  const batches: BatchCommit[] = [];
  store.onCommit = (b) => batches.push(b);
  const tl = await createTestLog({ store, maxBatchSize: 100, maxBatchWaitMs: 5 });
  const results = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => {
      tl.clock.advance(1); // the clock moves, but every entry of a batch gets the batch's time
      return tl.log.add({ identity: testLeaf(i), leaf: testLeaf(i) });
    }),
  );
  t.ok(batches.length >= 10 && batches.length <= 12, `${batches.length} batches`);
  t.ok(batches.every((b) => b.entries.length <= 100), 'no batch exceeds maxBatchSize');
  t.ok(batches.every((b) => new Set(b.entries.map((e) => e.timestampMs)).size === 1), 'one timestamp per batch');
  t.same(results.map((r) => r.index), Array.from({ length: 1000 }, (_, i) => i), 'indices in submission order');
  for (const r of results) t.ok(r.checkpoint.size > r.index, 'checkpoint covers the index') || t.bailout();
  const cps = new Set(results.map((r) => r.checkpoint.text));
  t.equal(cps.size, batches.length, 'one signed checkpoint per batch');
  t.equal(tl.log.stats().batches, batches.length);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('leaf functions get the index and the batch timestamp; timestamps never go backwards', async (t) => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const tl = await createTestLog({ clock });
  const seen: [number, number][] = [];
  const leaf = (tag: string) => (index: number, ts: number) => {
    seen.push([index, ts]);
    return Buffer.from(`${tag}@${index}@${ts}`);
  };
  const a = await tl.log.add({ identity: Buffer.from('a'), leaf: leaf('a') });
  clock.advance(-60_000); // the wall clock jumps back
  const b = await tl.log.add({ identity: Buffer.from('b'), leaf: leaf('b') });
  t.same(seen, [
    [0, a.timestampMs],
    [1, a.timestampMs],
  ]);
  t.ok(b.timestampMs >= a.timestampMs, 'clamped to the previous checkpoint');
  t.equal(tl.log.entry(1)!.leaf.toString(), `b@1@${b.timestampMs}`);
  t.equal(tl.log.entry(1)!.timestampMs, b.timestampMs);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('dedupe: within a batch and against the store, never appended twice', async (t) => {
  const tl = await createTestLog({ maxBatchWaitMs: 5 });
  let calls = 0;
  const mk = (s: string) => ({
    identity: Buffer.from(s),
    leaf: () => {
      calls++;
      return Buffer.from(`leaf ${s}`);
    },
  });
  const [x1, y, x2, x3] = await Promise.all([tl.log.add(mk('x')), tl.log.add(mk('y')), tl.log.add(mk('x')), tl.log.add(mk('x'))]);
  t.same([x1!.index, y!.index, x2!.index, x3!.index], [0, 1, 0, 0]);
  t.same([x1!.duplicate, y!.duplicate, x2!.duplicate, x3!.duplicate], [false, false, true, true]);
  t.equal(calls, 2, 'the leaf function runs once per new entry, never for duplicates');
  t.equal(x2!.checkpoint.size, 2, 'a duplicate in the batch gets the batch checkpoint');
  const later = await tl.log.add(mk('x'));
  t.same({ index: later.index, duplicate: later.duplicate, ts: later.timestampMs }, { index: 0, duplicate: true, ts: x1!.timestampMs });
  t.equal(later.checkpoint.size, 2, 'the current checkpoint');
  t.equal(tl.log.checkpoint().size, 2, 'nothing appended, no new checkpoint');
  t.equal(tl.log.indexOf(Buffer.from('y')), 1);
  t.equal(tl.log.indexOf(Buffer.from('z')), undefined);
  t.equal(tl.log.stats().duplicates, 3);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('pushback: beyond maxPending, add rejects at once with PUSHBACK', async (t) => {
  const tl = await createTestLog({ maxPending: 10, maxBatchSize: 4, maxBatchWaitMs: 50 });
  const accepted = Array.from({ length: 10 }, (_, i) => tl.log.add({ identity: testLeaf(i), leaf: testLeaf(i) }));
  const start = performance.now();
  await rejectsWithCode(t, tl.log.add({ identity: testLeaf(10), leaf: testLeaf(10) }), 'PUSHBACK');
  t.ok(performance.now() - start < 50, 'rejected immediately');
  t.equal(tl.log.stats().pending, 10);
  await Promise.all(accepted);
  t.equal(tl.log.stats().pending, 0);
  const r = await tl.log.add({ identity: testLeaf(10), leaf: testLeaf(10) });
  t.equal(r.index, 10, 'accepted again once drained');
  checkLog(t, tl);
  await tl.log.close();
});

t.test('nobody is answered before the commit is durable', async (t) => {
  const store = new MemoryStore();
  const tl = await createTestLog({ store });
  let committed = 0;
  store.onCommit = (b) => (committed += b.entries.length);
  const answered: number[] = [];
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      tl.log.add({ identity: testLeaf(i), leaf: testLeaf(i) }).then((r) => {
        answered.push(committed);
        t.ok(committed > r.index, `entry ${r.index} answered after its commit`) || t.bailout();
        t.ok(tl.log.entry(r.index), 'and readable');
        t.ok(tl.log.checkpoint().size > r.index, 'and published');
      }),
    ),
  );
  t.equal(answered.length, 50);
  await tl.log.close();
});

t.test('entry validation', async (t) => {
  const tl = await createTestLog({ maxEntrySize: 16 });
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.from('a'), leaf: Buffer.alloc(17) }), 'ENTRY_TOO_LARGE', 'static leaf');
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.from('b'), leaf: () => Buffer.alloc(17) }), 'ENTRY_TOO_LARGE', 'leaf function');
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.alloc(0), leaf: Buffer.alloc(1) }), 'INVALID_ENTRY', 'empty identity');
  await rejectsWithCode(t, tl.log.add({ identity: 'x' as never, leaf: Buffer.alloc(1) }), 'INVALID_ENTRY', 'identity not bytes');
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.from('c'), leaf: 5 as never }), 'INVALID_ENTRY', 'leaf not bytes');
  const [bad, good] = await Promise.allSettled([
    tl.log.add({
      identity: Buffer.from('d'),
      leaf: () => {
        throw new Error('personality bug');
      },
    }),
    tl.log.add({ identity: Buffer.from('e'), leaf: Buffer.from('e') }),
  ]);
  t.equal(bad.status, 'rejected');
  t.equal((bad as PromiseRejectedResult).reason.code, 'INVALID_ENTRY', 'a throwing leaf function rejects only its entry');
  t.equal(good.status === 'fulfilled' && good.value.index, 0, 'the rest of the batch goes on, and no index is skipped');
  checkLog(t, tl);
  await tl.log.close();
});

t.test('store fault before persisting: waiters get STORE_FAILED, nothing is written, the log goes on', async (t) => {
  const store = new MemoryStore();
  const tl = await createTestLog({ store });
  await appendRange(tl.log, 0, 300);
  const before = tl.log.checkpoint();
  store.injectFault({ at: 'before-persist' });
  const failed = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => tl.log.add({ identity: testLeaf(i, 'f'), leaf: testLeaf(i, 'f') })));
  t.ok(failed.every((r) => r.status === 'rejected' && r.reason.code === 'STORE_FAILED'), 'every waiter rejected with STORE_FAILED');
  t.same(tl.log.checkpoint(), before, 'the published checkpoint did not move');
  t.equal(tl.log.entry(300), undefined);
  t.same(fsck(store).problems, [], 'no partial state');
  const r = await tl.log.add({ identity: testLeaf(0, 'f'), leaf: testLeaf(0, 'f') });
  t.same({ index: r.index, duplicate: r.duplicate }, { index: 300, duplicate: false }, 'the log goes on at the same index');
  t.equal(tl.log.fatalError, undefined);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('store fault after persisting: waiters get STORE_FAILED, the batch is whole, retries are duplicates', async (t) => {
  const store = new MemoryStore();
  const tl = await createTestLog({ store });
  await appendRange(tl.log, 0, 300);
  store.injectFault({ at: 'after-persist' });
  const failed = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => tl.log.add({ identity: testLeaf(i, 'f'), leaf: testLeaf(i, 'f') })));
  t.ok(failed.every((r) => r.status === 'rejected' && r.reason.code === 'STORE_FAILED'), 'every waiter rejected');
  t.equal(tl.log.checkpoint().size, 320, 'recovery picked up the durable batch');
  t.same(fsck(store).problems, [], 'the batch is whole');
  const retry = await Promise.all(Array.from({ length: 20 }, (_, i) => tl.log.add({ identity: testLeaf(i, 'f'), leaf: testLeaf(i, 'f') })));
  t.ok(retry.every((r, i) => r.duplicate && r.index === 300 + i), 'retries find their entries');
  const next = await tl.log.add({ identity: Buffer.from('next'), leaf: Buffer.from('next') });
  t.equal(next.index, 320);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('signing failure: SIGNING_FAILED, nothing written', async (t) => {
  const store = new MemoryStore();
  const tl = await createTestLog({ store });
  await appendRange(tl.log, 0, 10);
  const commits = store.commits;
  const sign = tl.noteSigner.sign;
  (tl.noteSigner as { sign: typeof sign }).sign = async () => {
    throw new Error('HSM unplugged');
  };
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.from('s'), leaf: Buffer.from('s') }), 'SIGNING_FAILED');
  t.equal(store.commits, commits, 'no commit');
  t.equal(tl.log.checkpoint().size, 10);
  (tl.noteSigner as { sign: typeof sign }).sign = sign;
  t.equal((await tl.log.add({ identity: Buffer.from('s'), leaf: Buffer.from('s') })).index, 10);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('onSequenced runs inside the batch with the new entries only; if it throws, the batch is dropped', async (t) => {
  const store = new MemoryStore();
  const seen: { index: number; extra: unknown; commitsAtCall: number }[] = [];
  let fail = false;
  const tl = await createTestLog({
    store,
    onSequenced: (entries) => {
      if (fail) throw new Error('index write failed');
      for (const e of entries) seen.push({ index: e.index, extra: e.extra, commitsAtCall: store.commits });
    },
  });
  await Promise.all([
    tl.log.add({ identity: Buffer.from('a'), leaf: Buffer.from('a'), extra: { k: 'a' } }),
    tl.log.add({ identity: Buffer.from('a'), leaf: Buffer.from('a'), extra: { k: 'dup' } }),
    tl.log.add({ identity: Buffer.from('b'), leaf: Buffer.from('b'), extra: { k: 'b' } }),
  ]);
  t.same(
    seen.map((s) => [s.index, s.extra]),
    [
      [0, { k: 'a' }],
      [1, { k: 'b' }],
    ],
  );
  t.ok(seen.every((s) => s.commitsAtCall === 0), 'called before the commit completed (inside it)');
  fail = true;
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.from('c'), leaf: Buffer.from('c') }), 'STORE_FAILED');
  t.equal(tl.log.checkpoint().size, 2);
  t.same(fsck(store).problems, []);
  fail = false;
  t.equal((await tl.log.add({ identity: Buffer.from('c'), leaf: Buffer.from('c') })).index, 2);
  checkLog(t, tl);
  await tl.log.close();
});

t.test('close: drains what was accepted, then refuses with SHUTTING_DOWN', async (t) => {
  const store = new MemoryStore();
  const tl = await createTestLog({ store, maxBatchWaitMs: 1000, maxBatchSize: 10 });
  const pending: Promise<AddResult>[] = Array.from({ length: 25 }, (_, i) => tl.log.add({ identity: testLeaf(i), leaf: testLeaf(i) }));
  const closing = tl.log.close();
  await rejectsWithCode(t, tl.log.add({ identity: Buffer.from('late'), leaf: Buffer.from('late') }), 'SHUTTING_DOWN');
  const results = await Promise.all(pending);
  await closing;
  t.equal(results.length, 25, 'every accepted entry was committed and answered');
  t.equal(store.reopen().loadState()!.checkpoint.size, 25);
  t.same(fsck(store).problems, []);
  await tl.log.close();
  t.pass('close is idempotent');
});

t.test('the clock is injected: FakeClock times are what is stored', async (t) => {
  const clock = new FakeClock(1_700_000_000_123);
  const tl = await createTestLog({ clock });
  const r = await tl.log.add({ identity: Buffer.from('t'), leaf: Buffer.from('t') });
  t.equal(r.timestampMs, 1_700_000_000_123);
  t.equal(tl.log.entry(0)!.timestampMs, 1_700_000_000_123);
  await tl.log.close();
});
