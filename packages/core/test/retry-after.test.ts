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

t.test('signerUnavailableReply: SIGNER_UNAVAILABLE anywhere down the cause chain is 503 + Retry-After', async (t) => {
  const { signerUnavailableReply, CoreError, SigstackError } = await import('../src/index.js');
  const gone = new CoreError('SIGNER_UNAVAILABLE', 'the HSM key pkcs11:token=t;object=k is unavailable: CKR_DEVICE_REMOVED');
  const wrapped = new SigstackError('SIGNING_FAILED', 'cannot sign the batch', { cause: new SigstackError('CA_UNAVAILABLE', 'x', { cause: gone }) });
  for (const e of [gone, wrapped])
    t.same(signerUnavailableReply(e), { status: 503, message: `the signing key is unavailable for now: ${gone.message}`, retry: true });
  t.equal(signerUnavailableReply(new SigstackError('SIGNING_FAILED', 'other', { cause: new Error('boom') })), undefined);
  t.equal(signerUnavailableReply(new CoreError('KEY_FILE', 'missing')), undefined);
  t.equal(signerUnavailableReply(Object.assign(new Error('look-alike'), { code: 'SIGNER_UNAVAILABLE' })), undefined, 'only a CoreError counts');
  t.equal(signerUnavailableReply('SIGNER_UNAVAILABLE'), undefined);
  // A cause cycle ends.
  const a = new SigstackError('A', 'a') as { cause?: unknown };
  a.cause = a;
  t.equal(signerUnavailableReply(a), undefined);
});
