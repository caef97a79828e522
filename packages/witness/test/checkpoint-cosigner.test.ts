import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralSigner } from '@sigstack/core';
import { createCosignatureV1Signer, parseNote, parseVerifierKey, verifyNote, type Checkpoint } from '@sigstack/merkle';
import t, { type Test } from 'tap';
import {
  createCheckpointCosigner,
  formatAddCheckpointRequest,
  openWitness,
  parseAddCheckpointRequest,
  parseWitnessedLogSpec,
  WitnessError,
  type CheckpointCosignerOptions,
  type WitnessInstance,
} from '../src/index.js';
import { createTestLog, type TestLog } from './helpers/test-log.js';

type Handler = (body: string) => Promise<Response>;

/** A fetch that routes `<url>/add-checkpoint` to in-process handlers, counting requests. */
function router(routes: Record<string, Handler>) {
  const calls: { url: string; body: string }[] = [];
  const f = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input).replace(/\/add-checkpoint$/, '');
    const body = String(init?.body ?? '');
    calls.push({ url, body });
    const h = routes[url];
    if (!h) throw new TypeError('fetch failed: connection refused');
    const signal = init?.signal;
    return await new Promise<Response>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason));
      h(body).then(resolve, reject);
    });
  }) as typeof fetch;
  return { fetch: f, calls };
}

/** A real witness behind a handler that speaks the HTTP answers. */
function honest(w: WitnessInstance): Handler {
  return async (body) => {
    try {
      return new Response(await w.witness.addCheckpoint(Buffer.from(body)), { status: 200 });
    } catch (e) {
      const err = e as WitnessError;
      if (err.code === 'OLD_SIZE_MISMATCH') return new Response(`${err.size}\n`, { status: 409, headers: { 'content-type': 'text/x.tlog.size' } });
      return new Response(JSON.stringify({ message: err.message }), { status: err.code === 'FORK' ? 422 : 400 });
    }
  };
}

async function witnesses(t: Test, tl: TestLog, n: number): Promise<WitnessInstance[]> {
  const out: WitnessInstance[] = [];
  for (let i = 0; i < n; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'sigstack-cosigner-'));
    const w = openWitness({ dataDir: dir, name: `w${i}.example/witness`, logs: [parseWitnessedLogSpec(`${tl.origin} ${tl.vkey}`)] });
    t.teardown(() => {
      w.close();
      rmSync(dir, { recursive: true, force: true });
    });
    out.push(w);
  }
  return out;
}

function cosigner(t: Test, tl: TestLog, o: Partial<CheckpointCosignerOptions> & Pick<CheckpointCosignerOptions, 'witnesses' | 'quorum'>) {
  const logged: string[] = [];
  const c = createCheckpointCosigner({
    consistencyProof: (a, b) => tl.log.consistencyProof(a, b),
    timeoutMs: 2000,
    retryMs: 10,
    logger: { warn: (_o, m) => logged.push(m), error: (_o, m) => logged.push(m) },
    ...o,
  });
  t.teardown(() => c.close());
  return { c, logged };
}

const endpoint = (w: WitnessInstance, url: string) => ({ name: w.name, url, verifierKey: w.verifierKey });

function cosignersOf(note: string): string[] {
  return parseNote(note).signatures.map((s) => s.name);
}

t.test('2-of-2: the checkpoint comes back with both cosignatures, each verifiable', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [a, b] = await witnesses(t, tl, 2);
  const r = router({ 'http://a': honest(a!), 'http://b': honest(b!) });
  const { c } = cosigner(t, tl, { witnesses: [endpoint(a!, 'http://a'), endpoint(b!, 'http://b')], quorum: 2, fetch: r.fetch });
  const cp1 = await tl.grow(3);
  const note1 = await c.cosign(cp1);
  t.same(cosignersOf(note1), [tl.origin, a!.name, b!.name], 'log signature first, then the witnesses in configured order');
  t.ok(note1.startsWith(parseNote(cp1.text).text), 'same body');
  for (const w of [a!, b!]) t.equal(verifyNote(note1, [parseVerifierKey(w.verifierKey)]).verified.length, 1);
  t.equal(verifyNote(note1, [parseVerifierKey(tl.vkey)]).verified.length, 1, 'the log verifier ignores the cosignatures');
  const cp2 = await tl.grow(5);
  const note2 = await c.cosign(cp2);
  t.equal(cosignersOf(note2).length, 3);
  const second = r.calls.filter((x) => x.url === 'http://a')[1]!;
  const req = parseAddCheckpointRequest(Buffer.from(second.body));
  t.equal(req.oldSize, 3, 'the second request proves from the size the witness holds');
  t.equal(req.proof.length, tl.log.consistencyProof(3, 8).length);
  t.equal(c.served(cp2), note2, 'the served checkpoint carries the cosignatures');
  t.same(c.status().map((s) => s.size), [8, 8]);
});

t.test('lying witnesses: another key under the name, a signature over another body, garbage: dropped, never served', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [good, liar] = await witnesses(t, tl, 2);
  const impostor = createCosignatureV1Signer(liar!.name, createEphemeralSigner('ed25519'));
  const realLiarKey = liar!;
  const lies: Handler[] = [
    async (body) => {
      const text = parseNote(parseAddCheckpointRequest(Buffer.from(body)).checkpoint).text;
      const sig = await impostor.sign(Buffer.from(text));
      return new Response(`— ${impostor.name} ${Buffer.concat([impostor.keyHint, sig]).toString('base64')}\n`);
    },
    async () => {
      // Its own valid cosignature, but of a checkpoint it made up: the witness's key, another body.
      const other = await tl.forge(1, Buffer.alloc(32, 3));
      const line = await realLiarKey.witness.addCheckpoint(Buffer.from(formatAddCheckpointRequest(0, [], other))).catch(() => undefined);
      return new Response(line ?? '— nonsense AAAA\n');
    },
    async () => new Response('hello, I am a witness\n'),
  ];
  for (const [i, lie] of lies.entries()) {
    const r = router({ 'http://good': honest(good!), 'http://liar': lie });
    const { c, logged } = cosigner(t, tl, { witnesses: [endpoint(good!, 'http://good'), endpoint(liar!, 'http://liar')], quorum: 1, fetch: r.fetch });
    const cp = await tl.grow(1, `lie${i}`);
    const note = await c.cosign(cp);
    t.same(cosignersOf(note), [tl.origin, good!.name], `lie ${i}: only the honest cosignature`);
    await new Promise((res) => setTimeout(res, 20));
    t.same(cosignersOf(c.served(cp)), [tl.origin, good!.name], `lie ${i}: nothing of the liar served`);
    t.ok(logged.some((m) => /no valid cosignature/.test(m)), `lie ${i}: logged`);
    t.ok(c.status()[1]!.failures >= 1);
    await c.close();
  }
});

t.test('a witness that hangs: quorum 2 times out (QUORUM_NOT_MET), quorum 1 still answers', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [a, hang] = await witnesses(t, tl, 2);
  const never: Handler = () => new Promise<Response>(() => {});
  const r = router({ 'http://a': honest(a!), 'http://hang': never });
  const ws = [endpoint(a!, 'http://a'), endpoint(hang!, 'http://hang')];
  const strict = cosigner(t, tl, { witnesses: ws, quorum: 2, timeoutMs: 150, fetch: r.fetch }).c;
  const cp = await tl.grow(2);
  const err = await strict.cosign(cp).then(
    () => undefined,
    (e: unknown) => e as WitnessError,
  );
  t.equal(err?.code, 'QUORUM_NOT_MET');
  t.match(err?.message, /1 of the 2/);
  t.same(cosignersOf(strict.served(cp)), [tl.origin, a!.name], 'fail open: what did arrive is served');
  const loose = cosigner(t, tl, { witnesses: ws, quorum: 1, timeoutMs: 150, fetch: r.fetch }).c;
  const cp2 = await tl.grow(1);
  t.same(cosignersOf(await loose.cosign(cp2)), [tl.origin, a!.name]);
});

t.test('quorum 2 of 3 with one witness down', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [a, b, down] = await witnesses(t, tl, 3);
  const r = router({ 'http://a': honest(a!), 'http://b': honest(b!) });
  const { c, logged } = cosigner(t, tl, {
    witnesses: [endpoint(a!, 'http://a'), endpoint(b!, 'http://b'), endpoint(down!, 'http://down')],
    quorum: 2,
    fetch: r.fetch,
  });
  const note = await c.cosign(await tl.grow(4));
  t.same(cosignersOf(note).slice(1).sort(), [a!.name, b!.name]);
  await new Promise((res) => setTimeout(res, 20));
  t.match(c.status()[2]!.lastError ?? '', /connection refused/);
  t.ok(logged.length > 0);
});

t.test('coalescing: one request in flight per witness, then only the newest', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [w] = await witnesses(t, tl, 1);
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  const h = honest(w!);
  const r = router({ 'http://slow': async (body) => (await gate, h(body)) });
  const { c } = cosigner(t, tl, { witnesses: [endpoint(w!, 'http://slow')], quorum: 1, fetch: r.fetch });
  const cps: Checkpoint[] = [];
  for (let i = 0; i < 20; i++) {
    cps.push(await tl.grow(1));
    c.offer(cps[cps.length - 1]!);
  }
  t.equal(r.calls.length, 1, 'twenty checkpoints, one request while the witness is busy');
  release();
  await new Promise((res) => setTimeout(res, 50));
  t.equal(r.calls.length, 2, 'then one more, for the newest');
  t.equal(parseAddCheckpointRequest(Buffer.from(r.calls[1]!.body)).checkpoint, cps[19]!.text);
  t.equal(c.status()[0]!.size, 20);
  t.equal(cosignersOf(c.served(cps[19]!)).length, 2);
});

t.test('409: the witness holds another size; the cosigner retries once from it', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [w] = await witnesses(t, tl, 1);
  await w!.witness.addCheckpoint(Buffer.from(formatAddCheckpointRequest(0, [], (await tl.grow(6)).text)));
  const r = router({ 'http://w': honest(w!) });
  const { c } = cosigner(t, tl, { witnesses: [endpoint(w!, 'http://w')], quorum: 1, fetch: r.fetch });
  const note = await c.cosign(await tl.grow(2));
  t.equal(cosignersOf(note).length, 2);
  t.same(
    r.calls.map((x) => parseAddCheckpointRequest(Buffer.from(x.body)).oldSize),
    [0, 6],
    'old 0, 409 "6", old 6',
  );
});

t.test('waiting on an older checkpoint: it is sent before newer ones', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [w] = await witnesses(t, tl, 1);
  const r = router({ 'http://w': honest(w!) });
  const { c } = cosigner(t, tl, { witnesses: [endpoint(w!, 'http://w')], quorum: 1, fetch: r.fetch });
  const cp1 = await tl.grow(1);
  const cp2 = await tl.grow(1);
  const [n1, n2] = await Promise.all([c.cosign(cp1), c.cosign(cp2)]);
  t.ok(n1.startsWith(parseNote(cp1.text).text) && n2.startsWith(parseNote(cp2.text).text), 'each answer carries its own checkpoint');
  t.equal(cosignersOf(n1).length, 2);
  t.equal(cosignersOf(n2).length, 2);
});

t.test('options are checked', async (t) => {
  const tl = await createTestLog();
  t.teardown(() => tl.close());
  const [w] = await witnesses(t, tl, 1);
  const proof = () => [];
  t.throws(() => createCheckpointCosigner({ witnesses: [], quorum: 1, consistencyProof: proof }), { code: 'INVALID_OPTIONS' });
  t.throws(() => createCheckpointCosigner({ witnesses: [endpoint(w!, 'http://w')], quorum: 2, consistencyProof: proof }), { code: 'INVALID_OPTIONS' });
  t.throws(() => createCheckpointCosigner({ witnesses: [{ name: 'x', url: 'http://w', verifierKey: tl.vkey }], quorum: 1, consistencyProof: proof }), {
    code: 'INVALID_OPTIONS',
    message: /type 0x04/,
  });
  t.throws(() => createCheckpointCosigner({ witnesses: [endpoint(w!, 'not a url')], quorum: 1, consistencyProof: proof }), { code: 'INVALID_OPTIONS' });
  t.throws(() => createCheckpointCosigner({ witnesses: [endpoint(w!, 'http://a'), endpoint(w!, 'http://b')], quorum: 1, consistencyProof: proof }), {
    code: 'INVALID_OPTIONS',
  });
});
