// The tlog-tiles plugin over an in-memory engine log: status, headers and bytes of
// every route, hostile paths, and the entry bundle that cannot hold a >64 KiB entry.
import t from 'tap';
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { createEphemeralSigner } from '@sigstack/core';
import { createEcdsaNoteSigner, decodeEntryBundle, MemoryStore, openLog } from '@sigstack/merkle';
import { CHECKPOINT_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL, PARTIAL_CACHE_CONTROL, tlogTilesRoutes } from '../src/index.js';

const signer = createEphemeralSigner('ecdsa-p256-sha256');
const log = await openLog({ store: new MemoryStore(), create: true, origin: 'tiles.test', noteSigner: createEcdsaNoteSigner('tiles.test', signer), maxBatchWaitMs: 1 });
t.teardown(() => log.close());
const leaf = (i: number) => Buffer.from(`entry ${i}`);
await Promise.all(Array.from({ length: 300 }, (_, i) => log.add({ identity: leaf(i), leaf: leaf(i) })));

const app = Fastify();
await app.register(tlogTilesRoutes, { prefix: '/log', source: log });
// The same log with a cosigned note in place of its own (witness cosignatures).
await app.register(tlogTilesRoutes, { prefix: '/cosigned', source: log, checkpointText: () => `${log.checkpoint().text}— witness.example AAAAAAAA\n` });
t.teardown(() => app.close());

t.test('checkpoint: the signed note, text/plain, no-cache, ETag and 304', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/log/checkpoint' });
  t.equal(r.statusCode, 200);
  t.equal(r.body, log.checkpoint().text);
  t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  t.equal(r.headers['cache-control'], CHECKPOINT_CACHE_CONTROL);
  const etag = r.headers.etag as string;
  t.match(etag, /^"[A-Za-z0-9_-]{22}"$/);
  const again = await app.inject({ method: 'GET', url: '/log/checkpoint', headers: { 'if-none-match': etag } });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  const head = await app.inject({ method: 'HEAD', url: '/log/checkpoint' });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
  t.equal(head.headers['content-type'], 'text/plain; charset=utf-8');
  const cosigned = await app.inject({ method: 'GET', url: '/cosigned/checkpoint' });
  t.equal(cosigned.body, `${log.checkpoint().text}— witness.example AAAAAAAA\n`, 'checkpointText overrides the served note');
  t.not(cosigned.headers.etag, etag, 'another text, another ETag');
});

t.test('hash tiles: full immutable, partial cacheable, exactly the engine bytes', async (t) => {
  const full = await app.inject({ method: 'GET', url: '/log/tile/0/000' });
  t.equal(full.statusCode, 200);
  t.equal(full.headers['content-type'], 'application/octet-stream');
  t.equal(full.headers['cache-control'], IMMUTABLE_CACHE_CONTROL);
  t.equal(full.rawPayload.length, 8192);
  t.same(full.rawPayload, log.readTile(0, 0));
  for (const [url, bytes] of [
    ['/log/tile/0/001.p/44', log.readTile(0, 1, 44)],
    ['/log/tile/1/000.p/1', log.readTile(1, 0, 1)],
    ['/log/tile/0/000.p/10', log.readTile(0, 0).subarray(0, 320)],
  ] as const) {
    const r = await app.inject({ method: 'GET', url });
    t.equal(r.statusCode, 200, url);
    t.equal(r.headers['cache-control'], PARTIAL_CACHE_CONTROL, `${url}: partial, not immutable`);
    t.same(r.rawPayload, bytes, url);
  }
  const head = await app.inject({ method: 'HEAD', url: '/log/tile/0/000' });
  t.equal(head.statusCode, 200);
  t.equal(head.headers['content-length'], '8192');
  t.equal(head.body, '');
});

t.test('entry bundles: uint16-length-prefixed leaves', async (t) => {
  const full = await app.inject({ method: 'GET', url: '/log/tile/entries/000' });
  t.equal(full.statusCode, 200);
  t.equal(full.headers['cache-control'], IMMUTABLE_CACHE_CONTROL);
  t.same(decodeEntryBundle(full.rawPayload), Array.from({ length: 256 }, (_, i) => log.entry(i)!.leaf));
  const part = await app.inject({ method: 'GET', url: '/log/tile/entries/001.p/44' });
  t.equal(part.statusCode, 200);
  t.equal(part.headers['cache-control'], PARTIAL_CACHE_CONTROL);
  t.equal(decodeEntryBundle(part.rawPayload).length, 44);
});

t.test('hostile and out-of-tree paths: 404 {code, message}, no-store, and the server goes on', async (t) => {
  for (const path of [
    'tile/0/001', // full tile beyond the tree (the tree has 300 leaves)
    'tile/0/001.p/45', // wider than the right edge
    'tile/0/002.p/1',
    'tile/1/000', // level 1 has one hash
    'tile/2/000.p/1',
    'tile/entries/001',
    'tile/entries/001.p/45',
    'tile/0/../checkpoint',
    // ('tile/../checkpoint' is resolved by inject's URL parser before routing; test/tlog-tiles.test.ts sends it raw.)
    'tile/0/x1/2',
    'tile/0/x000/001',
    'tile/0/0001',
    'tile/0/1',
    'tile/00/000',
    'tile/0/000/',
    'tile/0/x999/x999/x999/x999/x999/x999/999',
    'tile/0/x009/x007/x199/x254/x740/x993', // 2^53: not a safe integer
    'tile/64/000',
    'tile/63/000.p/1',
    'tile/0/000.p/0',
    'tile/0/000.p/256',
    'tile/0/000.p/01',
    'tile/entries/000.p/300',
    'tile/data/000',
    'tile/0/000?x=1'.replace('?', '%3F'),
    'tile/',
  ]) {
    const r = await app.inject({ method: 'GET', url: `/log/${path}` });
    t.equal(r.statusCode, 404, path);
    t.equal(r.headers['cache-control'], 'no-store', `${path}: no cache keeps a 404`);
    t.match(r.json(), { code: 404, message: /\S/ }, path);
  }
  t.equal((await app.inject({ method: 'GET', url: '/log/tile/0/000' })).statusCode, 200, 'still serving');
  t.equal((await app.inject({ method: 'POST', url: '/log/checkpoint', payload: 'x' })).statusCode, 404, 'no writes');
});

t.test('an entry above 65535 bytes: its bundle refuses clearly, the hash tiles are served', async (t) => {
  const big = await openLog({ store: new MemoryStore(), create: true, origin: 'big.test', noteSigner: createEcdsaNoteSigner('big.test', signer), maxBatchWaitMs: 1 });
  t.teardown(() => big.close());
  const leaves = [Buffer.from('small'), Buffer.alloc(70_000, 1), Buffer.from('after')];
  for (const l of leaves) await big.add({ identity: createHash('sha256').update(l).digest(), leaf: l });
  const a = Fastify();
  await a.register(tlogTilesRoutes, { prefix: '/big', source: big });
  t.teardown(() => a.close());
  const r = await a.inject({ method: 'GET', url: '/big/tile/entries/000.p/3' });
  t.equal(r.statusCode, 404);
  t.match(r.json(), { code: 404, message: /^tile\/entries\/000\.p\/3 cannot be served: .*65535.*70000 bytes/ });
  t.equal((await a.inject({ method: 'GET', url: '/big/tile/entries/000.p/1' })).statusCode, 200, 'a bundle before the big entry is served');
  t.equal((await a.inject({ method: 'GET', url: '/big/tile/0/000.p/3' })).statusCode, 200, 'hash tiles cover every entry');
});
