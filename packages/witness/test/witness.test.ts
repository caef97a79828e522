import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralSigner, FakeClock } from '@sigstack/core';
import { createEd25519NoteSigner, EMPTY_ROOT, parseNote, parseVerifierKey, signCheckpoint, verifyNote } from '@sigstack/merkle';
import t, { type Test } from 'tap';
import { formatAddCheckpointRequest, openWitness, parseWitnessedLogSpec, WitnessError, type WitnessInstance } from '../src/index.js';
import { createTestLog, type TestLog } from './helpers/test-log.js';

async function setup(t: Test, opts: { dir?: string; log?: TestLog } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sigstack-witness-'));
  const tl = opts.log ?? (await createTestLog());
  const w = openWitness({ dataDir: dir, name: 'witness.example/w1', logs: [parseWitnessedLogSpec(`${tl.origin} ${tl.vkey}`)], clock: new FakeClock(1_800_000_000_000) });
  t.teardown(() => w.close());
  if (!opts.log) t.teardown(() => tl.close());
  if (!opts.dir) t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, tl, w };
}

function add(w: WitnessInstance, old: number, proof: Buffer[], checkpoint: string): Promise<string> {
  return w.witness.addCheckpoint(Buffer.from(formatAddCheckpointRequest(old, proof, checkpoint)));
}

async function rejects(t: Test, p: Promise<unknown>, code: string, re?: RegExp): Promise<WitnessError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, WitnessError, `rejects with ${code}`);
  const e = err as WitnessError;
  t.equal(e?.code, code);
  if (re) t.match(e?.message, re);
  return e;
}

t.test('cosigns a first checkpoint (trust on first use), then consistent growth', async (t) => {
  const { tl, w } = await setup(t);
  const cp1 = await tl.grow(5);
  const line = await add(w, 0, [], cp1.text);
  t.match(line, /^— witness\.example\/w1 [A-Za-z0-9+/]+=*\n$/, 'one cosignature line');
  const v = parseVerifierKey(w.verifierKey);
  const body = parseNote(cp1.text).text;
  t.equal(verifyNote(`${body}\n${line}`, [v]).verified.length, 1, 'verifies with the printed verifier key');
  t.equal(parseNote(`${body}\n${line}`).signatures[0]!.signature.readBigUInt64BE(0), 1_800_000_000n, 'timestamped with the witness clock');

  const cp2 = await tl.grow(7);
  await add(w, 5, tl.log.consistencyProof(5, 12), cp2.text);
  t.equal(w.witness.latest(tl.origin)?.size, 12);
  const stored = w.witness.latest(tl.origin)!.checkpoint;
  t.equal(parseNote(stored).signatures.length, 2, 'the state keeps the log signature and the cosignature');
  // The same tree again is cosigned anew (a fresher statement), with an empty proof.
  await add(w, 12, [], cp2.text);
});

t.test('refusals: each with its code, and the state unchanged', async (t) => {
  const { tl, w } = await setup(t);
  const cp5 = await tl.grow(5);
  await add(w, 0, [], cp5.text);
  const cp9 = await tl.grow(4);
  const proof = tl.log.consistencyProof(5, 9);

  const e409 = await rejects(t, add(w, 3, proof, cp9.text), 'OLD_SIZE_MISMATCH');
  t.equal(e409.size, 5, '409 carries the size the witness holds');
  await rejects(t, add(w, 0, [], cp9.text), 'OLD_SIZE_MISMATCH');
  await rejects(t, add(w, 10, proof, cp9.text), 'OLD_SIZE_TOO_LARGE');
  const bad = proof.map((h, i) => (i === 0 ? Buffer.alloc(32, 7) : h));
  await rejects(t, add(w, 5, bad, cp9.text), 'INVALID_PROOF', /does not verify/);
  await rejects(t, add(w, 5, proof.slice(1), cp9.text), 'INVALID_PROOF');
  await rejects(t, add(w, 5, [], cp9.text), 'INVALID_PROOF');

  // Smaller than what it holds: old must be 5, and 5 > 3.
  const cp3 = await tl.forge(3, tl.log.rootAt(3));
  await rejects(t, add(w, 5, [], cp3), 'OLD_SIZE_TOO_LARGE');
  await rejects(t, add(w, 0, [], cp3), 'OLD_SIZE_MISMATCH');

  // Signatures: another key with the log's name, unsigned, unknown origin.
  const other = createEd25519NoteSigner(tl.origin, createEphemeralSigner('ed25519'));
  const wrongKey = await signCheckpoint({ origin: tl.origin, size: 9, rootHash: cp9.rootHash }, [other]);
  await rejects(t, add(w, 5, proof, wrongKey), 'BAD_SIGNATURE', /not signed by its key/);
  const tampered = cp9.text.replace(/^(.*\n)9\n/, '$19\n').replace(/— (\S+) (\S)/, (_m, n, c) => `— ${n} ${c === 'A' ? 'B' : 'A'}`);
  await rejects(t, add(w, 5, proof, tampered), 'BAD_SIGNATURE');
  const stranger = await createTestLog('log.example/stranger');
  t.teardown(() => stranger.close());
  await rejects(t, add(w, 0, [], (await stranger.grow(1)).text), 'UNKNOWN_LOG');

  // An empty tree must have the empty root.
  const fresh = await setup(t);
  await rejects(t, add(fresh.w, 0, [], await fresh.tl.forge(0, Buffer.alloc(32, 1))), 'INVALID_PROOF', /empty tree/);
  await add(fresh.w, 0, [], await fresh.tl.forge(0, EMPTY_ROOT));

  t.equal(w.witness.latest(tl.origin)?.size, 5, 'no refusal moved the state');
  await add(w, 5, proof, cp9.text);
  t.equal(w.witness.latest(tl.origin)?.size, 9);
});

t.test('a fork (same size, another root) is refused, recorded, and refused again', async (t) => {
  const { tl, w } = await setup(t);
  const cp = await tl.grow(4);
  await add(w, 0, [], cp.text);
  const forked = await tl.forge(4, Buffer.alloc(32, 9));
  await rejects(t, add(w, 4, [], forked), 'FORK', /^fork: .* different tree of size 4/);
  await rejects(t, add(w, 4, [], forked), 'FORK', /fork/);
  const state = (w.witness as unknown as { latest(o: string): { rootHash: Buffer } }).latest(tl.origin);
  t.ok(state.rootHash.equals(cp.rootHash), 'the cosigned tree stays');
  // A forked, larger tree cannot prove consistency with what the witness holds.
  const other = await createTestLog(tl.origin, tl.key);
  t.teardown(() => other.close());
  const big = await other.grow(8, 'other');
  await rejects(t, add(w, 4, other.log.consistencyProof(4, 8), big.text), 'INVALID_PROOF', /fork/);
});

t.test('malformed requests are MALFORMED_REQUEST naming the problem', async (t) => {
  const { tl, w } = await setup(t);
  const cp = (await tl.grow(2)).text;
  const cases: [string, string | Buffer, RegExp][] = [
    ['empty', '', /ends before the old size/],
    ['no old line', `\n${cp}`, /old <size>/],
    ['leading zero', `old 01\n\n${cp}`, /old <size>/],
    ['negative', `old -1\n\n${cp}`, /old <size>/],
    ['huge', `old 99999999999999999\n\n${cp}`, /old <size>|too large/],
    ['no blank line', `old 0\n`, /blank line/],
    ['short hash', `old 0\nAAAA\n\n${cp}`, /32-byte hash/],
    ['non-canonical hash', `old 0\n${'A'.repeat(42)}B=\n\n${cp}`, /canonical/],
    ['64 proof lines', `old 1\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${cp}`, /63/],
    ['no checkpoint', 'old 0\n\n', /no checkpoint/],
    ['not a note', 'old 0\n\nhello\n', /malformed/],
    ['not a checkpoint', 'old 0\n\nhello\n\n— x AAAAAAA=\n', /malformed/],
    ['not UTF-8', Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff, 0xfe]), /UTF-8/],
    ['CR', `old 0\r\n\r\n${cp}`, /old <size>/],
  ];
  for (const [what, body, re] of cases) await rejects(t, w.witness.addCheckpoint(typeof body === 'string' ? Buffer.from(body) : body), 'MALFORMED_REQUEST', re).then(() => t.pass(what));
  t.equal(w.witness.latest(tl.origin), undefined, 'nothing stored');
});

t.test('state survives a restart; the name and key stay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-witness-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const a = openWitness({ dataDir: dir, name: 'witness.example/w1', logs: [parseWitnessedLogSpec(`${tl.origin} ${tl.vkey}`)] });
  await add(a, 0, [], (await tl.grow(3)).text);
  const vkey = a.verifierKey;
  a.close();
  const b = openWitness({ dataDir: dir, logs: [parseWitnessedLogSpec(`${tl.origin} ${tl.vkey}`)] });
  t.teardown(() => b.close());
  t.equal(b.verifierKey, vkey, 'same key and name');
  t.equal(b.witness.latest(tl.origin)?.size, 3);
  await rejects(t, add(b, 0, [], (await tl.grow(1)).text), 'OLD_SIZE_MISMATCH');
  t.throws(() => openWitness({ dataDir: dir, name: 'other/name', logs: [] }), { code: 'INVALID_OPTIONS', message: /commits to that name/ });
});

t.test('concurrent adds from the same old size: exactly one advances', async (t) => {
  const { tl, w } = await setup(t);
  await add(w, 0, [], (await tl.grow(2)).text);
  const a = await tl.grow(3);
  const b = await tl.grow(3);
  const r = await Promise.allSettled([add(w, 2, tl.log.consistencyProof(2, 5), a.text), add(w, 2, tl.log.consistencyProof(2, 8), b.text)]);
  const ok = r.filter((x) => x.status === 'fulfilled').length;
  t.equal(ok, 1, 'one wins');
  const lost = r.find((x) => x.status === 'rejected') as PromiseRejectedResult;
  t.equal((lost.reason as WitnessError).code, 'OLD_SIZE_MISMATCH', 'the other gets 409 with the new size');
  t.ok([5, 8].includes(w.witness.latest(tl.origin)!.size));
});

t.test('log specs: origin with spaces (Rekor v1), several keys, refusals', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const spec = parseWitnessedLogSpec(`rekor.example - 1234 ${tl.vkey} ${tl.vkey}`);
  t.equal(spec.origin, 'rekor.example - 1234');
  t.equal(spec.verifiers.length, 2);
  t.throws(() => parseWitnessedLogSpec('just-an-origin'), { code: 'INVALID_OPTIONS' });
  t.throws(() => parseWitnessedLogSpec(`o ${tl.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')}`), { code: 'INVALID_OPTIONS' });
});
