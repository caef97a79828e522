// Issue 10: a start in three steps (open services, bind identity, publish trust), and
// no request reaches a half-built stack: 503 + Retry-After until listen() is done.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempStack } from './fixtures.js';

const { stack, cleanup } = await tempStack({}, { listen: false });
t.teardown(cleanup);
const app = stack.app;

t.test('before listen(): every request but /healthz is 503 + Retry-After, /readyz says starting', async (t) => {
  t.equal(stack.ready, false);
  t.notOk(existsSync(join(stack.trustDir, 'trusted_root.json')), 'no trust material yet');
  for (const [method, url] of [
    ['POST', '/api/v2/signingCert'],
    ['POST', '/api/v1/log/entries'],
    ['GET', '/api/v1/log'],
    ['GET', '/api/v2/configuration'],
    ['GET', '/tuf/1.root.json'],
  ] as const) {
    const r = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
    t.equal(r.statusCode, 503, `${method} ${url}`);
    t.match(r.headers['retry-after'], /^[12]$/);
    t.same(r.json(), { code: 503, message: 'the stack is starting: retry shortly' });
  }
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'alive');
  const readyz = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(readyz.statusCode, 503);
  t.match(readyz.json(), { status: 'starting' });
});

t.test('after listen(): identity bound, trust published, ready', async (t) => {
  const url = await stack.listen();
  t.equal(stack.ready, true);
  t.ok(existsSync(join(stack.trustDir, 'trusted_root.json')));
  t.ok(existsSync(join(stack.trustDir, 'root.json')), 'TUF root published');
  const readyz = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(readyz.statusCode, 200);
  t.match(readyz.json(), { status: 'ready' });
  const cfg = await app.inject({ method: 'GET', url: '/api/v2/configuration' });
  t.equal(cfg.statusCode, 200);
  t.match(JSON.stringify(cfg.json()), `${url}/oidc`, 'the development issuers of this origin are bound');
  const noToken = await app.inject({ method: 'POST', url: '/api/v2/signingCert', payload: {} });
  t.equal(noToken.statusCode, 401, 'the CA answers for itself now');
});
