import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import { formatAddCheckpointRequest, openWitness, parseWitnessedLogSpec, witnessRoutes } from '../src/index.js';
import { createTestLog } from './helpers/test-log.js';

t.test('POST /add-checkpoint: C2SP statuses, content types and bodies', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-witness-'));
  const tl = await createTestLog();
  const w = openWitness({ dataDir: dir, name: 'w.example/1', logs: [parseWitnessedLogSpec(`${tl.origin} ${tl.vkey}`)] });
  const app = Fastify();
  await app.register(witnessRoutes, { witness: w.witness, bodyLimit: 4096, prefix: '/witness' });
  t.teardown(async () => {
    await app.close();
    w.close();
    await tl.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = (payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'text/plain' }) =>
    app.inject({ method: 'POST', url: '/witness/add-checkpoint', payload, headers });

  const cp3 = await tl.grow(3);
  let r = await post(formatAddCheckpointRequest(0, [], cp3.text));
  t.equal(r.statusCode, 200);
  t.match(r.headers['content-type'], /^text\/plain/);
  t.match(r.body, /^— w\.example\/1 \S+\n$/);

  const cp6 = await tl.grow(3);
  r = await post(formatAddCheckpointRequest(1, tl.log.consistencyProof(1, 6), cp6.text));
  t.equal(r.statusCode, 409, 'wrong old size');
  t.equal(r.headers['content-type'], 'text/x.tlog.size');
  t.equal(r.body, '3\n', 'the body is the size held');

  const bad = tl.log.consistencyProof(3, 6).map(() => Buffer.alloc(32));
  r = await post(formatAddCheckpointRequest(3, bad, cp6.text));
  t.equal(r.statusCode, 422);
  t.same(Object.keys(r.json()).sort(), ['code', 'message']);
  t.equal(r.json().code, 422);

  r = await post(formatAddCheckpointRequest(3, [], await tl.forge(3, Buffer.alloc(32, 1))));
  t.equal(r.statusCode, 422);
  t.match(r.json().message, /^fork/);

  r = await post('old 0\n\nnot a checkpoint\n');
  t.equal(r.statusCode, 400);
  t.match(r.json().message, /malformed/);
  r = await post(formatAddCheckpointRequest(9, [], cp6.text));
  t.equal(r.statusCode, 400, 'old larger than the size');
  r = await post(formatAddCheckpointRequest(3, tl.log.consistencyProof(3, 6), cp6.text.replace(/— (\S+) ./, '— $1 A')));
  t.ok(r.statusCode === 403 || r.statusCode === 400, `tampered signature: ${r.statusCode}`);
  const stranger = await createTestLog('stranger.example/log');
  t.teardown(() => stranger.close());
  r = await post(formatAddCheckpointRequest(0, [], (await stranger.grow(1)).text));
  t.equal(r.statusCode, 404);

  r = await post(`old 0\n\n${'x'.repeat(5000)}`);
  t.equal(r.statusCode, 413, 'over the body limit');
  t.equal(r.json().code, 413);
  r = await post(formatAddCheckpointRequest(3, tl.log.consistencyProof(3, 6), cp6.text), { 'content-type': 'application/octet-stream' });
  t.equal(r.statusCode, 200, 'any content type is read as bytes');
  r = await app.inject({ method: 'POST', url: '/witness/add-checkpoint' });
  t.equal(r.statusCode, 400, 'no body');
  r = await app.inject({ method: 'GET', url: '/witness/add-checkpoint' });
  t.equal(r.statusCode, 404);

  const hash = createHash('sha256').update(tl.origin).digest('hex');
  r = await app.inject({ method: 'GET', url: `/witness/${hash}/checkpoint` });
  t.equal(r.statusCode, 200, 'monitoring: the latest cosigned checkpoint');
  t.match(r.body, /^log\.example\/test\n6\n/);
  t.equal(r.body.split('\n— ').length - 1, 2, 'log signature and cosignature');
  r = await app.inject({ method: 'GET', url: `/witness/${'0'.repeat(64)}/checkpoint` });
  t.equal(r.statusCode, 404);

  // The server still serves after all of that.
  const cp7 = await tl.grow(1);
  r = await post(formatAddCheckpointRequest(6, tl.log.consistencyProof(6, 7), cp7.text));
  t.equal(r.statusCode, 200);
});
