import t, { type Test } from 'tap';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../src/build-app.js';
import { DEFAULT_CONFIG, type SheddingConfig } from '../src/config.js';
import { routeClassOf } from '../src/load-shedder.js';

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const shedding: SheddingConfig = { ...DEFAULT_CONFIG.shedding, maxEventLoopDelayMs: 80, writes: { maxQueueAgeMs: 30 }, reads: { maxQueueAgeMs: 30 } };

async function appWithSlowRoutes(t: Test, config: SheddingConfig = shedding) {
  const app = await buildApp({ logLevel: 'warn', logStream: quiet, services: {}, shedding: config });
  const gates: (() => void)[] = [];
  const wait = () => new Promise<void>((r) => gates.push(r));
  app.post('/api/v1/log/entries', async () => (await wait(), { ok: true }));
  // A route with a 5xx response schema the 503 does not fit (as Fulcio's): the refusal must not become a 500.
  const grpcError = { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' }, details: { type: 'array' } }, required: ['code', 'message', 'details'] };
  app.post('/api/v2/signingCert', { schema: { response: { '5xx': grpcError } } }, async () => ({ ok: true }));
  app.post('/api/v1/log/entries/retrieve', async () => ({ ok: true }));
  app.get('/api/v1/log', async () => ({ ok: true }));
  await app.ready();
  t.teardown(() => app.close());
  return { app, release: () => gates.splice(0).forEach((g) => g()) };
}

t.test('route classes: POSTs that create are writes; searches and GETs are reads', async (t) => {
  t.equal(routeClassOf('POST', '/api/v1/log/entries'), 'write');
  t.equal(routeClassOf('POST', '/api/v2/signingCert'), 'write');
  t.equal(routeClassOf('POST', '/2026/ct/v1/add-pre-chain'), 'write');
  t.equal(routeClassOf('POST', '/api/v1/timestamp'), 'write');
  t.equal(routeClassOf('POST', '/api/v1/log/entries/retrieve'), 'read');
  t.equal(routeClassOf('POST', '/api/v1/index/retrieve'), 'read');
  t.equal(routeClassOf('GET', '/api/v1/log/entries'), 'read');
});

t.test('queue age: writes past the bound get 503 + Retry-After before the body is read; reads go on; recovery', async (t) => {
  const { app, release } = await appWithSlowRoutes(t);
  const first = app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: { a: 1 } });
  await sleep(60); // the held write is now older than the 30 ms bound
  // A body that is not JSON at all: refused for load before any parser sees it.
  const shed = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: '{not json', headers: { 'content-type': 'application/json' } });
  t.equal(shed.statusCode, 503);
  t.match(shed.headers['retry-after'], /^[1-3]$/);
  t.match(shed.json(), { code: 503, message: /writes queued for \d+ ms/ });
  const fulcioLike = await app.inject({ method: 'POST', url: '/api/v2/signingCert', payload: {} });
  t.equal(fulcioLike.statusCode, 503, 'a route with its own 5xx schema is refused the same way');
  t.match(fulcioLike.json(), { code: 503, message: /queued/ });
  const read = await app.inject({ method: 'GET', url: '/api/v1/log' });
  t.equal(read.statusCode, 200, 'reads are bounded on their own');
  const search = await app.inject({ method: 'POST', url: '/api/v1/log/entries/retrieve', payload: {} });
  t.equal(search.statusCode, 200, 'a search is a read');
  for (const path of ['/healthz', '/readyz', '/metrics']) t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200, `${path} is never shed`);
  release();
  t.equal((await first).statusCode, 200, 'the accepted request completes');
  const after = app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: { a: 2 } });
  await sleep(5);
  release();
  t.equal((await after).statusCode, 200, 'recovers by itself once the queue drains');
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /sigstack_shed_requests_total\{class="write",reason="queue-age"\} 2/);
  t.match(metrics, /sigstack_shed_requests_total\{class="read",reason="queue-age"\} 0/);
  t.match(metrics, /sigstack_queue_age_seconds\{class="write"\} /);
});

t.test('event-loop delay: every class is refused while the loop runs late, then recovers', async (t) => {
  const { app } = await appWithSlowRoutes(t);
  await sleep(50);
  const stall = async () => {
    const until = performance.now() + 150;
    while (performance.now() < until); // the loop is stuck: the sampling timer cannot fire
    await sleep(1); // the timer fires, late (and not again on time before the next stall)
  };
  await stall();
  await sleep(30);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/log' })).statusCode, 200, 'one stall that has ended is not load');
  await stall();
  await stall();
  const shed = await app.inject({ method: 'GET', url: '/api/v1/log' });
  t.equal(shed.statusCode, 503);
  t.match(shed.json(), { message: /event loop \d+ ms behind/ });
  t.match(shed.headers['retry-after'], /^[1-3]$/);
  await sleep(100);
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/log' })).statusCode, 200, 'recovers');
  t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /sigstack_shed_requests_total\{class="read",reason="event-loop"\} 1/);
});

t.test('enabled: false never refuses', async (t) => {
  const { app, release } = await appWithSlowRoutes(t, { ...shedding, enabled: false });
  const first = app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: { a: 1 } });
  await sleep(60);
  const second = app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: { a: 2 } });
  await sleep(5);
  release();
  t.equal((await first).statusCode, 200);
  t.equal((await second).statusCode, 200);
});
