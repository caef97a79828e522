// What the server adds to the Rekor v1 plugin: the routes mounted on the stack's origin,
// the checkpoint origin from the public URL, the configured body limit, and the trust
// material. The API itself is tested on the plugin alone in
// packages/rekor/test/v1-routes.test.ts.
import t from 'tap';
import { hashedrekord, signArtifact, tempStack } from './fixtures.js';

const { stack, cleanup } = await tempStack({ rekor: { bodyLimit: 4096 } });
t.teardown(cleanup);
const app = stack.app;

t.test('the Rekor v1 routes are mounted on the origin, with the configured body limit', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord(signArtifact()) });
  t.equal(res.statusCode, 201, 'created through the stack');
  const [id] = Object.keys(res.json());
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/log/entries/${id}` })).statusCode, 200, 'read back');
  const host = new URL(stack.url).hostname;
  t.match(res.json()[id!].verification.inclusionProof.checkpoint, new RegExp(`^${host.replace(/\./g, '\\.')} - \\d+\n`), 'checkpoint origin: the public URL\'s host name');
  const big = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: { ...hashedrekord(signArtifact()), pad: 'x'.repeat(8192) } });
  t.equal(big.statusCode, 413, 'rekor.bodyLimit from the config');
  t.match(big.json(), { code: 413, message: /large|limit/i });
});

t.test('trust material is written on listen', async (t) => {
  const url = stack.url; // tempStack listens
  const { readFileSync } = await import('node:fs');
  const root = JSON.parse(readFileSync(`${stack.trustDir}/trusted_root.json`, 'utf8'));
  t.equal(root.mediaType, 'application/vnd.dev.sigstore.trustedroot+json;version=0.1');
  t.equal(root.tlogs[0].baseUrl, url);
  t.equal(root.tlogs[0].hashAlgorithm, 'SHA2_256');
  t.equal(root.tlogs[0].publicKey.keyDetails, 'PKIX_ECDSA_P256_SHA_256');
  t.match(root.tlogs[0].publicKey.validFor.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.equal(Buffer.from(root.tlogs[0].logId.keyId, 'base64').length, 32);
  t.match(readFileSync(`${stack.trustDir}/rekor.pub`, 'utf8'), /BEGIN PUBLIC KEY/);
});
