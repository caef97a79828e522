// Crash safety of the transparency log (design.md principle 3: acknowledged means
// durable). 32 concurrent HTTP writers submit hashedrekord entries signed with
// node:crypto; the server is SIGKILLed mid-load at a random moment, fsck checks the data
// directory it left, and the restarted server must serve every acknowledged (201) entry
// at the index it was acknowledged with, with an inclusion proof against its new signed
// checkpoint, and that checkpoint must be consistent with the last one seen before the
// crash. Several rounds on the same data directory, so later rounds crash a log that
// already recovered once.
import t from 'tap';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestStack, stopStack, type TestStack } from './lib/test-stack.js';
import { hashedrekordEntry, newSigningKey } from './lib/hashedrekord-entry.js';
import { getConsistencyProof, getEntry, getLogInfo, postEntry, type LogEntry } from './lib/rekor-api.js';
import { parseCheckpoint, verifyCheckpointSignature, type ParsedCheckpoint } from './lib/checkpoint.js';
import { leafHash, verifyConsistency, verifyInclusion } from './lib/merkle.js';
import { SqliteStore, fsck } from '../packages/merkle/dist/index.js';

const root = t;
t.setTimeout(280_000);

const WRITERS = 32;
const ROUNDS = 3;
/** The kill lands at a random moment in this window after the load starts (ms). */
const KILL_AFTER_MS: [number, number] = [400, 2500];

interface Acked {
  uuid: string;
  entryId: string;
  logIndex: number;
  body: string;
}

const signingKey = newSigningKey();
let stack: TestStack = await startTestStack(t);
const dataDir = stack.dataDir;
const logKey: KeyObject = createPublicKey(readFileSync(stack.rekorPub));

/** The SET (protocols.md §6.5): ECDSA over the JCS of {body, integratedTime, logID, logIndex}. */
function verifySet(e: LogEntry): boolean {
  const payload = `{"body":${JSON.stringify(e.body)},"integratedTime":${e.integratedTime},"logID":${JSON.stringify(e.logID)},"logIndex":${e.logIndex}}`;
  return verify('sha256', Buffer.from(payload), logKey, Buffer.from(e.verification.signedEntryTimestamp, 'base64'));
}

/** The latest checkpoint seen so far (the largest tree), across 201 responses and log info polls. */
let lastSeen: ParsedCheckpoint | undefined;
function see(note: string): void {
  const cp = parseCheckpoint(note);
  if (!lastSeen || cp.size > lastSeen.size) lastSeen = cp;
}

/** Writes until the server goes away; returns what it acknowledged and the statuses it saw. */
async function writer(url: string, stop: { done: boolean }, acked: Acked[], statuses: Map<string, number>): Promise<void> {
  while (!stop.done) {
    const { entry } = hashedrekordEntry(signingKey);
    let res;
    try {
      res = await postEntry(url, entry);
    } catch (e) {
      const key = `error ${(e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (stop.done) return;
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
    if (res.status === 201) {
      const map = JSON.parse(res.body) as Record<string, LogEntry>;
      const [entryId, e] = Object.entries(map)[0]!;
      acked.push({ uuid: entryId.slice(16), entryId, logIndex: e.logIndex, body: e.body });
      see(e.verification.inclusionProof.checkpoint);
    } else if (res.status === 503) {
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    } else {
      throw new Error(`unexpected ${res.status} from POST /api/v1/log/entries: ${res.body.slice(0, 300)}`);
    }
  }
}

const allAcked: Acked[] = [];

for (let round = 1; round <= ROUNDS; round++) {
  t.test(`round ${round}: SIGKILL under ${WRITERS} concurrent writers, restart, check`, async (t) => {
    const url = stack.url;
    const acked: Acked[] = [];
    const statuses = new Map<string, number>();
    const stop = { done: false };
    const poll = (async () => {
      while (!stop.done) {
        try {
          see((await getLogInfo(url)).signedTreeHead);
        } catch {
          // the server is gone
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const writers = Array.from({ length: WRITERS }, () => writer(url, stop, acked, statuses));

    const delay = KILL_AFTER_MS[0] + Math.random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]);
    await new Promise((r) => setTimeout(r, delay));
    const ackedAtKill = acked.length;
    await stack.kill();
    // In-flight requests now fail; let the writers notice, then stop them.
    await new Promise((r) => setTimeout(r, 200));
    stop.done = true;
    await Promise.all([...writers, poll]);
    t.comment(`killed after ${Math.round(delay)} ms; ${acked.length} acknowledged (${ackedAtKill} before the kill signal); statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    t.ok(acked.length > 0, 'the load got entries acknowledged before the crash');
    t.ok(lastSeen, 'a checkpoint was seen before the crash');

    // fsck on what the SIGKILL left, before the server recovers it.
    const store = SqliteStore.open(join(dataDir, 'rekor', 'log.db'), { readonly: true });
    try {
      const report = fsck(store);
      t.ok(report.ok, `fsck accepts the crashed store: ${report.problems.join('; ')}`);
      t.ok(report.size >= lastSeen!.size, `the stored tree (${report.size}) holds at least the last checkpoint seen (${lastSeen!.size})`);
    } finally {
      store.close();
    }

    // Registered on the file's root test: the restarted stack outlives this subtest.
    stack = await startTestStack(root, { dataDir });
    const info = await getLogInfo(stack.url);
    const cp = parseCheckpoint(info.signedTreeHead);
    verifyCheckpointSignature(cp, logKey);
    t.equal(cp.size, info.treeSize, 'log info and its checkpoint agree on the size');
    t.equal(cp.rootHash.toString('hex'), info.rootHash);

    // The last checkpoint seen before the crash is a prefix of the new tree.
    const before = lastSeen!;
    t.ok(info.treeSize >= before.size, `the tree did not shrink (${before.size} → ${info.treeSize})`);
    const proof = await getConsistencyProof(stack.url, before.size, info.treeSize, info.treeID);
    t.equal(proof.rootHash, info.rootHash, 'the proof is to the current root');
    t.doesNotThrow(
      () => verifyConsistency(before.size, info.treeSize, proof.hashes.map((h) => Buffer.from(h, 'hex')), before.rootHash, Buffer.from(info.rootHash, 'hex')),
      `checkpoint ${before.size} is consistent with ${info.treeSize}`,
    );

    // Every acknowledged entry, from this round and the earlier ones.
    allAcked.push(...acked);
    const indexes = new Set(allAcked.map((a) => a.logIndex));
    t.equal(indexes.size, allAcked.length, 'no two acknowledged entries share an index');
    let missing = 0;
    let bad = 0;
    const sample: string[] = [];
    for (let i = 0; i < allAcked.length; i += 16) {
      await Promise.all(
        allAcked.slice(i, i + 16).map(async (a) => {
          let id: string, e: LogEntry;
          try {
            [id, e] = await getEntry(stack.url, a.uuid);
          } catch (err) {
            missing++;
            if (sample.length < 5) sample.push(`${a.entryId} @${a.logIndex}: ${(err as Error).message}`);
            return;
          }
          const p = e.verification.inclusionProof;
          const problems: string[] = [];
          if (id !== a.entryId) problems.push(`served as ${id}`);
          if (e.logIndex !== a.logIndex) problems.push(`index ${e.logIndex}, acknowledged ${a.logIndex}`);
          if (e.body !== a.body) problems.push('body differs');
          if (leafHash(Buffer.from(e.body, 'base64')).toString('hex') !== a.uuid) problems.push('body does not hash to the UUID');
          if (p.treeSize !== info.treeSize || p.rootHash !== info.rootHash) problems.push(`proof is for tree ${p.treeSize}, not the new checkpoint ${info.treeSize}`);
          try {
            verifyInclusion(leafHash(Buffer.from(e.body, 'base64')), p.logIndex, p.treeSize, p.hashes.map((h) => Buffer.from(h, 'hex')), cp.rootHash);
          } catch (err) {
            problems.push((err as Error).message);
          }
          if (!verifySet(e)) problems.push('SET does not verify');
          if (problems.length) {
            bad++;
            if (sample.length < 5) sample.push(`${a.entryId} @${a.logIndex}: ${problems.join(', ')}`);
          }
        }),
      );
    }
    t.equal(missing, 0, `every acknowledged entry survived the crash (${allAcked.length} checked) ${sample.join(' | ')}`);
    t.equal(bad, 0, `every acknowledged entry verifies against the new checkpoint ${sample.join(' | ')}`);
    t.ok(Math.max(...allAcked.map((a) => a.logIndex)) < info.treeSize, 'every acknowledged index is inside the new tree');
    lastSeen = cp;
  });
}

t.test('after the last round: a clean stop leaves a log fsck accepts in full', async (t) => {
  const info = await getLogInfo(stack.url);
  t.equal(await stopStack(stack), 0, 'SIGTERM: clean exit');
  const store = SqliteStore.open(join(dataDir, 'rekor', 'log.db'), { readonly: true });
  try {
    const report = fsck(store);
    t.ok(report.ok, report.problems.join('; '));
    t.equal(report.size, info.treeSize);
  } finally {
    store.close();
  }
});
