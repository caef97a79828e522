import t from 'tap';
import { MemoryStore, type SequencedEntry } from '../../src/index.js';
import { checkLog, createTestLog, rejectsWithCode, testLeaf } from '../helpers/test-log.js';

t.test('attach: one value per new entry, after sequencing, handed to onSequenced and to the waiter', async (t) => {
  const stored = new Map<number, unknown>();
  const attachCalls: SequencedEntry[][] = [];
  const tl = await createTestLog({
    maxBatchSize: 50,
    attach: async (entries) => {
      attachCalls.push([...entries]);
      // Indices and the batch timestamp are fixed by now.
      return entries.map((e) => `att ${e.index} ${e.timestampMs} ${Buffer.from(e.leaf).toString()}`);
    },
    onSequenced: (entries) => {
      for (const e of entries) stored.set(e.index, e.attachment);
    },
  });
  const results = await Promise.all(Array.from({ length: 120 }, (_, i) => tl.log.add({ identity: testLeaf(i), leaf: testLeaf(i) })));
  for (const [i, r] of results.entries()) {
    t.equal(r.attachment, `att ${r.index} ${r.timestampMs} leaf ${i}`, `waiter ${i} gets its own attachment`) || t.bailout();
    t.equal(stored.get(r.index), r.attachment, `onSequenced saw it for ${r.index}`) || t.bailout();
  }
  t.ok(attachCalls.length >= 3, 'called once per batch');
  // Duplicates: no attach call for them, no attachment.
  const before = attachCalls.length;
  const dup = await tl.log.add({ identity: testLeaf(3), leaf: testLeaf(3) });
  t.same({ duplicate: dup.duplicate, index: dup.index, attachment: dup.attachment }, { duplicate: true, index: 3, attachment: undefined });
  t.equal(attachCalls.length, before, 'a batch of duplicates only makes no attachments');
  checkLog(t, tl);
  await tl.log.close();
});

t.test('attach failing (throw, reject, wrong count) writes nothing, answers SIGNING_FAILED, and the log goes on', async (t) => {
  const store = new MemoryStore();
  let mode: 'ok' | 'throw' | 'reject' | 'short' = 'throw';
  const seen: number[] = [];
  const tl = await createTestLog({
    store,
    attach: (entries) => {
      if (mode === 'throw') throw new Error('hsm unplugged');
      if (mode === 'reject') return Promise.reject(new Error('kms said no'));
      if (mode === 'short') return entries.slice(1).map(() => 'x');
      return entries.map((e) => e.index);
    },
    onSequenced: (entries) => {
      for (const e of entries) seen.push(e.index);
    },
  });
  for (const m of ['throw', 'reject', 'short'] as const) {
    mode = m;
    await rejectsWithCode(t, tl.log.add({ identity: testLeaf(1, m), leaf: testLeaf(1, m) }), 'SIGNING_FAILED', m);
    t.equal(tl.log.checkpoint().size, 0, `${m}: nothing published`);
    t.equal(store.loadState()!.checkpoint.size, 0, `${m}: nothing stored`);
  }
  t.same(seen, [], 'onSequenced never ran');
  t.equal(tl.log.fatalError, undefined, 'not fatal');
  mode = 'ok';
  const r = await tl.log.add({ identity: testLeaf(1), leaf: testLeaf(1) });
  t.same({ index: r.index, attachment: r.attachment }, { index: 0, attachment: 0 });
  checkLog(t, tl);
  await tl.log.close();
});

t.test('attach must be a function', async (t) => {
  await rejectsWithCode(t, () => createTestLog({ attach: 'yes' as never }), 'INVALID_OPTIONS');
});
