import t from 'tap';
import { canonicalizeProposedEntry } from '../../src/types/index.js';
import { sshSha256Fingerprint } from '../../src/types/ssh-fingerprint.js';
import { parseX509Key } from '../../src/types/x509-key.js';
import { b64, envelopeJson, IN_TOTO, leafHashHex, paeOf, refused, selfSignedCert, sha256hex, signMessage, statement, testKey, withField } from './entry-fixtures.js';

/** A proposed intoto 0.0.1 entry as cosign attest --rekor-entry-type=intoto builds it. */
function proposal(envelope: string, keyPem: string) {
  return {
    apiVersion: '0.0.1',
    kind: 'intoto',
    spec: { content: { envelope, hash: { algorithm: 'sha256', value: sha256hex(envelope) } }, publicKey: b64(keyPem) },
  };
}

function expectedBody(envelope: string, payload: Buffer, keyPem: string): string {
  return `{"apiVersion":"0.0.1","kind":"intoto","spec":{"content":{"hash":{"algorithm":"sha256","value":"${sha256hex(envelope)}"},"payloadHash":{"algorithm":"sha256","value":"${sha256hex(payload)}"}},"publicKey":"${b64(keyPem)}"}}`;
}

const material = sha256hex('go.sum');
const payload = statement(sha256hex('image'), [{ uri: 'pkg:golang/x', digest: { sha256: material } }]);

t.test('cosign attest --rekor-entry-type=intoto', async (t) => {
  const cert = selfSignedCert(testKey('p256', 'cert'), ['URI:https://github.com/org/repo/.github/workflows/build.yml@refs/tags/v1']);
  const env = envelopeJson(payload, [cert.key]);
  const e = await canonicalizeProposedEntry(proposal(env.json, cert.pem));
  t.equal(e.body.toString(), expectedBody(env.json, payload, cert.pem));
  t.same(e.indexKeys, [
    `sha256:${sha256hex(env.json)}`,
    `sha256:${sha256hex(cert.pem)}`,
    'https://github.com/org/repo/.github/workflows/build.yml@refs/tags/v1',
    `sha256:${sha256hex(payload)}`,
    `sha256:${sha256hex('image')}`,
    `sha256:${material}`,
  ]);
  for (const kind of ['p384', 'ed25519', 'rsa2048'] as const) {
    const key = testKey(kind);
    const ke = envelopeJson(payload, [key]);
    t.equal((await canonicalizeProposedEntry(proposal(ke.json, key.publicPem))).body.toString(), expectedBody(ke.json, payload, key.publicPem), kind);
  }
  // The client's content.hash is ignored (recomputed), and the leaf is stable.
  const p = proposal(env.json, cert.pem);
  const noHash = withField(p, ['spec', 'content', 'hash'], undefined);
  t.equal(leafHashHex((await canonicalizeProposedEntry(noHash)).body), leafHashHex(e.body));
  const wrongHash = withField(p, ['spec', 'content', 'hash', 'value'], sha256hex('x'));
  t.equal(leafHashHex((await canonicalizeProposedEntry(wrongHash)).body), leafHashHex(e.body));
});

t.test('one verified signature suffices; keyid must be empty or the key SSH fingerprint', async (t) => {
  const key = testKey('p256');
  const other = testKey('ed25519');
  const both = envelopeJson(payload, [other, key]);
  await canonicalizeProposedEntry(proposal(both.json, key.publicPem));
  const withJunk = JSON.stringify({ ...JSON.parse(both.json), signatures: [{ keyid: '', sig: b64('junk') }, ...JSON.parse(both.json).signatures] });
  await canonicalizeProposedEntry(proposal(withJunk, key.publicPem));
  const fingerprint = sshSha256Fingerprint(parseX509Key(Buffer.from(key.publicPem), 'k', 1 << 16).vk);
  await canonicalizeProposedEntry(proposal(envelopeJson(payload, [key], IN_TOTO, fingerprint).json, key.publicPem));
  await refused(t, proposal(envelopeJson(payload, [key], IN_TOTO, 'my-key').json, key.publicPem), 'INVALID_SIGNATURE', /^spec\.content\.envelope: no signature of the envelope verifies with spec\.publicKey/);
});

t.test('hostile variations', async (t) => {
  const key = testKey('p256');
  const env = envelopeJson(payload, [key]);
  const p = proposal(env.json, key.publicPem);
  const envelopeWith = (o: object) => withField(p, ['spec', 'content', 'envelope'], JSON.stringify({ ...JSON.parse(env.json), ...o }));
  await refused(t, withField(p, ['spec', 'publicKey'], undefined), 'MALFORMED_ENTRY', /^spec\.publicKey: required/);
  await refused(t, withField(p, ['spec', 'publicKey'], b64('junk')), 'INVALID_KEY', /^spec\.publicKey: not a PEM/);
  await refused(t, withField(p, ['spec', 'publicKey'], b64(testKey('rsa2048').publicPem)), 'INVALID_SIGNATURE', /no signature of the envelope verifies/);
  await refused(t, withField(p, ['spec', 'content'], undefined), 'MALFORMED_ENTRY', /^spec\.content: required/);
  await refused(t, withField(p, ['spec', 'content', 'envelope'], undefined), 'MALFORMED_ENTRY', /^spec\.content\.envelope: required/);
  await refused(t, withField(p, ['spec', 'content', 'envelope'], '{'), 'MALFORMED_ENTRY', /^spec\.content\.envelope: not valid JSON/);
  await refused(t, withField(p, ['spec', 'content', 'hash'], { algorithm: 'md5', value: 'x' }), 'MALFORMED_ENTRY', /^spec\.content\.hash: computed by the log/);
  await refused(t, withField(p, ['spec', 'content', 'payloadHash'], 'abc'), 'MALFORMED_ENTRY', /^spec\.content\.payloadHash: must be an object/);
  await refused(t, envelopeWith({ payloadType: '' }), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payloadType: required/);
  await refused(t, envelopeWith({ payload: '' }), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payload: required/);
  await refused(t, envelopeWith({ signatures: [] }), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.signatures: the envelope must carry at least one signature/);
  await refused(t, envelopeWith({ payload: b64('{"_type":"other"}') }), 'INVALID_SIGNATURE', /no signature of the envelope verifies/);
  // A payload in URL-safe base64 verifies (DSSE allows it) but upstream hashes it with StdEncoding.
  const raw = Buffer.from([0xfb, 0xff, 0xfe, 0x7b]);
  const sig = signMessage(key, paeOf(IN_TOTO, raw));
  const urlSafe = JSON.stringify({ payloadType: IN_TOTO, payload: raw.toString('base64url') + '==', signatures: [{ keyid: '', sig: b64(sig) }] });
  await refused(t, proposal(urlSafe, key.publicPem), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payload: must be standard base64 for intoto entries/);
});
