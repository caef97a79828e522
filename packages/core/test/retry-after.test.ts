import t from 'tap';
import { DEFAULT_RETRY_AFTER, retryAfterSeconds } from '../src/index.js';

t.test('jittered whole seconds within the range', async (t) => {
  t.same(DEFAULT_RETRY_AFTER, { minSeconds: 1, maxSeconds: 2 });
  t.equal(retryAfterSeconds(undefined, () => 0), '1');
  t.equal(retryAfterSeconds(undefined, () => 0.999999), '2');
  t.equal(retryAfterSeconds({ minSeconds: 2, maxSeconds: 5 }, () => 0.5), '4');
  t.equal(retryAfterSeconds({ minSeconds: 3, maxSeconds: 1 }, () => 0.9), '3', 'an inverted range collapses to its minimum');
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(retryAfterSeconds());
  t.same([...seen].sort(), ['1', '2']);
});

t.test('requestErrorReply: framework refusals by shape, nothing else', async (t) => {
  const { requestErrorReply, INTERNAL_ERROR_REPLY } = await import('../src/index.js');
  t.same(requestErrorReply(Object.assign(new Error('body/kind must be string'), { validation: [{}], statusCode: 400 })), {
    status: 400,
    message: 'invalid request: body/kind must be string',
    retry: false,
  });
  t.same(requestErrorReply(Object.assign(new Error('too large'), { statusCode: 413 })), { status: 413, message: 'too large', retry: false });
  t.equal(requestErrorReply(Object.assign(new Error('boom'), { statusCode: 500 })), undefined);
  t.equal(requestErrorReply(new Error('boom')), undefined);
  t.equal(requestErrorReply('x'), undefined);
  t.same(INTERNAL_ERROR_REPLY, { status: 500, message: 'internal server error', retry: false });
});
