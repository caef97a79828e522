// signing_config.v0.2.json with a Rekor v2 log (protocols.md §9.3): v2 listed first with
// majorApiVersion 2, v1 after it; sigstore-go picks by API version, not by order.
import t from 'tap';
import { createSigningConfig } from '../src/index.js';

const start = new Date('2026-01-01T00:00:00.000Z');

t.test('Rekor v1 and v2: v2 first with majorApiVersion 2', async (t) => {
  const sc = createSigningConfig({ caUrl: 'http://127.0.0.1:3000', rekorUrl: 'http://127.0.0.1:3000', rekorV2Url: 'http://127.0.0.1:3000/', start });
  t.same(sc.rekorTlogUrls, [
    { url: 'http://127.0.0.1:3000', majorApiVersion: 2, validFor: { start: '2026-01-01T00:00:00Z' } },
    { url: 'http://127.0.0.1:3000', majorApiVersion: 1, validFor: { start: '2026-01-01T00:00:00Z' } },
  ]);
  t.same(sc.rekorTlogConfig, { selector: 'ANY' });
});

t.test('Rekor v2 only, and v1 only', async (t) => {
  t.same(createSigningConfig({ caUrl: 'http://h', rekorV2Url: 'https://log.example', start }).rekorTlogUrls.map((s) => s.majorApiVersion), [2]);
  t.same(createSigningConfig({ caUrl: 'http://h', rekorUrl: 'https://rekor.example', start }).rekorTlogUrls.map((s) => s.majorApiVersion), [1]);
});

t.test('no Rekor URL, or a bad v2 URL, is refused', async (t) => {
  t.throws(() => createSigningConfig({ caUrl: 'http://h', start }), { code: 'INVALID_INPUT', message: /Rekor URL/ });
  t.throws(() => createSigningConfig({ caUrl: 'http://h', rekorV2Url: 'ftp://x', start }), { code: 'INVALID_INPUT' });
});
