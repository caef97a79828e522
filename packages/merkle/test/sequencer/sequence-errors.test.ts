import t from 'tap';
import { fsck, MemoryStore, type Log } from '../../src/index.js';
import { appendRange, checkLog, createTestLog, testLeaf } from '../helpers/test-log.js';

/**
 * Sunlight-style error table (TestSequenceErrors): break something, add a batch,
 * check whether the batch made it (expectProgress) and whether the sequencer stopped
 * (expectFatal), unbreak, and check the log still works (or, if fatal, refuses).
 */
interface Case {
  name: string;
  code: string;
  break(store: MemoryStore, ctl: Controls): void;
  unbreak(store: MemoryStore, ctl: Controls): void;
  expectProgress: boolean;
  expectFatal: boolean;
}
interface Controls {
  failSign: boolean;
  failIndex: boolean;
  log?: Log;
}

const cases: Case[] = [
  {
    name: 'commit fails before persisting',
    code: 'STORE_FAILED',
    break: (s) => s.injectFault({ at: 'before-persist' }),
    unbreak: (s) => s.clearFaults(),
    expectProgress: false,
    expectFatal: false,
  },
  {
    name: 'commit fails after persisting',
    code: 'STORE_FAILED',
    break: (s) => s.injectFault({ at: 'after-persist' }),
    unbreak: (s) => s.clearFaults(),
    expectProgress: true,
    expectFatal: false,
  },
  {
    name: 'signer fails',
    code: 'SIGNING_FAILED',
    break: (_, c) => (c.failSign = true),
    unbreak: (_, c) => (c.failSign = false),
    expectProgress: false,
    expectFatal: false,
  },
  {
    name: 'personality index write fails',
    code: 'STORE_FAILED',
    break: (_, c) => (c.failIndex = true),
    unbreak: (_, c) => (c.failIndex = false),
    expectProgress: false,
    expectFatal: false,
  },
  {
    name: 'identity lookup fails',
    code: 'STORE_FAILED',
    break: (s) => {
      const orig = s.lookupIdentity.bind(s);
      s.lookupIdentity = () => {
        throw new Error('disk read error');
      };
      (s as unknown as { restore: () => void }).restore = () => (s.lookupIdentity = orig);
    },
    unbreak: (s) => (s as unknown as { restore: () => void }).restore(),
    expectProgress: false,
    expectFatal: false,
  },
  {
    name: 'another writer moved the checkpoint',
    code: 'CHECKPOINT_CONFLICT',
    break: (s) => {
      // Simulate a second sequencer: commit a batch behind this log's back.
      const state = s.loadState()!;
      s.commitBatch({ previousSize: state.checkpoint.size, entries: [], tiles: [], checkpoint: { ...state.checkpoint } });
      const cp = s.loadState()!.checkpoint;
      (s as unknown as { commitBatch: unknown }).commitBatch = ((orig) => (b: Parameters<typeof orig>[0], f?: () => void) =>
        orig({ ...b, previousSize: cp.size + 1 }, f))(s.commitBatch.bind(s));
    },
    unbreak: () => {},
    expectProgress: false,
    expectFatal: true,
  },
  {
    name: 'commit fails, and so does re-reading the store',
    code: 'STORE_FAILED',
    break: (s) => {
      s.injectFault({ at: 'before-persist' });
      s.loadState = () => {
        throw new Error('I/O error');
      };
    },
    unbreak: () => {},
    expectProgress: false,
    expectFatal: true,
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const store = new MemoryStore();
    const ctl: Controls = { failSign: false, failIndex: false };
    const tl = await createTestLog({
      store,
      onSequenced: () => {
        if (ctl.failIndex) throw new Error('index write failed');
      },
    });
    const sign = tl.noteSigner.sign.bind(tl.noteSigner);
    (tl.noteSigner as { sign: typeof sign }).sign = (m) => (ctl.failSign ? Promise.reject(new Error('HSM down')) : sign(m));
    await appendRange(tl.log, 0, 100);
    const before = tl.log.checkpoint().size;

    c.break(store, ctl);
    const r = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => tl.log.add({ identity: testLeaf(i, 'x'), leaf: testLeaf(i, 'x') })));
    t.ok(
      r.every((x) => x.status === 'rejected' && x.reason.code === c.code),
      `waiters rejected with ${c.code}`,
    );
    t.equal(tl.log.checkpoint().size, c.expectProgress ? before + 5 : before, c.expectProgress ? 'progress' : 'no progress');
    t.equal(tl.log.fatalError?.code, c.expectFatal ? c.code : undefined, c.expectFatal ? 'fatal' : 'not fatal');
    c.unbreak(store, ctl);

    const after = await Promise.allSettled([tl.log.add({ identity: Buffer.from('after'), leaf: Buffer.from('after') })]);
    if (c.expectFatal) {
      t.equal(after[0]!.status === 'rejected' && after[0]!.reason.code, c.code, 'a stopped log refuses writes');
    } else {
      t.equal(after[0]!.status, 'fulfilled', 'the log goes on');
      checkLog(t, tl);
    }
    if (c.name !== 'commit fails, and so does re-reading the store' && c.code !== 'CHECKPOINT_CONFLICT') t.same(fsck(store).problems, []);
    await tl.log.close();
  });
}
