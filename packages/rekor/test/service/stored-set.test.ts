import t from 'tap';
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalize, createEphemeralSigner, type Signer } from '@sigstack/core';
import { SqliteStore } from '@sigstack/merkle';
import { openRekor } from '../../src/service/open-rekor.js';
import type { LogEntryJson, LogEntryMap } from '../../src/service/log-entry.js';
import { RekorError } from '../../src/errors.js';

// Stored signed entry timestamps (service/set-store.ts): signed once in the batch,
// committed with the entry, served on every read; entries without one (logs from
// before the table) are signed on read.

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' }) as string).toString('base64');
function proposed(i: number) {
  const a = Buffer.from(`stored set artifact ${i}`);
  return {
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    spec: {
      data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(a).digest('hex') } },
      signature: { content: sign('sha256', a, key.privateKey).toString('base64'), publicKey: { content: pem } },
    },
  };
}

const only = (m: LogEntryMap): LogEntryJson => Object.values(m)[0]!;

function setVerifies(signer: Signer, e: LogEntryJson): boolean {
  const payload = canonicalize({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex });
  return verify('sha256', Buffer.from(payload), signer.publicKey, Buffer.from(e.verification.signedEntryTimestamp, 'base64'));
}

function tempDb(t: { teardown(f: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-rekor-set-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'log.db');
}

/** Without signSync: the attach hook signs the batch through the asynchronous API. */
function asyncOnly(s: Signer): Signer {
  return { algorithm: s.algorithm, publicKey: s.publicKey, publicKeyDer: s.publicKeyDer, sign: (d) => s.sign(d) };
}

for (const [name, wrap] of [
  ['signSync signer', (s: Signer) => s],
  ['async-only signer', asyncOnly],
] as const) {
  t.test(`${name}: the SET is signed at sequencing, stored, served unchanged, and survives a restart`, async (t) => {
    const path = tempDb(t);
    const signer = wrap(createEphemeralSigner());
    let rekor = await openRekor({ path, signer, hostname: 'rekor.test', workers: 0, maxBatchWaitMs: 1 });
    // ECDSA is randomised: make each proposal once, so that resubmitting one is a duplicate.
    const proposals = Array.from({ length: 20 }, (_, i) => proposed(i));
    const created = await Promise.all(proposals.map((p) => rekor.service.createEntry(p)));
    for (const c of created) {
      const e = only(c.entry);
      t.ok(setVerifies(signer, e), `SET of ${e.logIndex} verifies`) || t.bailout();
      // ECDSA is randomised: the same bytes on a read prove the SET is the stored one.
      t.equal(only(await rekor.service.getEntryByIndex(e.logIndex)).verification.signedEntryTimestamp, e.verification.signedEntryTimestamp);
      t.equal(only(await rekor.service.getEntry(c.entryId)).verification.signedEntryTimestamp, e.verification.signedEntryTimestamp);
    }
    try {
      await rekor.service.createEntry(proposals[3]);
      t.fail('duplicate accepted');
    } catch (e) {
      t.equal((e as RekorError).code, 'ENTRY_EXISTS');
    }
    await rekor.close();

    const store = SqliteStore.open(path);
    t.equal(store.db.prepare('SELECT count(*) FROM rekor_sets').pluck().get(), 20, 'one stored SET per entry, none for the duplicate');
    store.close();

    rekor = await openRekor({ path, signer, hostname: 'rekor.test', workers: 0 });
    for (const c of created) {
      const e = only(c.entry);
      const again = only(await rekor.service.getEntryByIndex(e.logIndex));
      t.equal(again.verification.signedEntryTimestamp, e.verification.signedEntryTimestamp, `restart keeps the SET of ${e.logIndex}`);
      t.equal(again.verification.inclusionProof.treeSize, 20);
    }
    await rekor.close();
  });
}

t.test('an entry without a stored SET (a log from before rekor_sets) gets one signed on read', async (t) => {
  const path = tempDb(t);
  const signer = createEphemeralSigner();
  let rekor = await openRekor({ path, signer, hostname: 'rekor.test', workers: 0 });
  const a = only((await rekor.service.createEntry(proposed(100))).entry);
  const b = only((await rekor.service.createEntry(proposed(101))).entry);
  await rekor.close();
  // What an older database looks like: entries, no SET rows (drop the table entirely).
  const store = SqliteStore.open(path);
  store.db.exec('DROP TABLE rekor_sets');
  store.close();

  rekor = await openRekor({ path, signer, hostname: 'rekor.test', workers: 0 });
  const r1 = only(await rekor.service.getEntryByIndex(a.logIndex));
  const r2 = only(await rekor.service.getEntryByIndex(a.logIndex));
  t.ok(setVerifies(signer, r1) && setVerifies(signer, r2), 'fallback SETs verify');
  t.not(r1.verification.signedEntryTimestamp, r2.verification.signedEntryTimestamp, 'signed per read (nothing stored for it)');
  t.same({ ...r1, verification: undefined }, { ...a, verification: undefined }, 'the rest of the entry is unchanged');
  // New entries in the reopened log get stored SETs again.
  const c = only((await rekor.service.createEntry(proposed(102))).entry);
  t.ok(setVerifies(signer, c));
  t.equal(only(await rekor.service.getEntryByIndex(c.logIndex)).verification.signedEntryTimestamp, c.verification.signedEntryTimestamp);
  t.ok(setVerifies(signer, only(await rekor.service.getEntryByIndex(b.logIndex))));
  await rekor.close();
});

t.test('a signer failing on SETs fails the batch: nothing committed, the log goes on', async (t) => {
  const path = tempDb(t);
  const real = createEphemeralSigner();
  let failSets = false;
  // Checkpoints are signed too; fail only SET payloads (JSON objects).
  const flaky: Signer = {
    algorithm: real.algorithm,
    publicKey: real.publicKey,
    publicKeyDer: real.publicKeyDer,
    sign: (d) => (failSets && d[0] === 0x7b ? Promise.reject(new Error('signer down')) : real.sign(d)),
  };
  const rekor = await openRekor({ path, signer: flaky, hostname: 'rekor.test', workers: 0 });
  failSets = true;
  await t.rejects(rekor.service.createEntry(proposed(200)), { code: 'SIGNING_FAILED' });
  t.equal(rekor.service.logInfo().treeSize, 0, 'nothing appended');
  failSets = false;
  const e = only((await rekor.service.createEntry(proposed(200))).entry);
  t.equal(e.logIndex, 0, 'the same entry is accepted afterwards, at the next index');
  t.ok(setVerifies(real, e));
  await rekor.close();
});

t.test('entry responses: JSON.stringify gives the bytes and Content-Type of the schema serialiser', async (t) => {
  const { default: Fastify } = await import('fastify');
  const { logEntryMapSchema } = await import('../../src/routes/schemas.js');
  const { rekorRoutes } = await import('../../src/routes/rekor-routes.js');
  const path = tempDb(t);
  const rekor = await openRekor({ path, signer: createEphemeralSigner(), hostname: 'rekor.test', workers: 0 });
  t.teardown(() => rekor.close());
  const created = await rekor.service.createEntry(proposed(300));
  const viaSchema = Fastify();
  viaSchema.get('/x', { schema: { response: { 200: logEntryMapSchema } } }, async () => rekor.service.getEntryByIndex(0));
  const ours = Fastify();
  await ours.register(rekorRoutes, { rekor: rekor.service });
  const want = await viaSchema.inject({ method: 'GET', url: '/x' });
  for (const url of ['/api/v1/log/entries?logIndex=0', `/api/v1/log/entries/${created.entryId}`]) {
    const got = await ours.inject({ method: 'GET', url });
    t.equal(got.statusCode, 200);
    t.equal(got.headers['content-type'], want.headers['content-type'], `${url}: Content-Type`);
    t.equal(got.body, want.body, `${url}: same bytes`);
  }
  await viaSchema.close();
  await ours.close();
});
