import t from 'tap';
import { parseBundle } from '../../src/index.js';

const MT = 'application/vnd.dev.sigstore.bundle.v0.3+json';

t.test('hostile and malformed bundles are refused with BUNDLE_INVALID, naming the problem', async (t) => {
  const cases: [string, string | object, RegExp][] = [
    ['truncated JSON', '{"mediaType":"' + MT, /not JSON/],
    ['not an object', '[1,2,3]', /not a JSON object/],
    ['no media type', '{}', /mediaType/],
    ['a cosign 2 bundle without a Rekor bundle', '{"base64Signature":"AA==","cert":""}', /Rekor bundle/],
    ['a cosign 2 bundle with a broken Rekor bundle', '{"base64Signature":"AA==","rekorBundle":{"Payload":{}}}', /lacks SignedEntryTimestamp/],
    ['deep nesting', '{"mediaType":"' + MT + '","x":' + '['.repeat(5000) + ']'.repeat(5000) + '}', /nested deeper/],
    ['no verification material', { mediaType: MT, messageSignature: { signature: 'AA==' } }, /malformed bundle/],
    ['wrong types', { mediaType: MT, verificationMaterial: { publicKey: 7 }, messageSignature: {} }, /malformed bundle/],
  ];
  for (const [name, input, message] of cases) t.throws(() => parseBundle(input, 'b.json'), { code: 'BUNDLE_INVALID', message }, name);
  t.throws(() => parseBundle('x'.repeat(64 * 1024 * 1024 + 1)), { code: 'BUNDLE_INVALID', message: /larger than/ }, 'oversized');
});
