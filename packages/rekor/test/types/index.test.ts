import t from 'tap';
import * as types from '../../src/types/index.js';
import { canonicalizeProposedEntry, DEFAULT_ENTRY_LIMITS, describeBody, pae, SUPPORTED_ENTRY_TYPES } from '../../src/types/index.js';
import { RekorError } from '../../src/errors.js';
import { b64, refused, selfSignedCert, sha256hex, signMessage, testKey } from './entry-fixtures.js';

t.test('public surface', async (t) => {
  t.same(Object.keys(types).sort(), ['DEFAULT_ENTRY_LIMITS', 'SUPPORTED_ENTRY_TYPES', 'canonicalizeProposedEntry', 'describeBody', 'pae']);
  t.same(SUPPORTED_ENTRY_TYPES, { hashedrekord: ['0.0.1'], rekord: ['0.0.1'], dsse: ['0.0.1'], intoto: ['0.0.1', '0.0.2'] });
  t.same(DEFAULT_ENTRY_LIMITS, { maxSignatures: 16, maxEnvelopeBytes: 1048576, maxArtifactBytes: 3145728, maxKeyBytes: 65536 });
  t.ok(Object.isFrozen(DEFAULT_ENTRY_LIMITS));
  t.equal(pae('application/vnd.in-toto+json', Buffer.from('{}')).toString(), 'DSSEv1 28 application/vnd.in-toto+json 2 {}');
  t.equal(pae('', Buffer.alloc(0)).toString(), 'DSSEv1 0  0 ');
  t.equal(pae('ü', Buffer.from('x')).toString(), 'DSSEv1 2 ü 1 x', 'lengths are in bytes');
});

t.test('unknown kinds and versions are UNSUPPORTED_KIND naming them', async (t) => {
  const spec = { data: {}, signature: {} };
  for (const kind of ['rpm', 'jar', 'alpine', 'helm', 'cose', 'tuf', 'rfc3161', 'HashedRekord', '__proto__', 'constructor', 'toString'])
    await refused(t, { kind, apiVersion: '0.0.1', spec }, 'UNSUPPORTED_KIND', new RegExp(`^kind: "${kind}" is not supported by this log \\(supported: hashedrekord, rekord, dsse, intoto\\)`));
  await refused(t, { kind: 'hashedrekord', apiVersion: '0.0.2', spec }, 'UNSUPPORTED_KIND', /^apiVersion: hashedrekord "0\.0\.2" is not supported by this log \(supported: 0\.0\.1\)/);
  await refused(t, { kind: 'dsse', apiVersion: '0.0.2', spec }, 'UNSUPPORTED_KIND', /^apiVersion: dsse "0\.0\.2"/);
  await refused(t, { kind: 'intoto', apiVersion: '0.0.3', spec }, 'UNSUPPORTED_KIND', /^apiVersion: intoto "0\.0\.3" is not supported by this log \(supported: 0\.0\.1, 0\.0\.2\)/);
  await refused(t, { kind: 'rekord', apiVersion: 'constructor', spec }, 'UNSUPPORTED_KIND', /^apiVersion: rekord "constructor"/);
  await refused(t, { kind: 'x'.repeat(500), apiVersion: '0.0.1', spec }, 'UNSUPPORTED_KIND', /^kind: "x{64}\.\.\." is not supported/);
});

t.test('the wrapper is validated', async (t) => {
  await refused(t, null, 'MALFORMED_ENTRY', /^entry: required/);
  await refused(t, [], 'MALFORMED_ENTRY', /^entry: must be an object/);
  await refused(t, 'hashedrekord', 'MALFORMED_ENTRY', /^entry: must be an object/);
  await refused(t, { apiVersion: '0.0.1', spec: {} }, 'MALFORMED_ENTRY', /^kind: required/);
  await refused(t, { kind: 7, apiVersion: '0.0.1', spec: {} }, 'MALFORMED_ENTRY', /^kind: must be a string/);
  await refused(t, { kind: 'hashedrekord', spec: {} }, 'MALFORMED_ENTRY', /^apiVersion: required/);
  await refused(t, { kind: 'hashedrekord', apiVersion: 1, spec: {} }, 'MALFORMED_ENTRY', /^apiVersion: must be a string/);
  await refused(t, { kind: 'hashedrekord', apiVersion: '0.0.1', spec: [] }, 'MALFORMED_ENTRY', /^spec: must be an object/);
});

t.test('index keys are lower-cased and unique', async (t) => {
  const cert = selfSignedCert(testKey('p256', 'dup'), ['email:Dev@Example.COM', 'DNS:Dev@Example.com']);
  const artifact = Buffer.from('x');
  const e = await canonicalizeProposedEntry({
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    spec: {
      data: { hash: { algorithm: 'sha256', value: sha256hex(artifact) } },
      signature: { content: b64(signMessage(cert.key, artifact)), publicKey: { content: b64(cert.pem) } },
    },
  });
  t.same(e.indexKeys, [sha256hex(cert.pem), 'dev@example.com', `sha256:${sha256hex(artifact)}`]);
});

t.test('limits are resolved once, and must be positive integers', async (t) => {
  await t.rejects(canonicalizeProposedEntry({}, { maxSignatures: 0 }), TypeError);
  await t.rejects(canonicalizeProposedEntry({}, { maxKeyBytes: 1.5 }), TypeError);
  await refused(t, {}, 'MALFORMED_ENTRY', /^kind: required/, { maxSignatures: 1, maxEnvelopeBytes: undefined });
});

t.test('describeBody', async (t) => {
  t.same(describeBody(Buffer.from('{"apiVersion":"0.0.2","kind":"intoto","spec":{}}')), { kind: 'intoto', apiVersion: '0.0.2' });
  for (const bad of ['', 'nope', '[]', '{"kind":"x"}', '{"kind":1,"apiVersion":"0.0.1"}']) {
    try {
      describeBody(Buffer.from(bad));
      t.fail(`accepted ${bad}`);
    } catch (e) {
      t.equal((e as RekorError).code, 'MALFORMED_ENTRY', `${bad}: ${(e as Error).message}`);
    }
  }
});
