// The explorer's static files under /ui/: content types, cache headers and the CSP on
// every answer, a fixed set of files (no path reaches the file system), and a clear
// 404 when the explorer has not been built.
import t from 'tap';
import Fastify from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explorerRoutes, EXPLORER_CSP } from '../src/explorer-routes.js';

async function appFor(dir: string) {
  const app = Fastify();
  await app.register(explorerRoutes, { dir });
  return app;
}

t.test('serves index.html and hashed assets with their types, caching and CSP', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'explorer-dist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'export {}');
  writeFileSync(join(dir, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(dir, 'assets', 'notes.txt'), 'not served: no type of ours');
  writeFileSync(join(dir, 'secret.json'), '{}');
  const app = await appFor(dir);
  t.teardown(() => app.close());
  for (const url of ['/ui/', '/ui/index.html']) {
    const r = await app.inject({ url });
    t.equal(r.statusCode, 200, url);
    t.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
    t.equal(r.headers['cache-control'], 'no-cache');
    t.equal(r.headers['content-security-policy'], EXPLORER_CSP);
    t.equal(r.headers['x-content-type-options'], 'nosniff');
  }
  const js = await app.inject({ url: '/ui/assets/index-abc.js' });
  t.match(js.headers['content-type'], /^text\/javascript/);
  t.match(js.headers['cache-control'], /immutable/);
  t.match((await app.inject({ url: '/ui/assets/index-abc.css' })).headers['content-type'], /^text\/css/);
  const redirect = await app.inject({ url: '/ui' });
  t.equal(redirect.statusCode, 301);
  t.equal(redirect.headers.location, '/ui/');
  for (const url of ['/ui/assets/notes.txt', '/ui/secret.json', '/ui/assets/../secret.json', '/ui/assets/%2e%2e/secret.json', '/ui/..%2fpackage.json', `/ui/${'a'.repeat(5000)}`]) {
    const r = await app.inject({ url });
    t.equal(r.statusCode, 404, url.slice(0, 60));
    t.equal(r.json().code, 404);
    t.equal(r.headers['content-security-policy'], EXPLORER_CSP);
  }
});

t.test('without a build, /ui/ says how to make one', async (t) => {
  const app = await appFor(join(tmpdir(), 'no-such-explorer-dist'));
  t.teardown(() => app.close());
  const r = await app.inject({ url: '/ui/' });
  t.equal(r.statusCode, 404);
  t.match(r.json(), { code: 404, message: /not built: run "pnpm build"/ });
});
