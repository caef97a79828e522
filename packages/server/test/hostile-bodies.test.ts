// Issue 10 findings on request bodies, through the whole stack (buildApp + every service).
import t from 'tap';
import { tempStack } from './fixtures.js';

const { stack, cleanup } = await tempStack();
t.teardown(cleanup);
const app = stack.app;

const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

t.test('deeply nested JSON is refused with a clear 400, not "Maximum call stack size exceeded"', async (t) => {
  for (const [url, body] of [
    ['/api/v1/log/entries', `{"kind":"hashedrekord","apiVersion":"0.0.1","spec":${deepObject(20_000)}}`],
    ['/api/v1/log/entries', `{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"x":${deepArray(100)}}}`],
    ['/api/v1/log/entries/retrieve', `{"entries":[${deepObject(20_000)}]}`],
    ['/api/v1/index/retrieve', `{"hash":${deepArray(20_000)}}`],
    ['/ct/v1/add-chain', `{"chain":${deepArray(20_000)}}`],
  ] as const) {
    const r = await app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json' } });
    t.equal(r.statusCode, 400, url);
    t.same(r.json(), { code: 400, message: 'request body: JSON nested deeper than 64 levels' }, url);
  }
  const f = await app.inject({ method: 'POST', url: '/api/v2/signingCert', payload: `{"credentials":${deepObject(5_000)}}`, headers: { 'content-type': 'application/json' } });
  t.equal(f.statusCode, 400);
  t.same(f.json(), { code: 3, message: 'request body: JSON nested deeper than 64 levels', details: [] }, 'Fulcio: grpc-gateway shape');
  const shallow = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: `{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"x":${deepArray(60)}}}`, headers: { 'content-type': 'application/json' } });
  t.equal(shallow.statusCode, 400);
  t.notMatch(shallow.json().message, /nested|call stack/, 'within the limit the entry type refuses it for what it is');
});
