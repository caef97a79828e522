import { createEphemeralSigner, FakeClock, type Signer } from '@sigstack/core';
import type { Test } from 'tap';
import {
  createEcdsaNoteSigner,
  createEcdsaNoteVerifier,
  fsck,
  leafHash,
  LogError,
  MemoryStore,
  openLog,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type Log,
  type LogStore,
  type NoteSigner,
  type NoteVerifier,
  type OpenLogOptions,
} from '../../src/index.js';

export const ORIGIN = 'rekor.test - 42';
export const KEY_NAME = 'rekor.test';

/** One signer for the whole test process (key generation is not what we test). */
let shared: Signer | undefined;
export function testSigner(): Signer {
  shared ??= createEphemeralSigner('ecdsa-p256-sha256');
  return shared;
}

export interface TestLog {
  log: Log;
  store: LogStore;
  clock: FakeClock;
  noteSigner: NoteSigner;
  verifier: NoteVerifier;
}

/** A log over a MemoryStore (or the given store) with an ECDSA key and a fake clock. */
export async function createTestLog(opts: Partial<OpenLogOptions> = {}): Promise<TestLog & { store: LogStore }> {
  const signer = testSigner();
  const clock = (opts.clock as FakeClock | undefined) ?? new FakeClock();
  const noteSigner = opts.noteSigner ?? createEcdsaNoteSigner(KEY_NAME, signer);
  const store = opts.store ?? new MemoryStore();
  const log = await openLog({ origin: ORIGIN, create: true, maxBatchWaitMs: 1, ...opts, store, clock, noteSigner });
  return { log, store, clock, noteSigner, verifier: createEcdsaNoteVerifier(KEY_NAME, signer.publicKey) };
}

/** Leaf bytes used by the tests: distinct and deterministic. */
export function testLeaf(i: number, tag = 'leaf'): Buffer {
  return Buffer.from(`${tag} ${i}`);
}

/** Appends leaves [from, to) concurrently, waiting for all. */
export async function appendRange(log: Log, from: number, to: number, tag = 'leaf'): Promise<void> {
  const chunk = 2048;
  for (let s = from; s < to; s += chunk) {
    const ps = [];
    for (let i = s; i < Math.min(to, s + chunk); i++) {
      const leaf = testLeaf(i, tag);
      ps.push(log.add({ identity: leaf, leaf }));
    }
    await Promise.all(ps);
  }
}

/** Asserts that `p` rejects with a LogError of `code`. */
export async function rejectsWithCode(t: Test, p: Promise<unknown> | (() => unknown), code: string, msg?: string): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
    t.fail(msg ?? `expected ${code}, got success`);
  } catch (e) {
    t.ok(e instanceof LogError, `${msg ?? code}: is a LogError (${(e as Error).message})`);
    t.equal((e as LogError).code, code, msg ?? `code ${code}`);
  }
}

/**
 * Re-verifies a log end to end (conventions.md: runs at the end of every engine test):
 * the checkpoint signature and origin, fsck of the store, the root, and inclusion and
 * consistency proofs for a sample of indices and sizes.
 */
export function checkLog(t: Test, tl: Pick<TestLog, 'log' | 'store' | 'verifier'>, samples = 16): void {
  const { log, store, verifier } = tl;
  const cp = log.checkpoint();
  const parsed = verifyCheckpoint(cp.text, [verifier], { origin: ORIGIN });
  t.equal(parsed.size, cp.size, 'checkpoint note size');
  t.ok(parsed.rootHash.equals(cp.rootHash), 'checkpoint note root');
  const report = fsck(store, { verifiers: [verifier] });
  t.same(report.problems, [], 'fsck finds no problem');
  t.ok(log.rootAt(cp.size).equals(cp.rootHash), 'rootAt(size) is the checkpoint root');
  if (cp.size === 0) return;
  const pick = (n: number) => Math.floor(Math.random() * n);
  let ok = true;
  for (let s = 0; s < samples; s++) {
    const i = s === 0 ? cp.size - 1 : pick(cp.size);
    const e = log.entry(i);
    if (!e) {
      t.fail(`entry ${i} missing`);
      return;
    }
    const lh = leafHash(e.leaf);
    const size = i + 1 + pick(cp.size - i);
    try {
      verifyInclusion(lh, i, cp.size, log.inclusionProof(i, cp.size), cp.rootHash);
      verifyInclusion(lh, i, size, log.inclusionProof(i, size), log.rootAt(size));
      const m = 1 + pick(size);
      verifyConsistency(m, cp.size, log.consistencyProof(m, cp.size), log.rootAt(m), cp.rootHash);
    } catch (err) {
      ok = false;
      t.fail(`proofs around index ${i}: ${(err as Error).message}`);
    }
  }
  t.ok(ok, `${samples} sampled inclusion and consistency proofs verify`);
}
