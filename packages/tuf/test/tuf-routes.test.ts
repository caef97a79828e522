import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import t from 'tap';
import { tufRoutes, IMMUTABLE_CACHE, targetFile } from '../src/index.js';
import { buildRepository, newKeys, tmp } from './helpers.js';

t.test('static serving', async (t) => {
  const dir = tmp();
  const state = await buildRepository(dir, newKeys(), Date.now());
  writeFileSync(join(tmp(), 'secret'), 'x');
  symlinkSync('/etc/passwd', join(dir, 'link.json'));
  const app = Fastify();
  await app.register(tufRoutes, { dir });
  t.teardown(() => app.close());
  const get = (url: string) => app.inject({ method: 'GET', url });

  for (const f of ['timestamp.json', 'root.json']) {
    const r = await get(`/tuf/${f}`);
    t.equal(r.statusCode, 200, f);
    t.equal(r.headers['cache-control'], 'no-cache');
    t.match(r.headers['content-type'], /application\/json/);
  }
  for (const f of ['1.root.json', '1.snapshot.json', '1.targets.json']) {
    const r = await get(`/tuf/${f}`);
    t.equal(r.statusCode, 200, f);
    t.equal(r.headers['cache-control'], IMMUTABLE_CACHE);
  }
  const tf = state.targets.signed.targets['rekor.pub']!;
  const r = await get(`/tuf/${targetFile(tf.hashes['sha512']!, 'rekor.pub')}`);
  t.equal(r.statusCode, 200);
  t.equal(r.body.length, tf.length);
  t.equal(r.headers['cache-control'], IMMUTABLE_CACHE);
  t.equal((await app.inject({ method: 'HEAD', url: '/tuf/timestamp.json' })).statusCode, 200, 'HEAD');

  t.equal((await get('/tuf/2.root.json')).statusCode, 404, 'the next root is a 404 (go-tuf stops on 404 only)');
  t.equal((await get('/tuf/nope.json')).statusCode, 404);
  t.equal((await get('/tuf/targets/nope')).statusCode, 404);
  t.equal((await get('/tuf/link.json')).statusCode, 404, 'symlinks are not followed');
  t.equal((await get('/tuf/')).statusCode, 404);
  t.equal((await get('/tuf/targets')).statusCode, 404);
  for (const bad of ['/tuf/..%2f..%2fetc%2fpasswd', '/tuf/targets%2f..%2f1.root.json', '/tuf/targets/..%5c1.root.json', '/tuf/%2e%2e/x.json'])
    t.ok([400, 404].includes((await get(bad)).statusCode), bad);
  // light-my-request resolves dot segments itself; a raw request keeps them and gets 400
  t.notMatch((await get('/tuf/../../../../etc/passwd')).body, /root:/, 'dot segments do not leave the directory');
  t.equal((await get('/tuf/.staging-1/0')).statusCode, 404, 'dot files');
});

t.test('a custom prefix', async (t) => {
  const dir = tmp();
  await buildRepository(dir, newKeys(), Date.now());
  const app = Fastify();
  await app.register(tufRoutes, { dir, prefix: '/trust/tuf/' });
  t.teardown(() => app.close());
  t.equal((await app.inject({ method: 'GET', url: '/trust/tuf/timestamp.json' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/tuf/timestamp.json' })).statusCode, 404);
});
