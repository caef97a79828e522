import t from 'tap';
import { canonicalizeProposedEntry } from '../../src/types/index.js';
import { b64, IN_TOTO, leafHashHex, paeOf, refused, selfSignedCert, sha256hex, signMessage, statement, testKey, withField, type TestKey } from './entry-fixtures.js';

/**
 * A proposed intoto 0.0.2 entry built the way sigstore-js (legacyCompatibility) does:
 * payload and sig double base64-encoded, the key PEM base64-encoded, keyid only when
 * non-empty, content.hash = SHA-256 of the JCS of {payloadType, payload, signatures:
 * [{sig, publicKey (PEM text), keyid?}]} with payload and sig single-encoded.
 */
function proposal(payload: Buffer, signers: { key: TestKey; pem: string }[], payloadType = IN_TOTO, keyid = '') {
  const sigs = signers.map((s) => b64(signMessage(s.key, paeOf(payloadType, payload))));
  const jcsSig = (sig: string, pem: string) => `{${keyid ? `"keyid":${JSON.stringify(keyid)},` : ''}"publicKey":${JSON.stringify(pem)},"sig":"${sig}"}`;
  const jcs = `{"payload":"${b64(payload)}","payloadType":${JSON.stringify(payloadType)},"signatures":[${sigs.map((s, i) => jcsSig(s, signers[i]!.pem)).join(',')}]}`;
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType,
          payload: b64(b64(payload)),
          signatures: sigs.map((sig, i) => ({ ...(keyid ? { keyid } : {}), sig: b64(sig), publicKey: b64(signers[i]!.pem) })),
        },
        hash: { algorithm: 'sha256', value: sha256hex(jcs) },
        payloadHash: { algorithm: 'sha256', value: sha256hex(payload) },
      },
    },
  };
}

function expectedBody(p: ReturnType<typeof proposal>, payload: Buffer): string {
  const env = p.spec.content.envelope;
  const sigs = env.signatures.map((s) => `{${'keyid' in s ? `"keyid":${JSON.stringify(s.keyid)},` : ''}"publicKey":"${s.publicKey}","sig":"${s.sig}"}`).join(',');
  return `{"apiVersion":"0.0.2","kind":"intoto","spec":{"content":{"envelope":{"payloadType":${JSON.stringify(env.payloadType)},"signatures":[${sigs}]},"hash":{"algorithm":"sha256","value":"${p.spec.content.hash.value}"},"payloadHash":{"algorithm":"sha256","value":"${sha256hex(payload)}"}}}}`;
}

const material = sha256hex('lockfile');
const payload = statement(sha256hex('pkg.tgz'), [{ uri: 'pkg:npm/dep@1.0.0', digest: { sha512: 'f'.repeat(128) } }, { uri: 'git+https://x', digest: { sha256: material } }]);

t.test('sigstore-js legacy npm provenance', async (t) => {
  const cert = selfSignedCert(testKey('p256', 'cert'), ['URI:https://github.com/org/pkg/.github/workflows/publish.yml@refs/heads/main']);
  const p = proposal(payload, [{ key: cert.key, pem: cert.pem }]);
  const e = await canonicalizeProposedEntry(p);
  t.equal(e.body.toString(), expectedBody(p, payload));
  t.same(e.indexKeys, [
    `sha256:${sha256hex(cert.pem)}`,
    'https://github.com/org/pkg/.github/workflows/publish.yml@refs/heads/main',
    `sha256:${sha256hex(payload)}`,
    `sha256:${sha256hex('pkg.tgz')}`,
    `sha512:${'f'.repeat(128)}`,
    `sha256:${material}`,
  ], 'content.hash is not an index key (upstream leaves it out)');
  t.equal(leafHashHex((await canonicalizeProposedEntry(structuredClone(p))).body), leafHashHex(e.body), 'stable');
  const noClientPayloadHash = withField(p, ['spec', 'content', 'payloadHash'], undefined);
  t.ok((await canonicalizeProposedEntry(noClientPayloadHash)).body.equals(e.body), 'payloadHash is computed by the log');
});

t.test('signatures are stored as given: keyid kept, key not re-encoded', async (t) => {
  const key = testKey('ed25519');
  const crlfPem = key.publicPem.replace(/\n/g, '\r\n');
  const p = proposal(payload, [{ key, pem: crlfPem }], IN_TOTO, 'key-1');
  const e = await canonicalizeProposedEntry(p);
  t.equal(e.body.toString(), expectedBody(p, payload));
  t.equal(Buffer.from(JSON.parse(e.body.toString()).spec.content.envelope.signatures[0].publicKey, 'base64').toString(), crlfPem);
  t.equal(e.indexKeys[0], `sha256:${sha256hex(key.publicPem)}`, 'the index key hashes the canonical PEM');
});

t.test('several signatures, each verified by its own key; key types', async (t) => {
  const a = testKey('p256');
  const b = testKey('rsa2048');
  const p = proposal(payload, [{ key: a, pem: a.publicPem }, { key: b, pem: b.publicPem }]);
  const e = await canonicalizeProposedEntry(p);
  t.equal(e.body.toString(), expectedBody(p, payload));
  t.same(e.indexKeys.slice(0, 2), [`sha256:${sha256hex(a.publicPem)}`, `sha256:${sha256hex(b.publicPem)}`]);
  for (const kind of ['p384', 'p521'] as const) {
    const k = testKey(kind);
    await canonicalizeProposedEntry(proposal(payload, [{ key: k, pem: k.publicPem }]));
  }
});

t.test('index keys for payloads that are not in-toto statements', async (t) => {
  const key = testKey('p256');
  const s = { key, pem: key.publicPem };
  t.same((await canonicalizeProposedEntry(proposal(Buffer.from('plain'), [s], 'text/plain'))).indexKeys, [`sha256:${sha256hex(key.publicPem)}`, `sha256:${sha256hex('plain')}`]);
  // An in-toto payload that does not decode as a statement makes upstream's IndexKeys fail: nothing is indexed.
  t.same((await canonicalizeProposedEntry(proposal(Buffer.from('{"subject":{}}'), [s]))).indexKeys, []);
  t.same((await canonicalizeProposedEntry(proposal(Buffer.from('not json'), [s]))).indexKeys, []);
  // A statement whose predicate is not SLSA 0.2-shaped gives its subjects but no materials.
  const v1 = Buffer.from(JSON.stringify({ subject: [{ digest: { sha256: 'ab' } }], predicate: { metadata: { buildStartedOn: 'yesterday' }, materials: [{ digest: { sha256: 'cd' } }] } }));
  t.same((await canonicalizeProposedEntry(proposal(v1, [s]))).indexKeys.slice(2), ['sha256:ab']);
  const ok = Buffer.from(JSON.stringify({ subject: [{ digest: { sha256: 'ab' } }], predicate: { metadata: { buildStartedOn: '2024-02-29T23:59:59.5+01:00' }, materials: [{ digest: { sha256: 'cd' } }] } }));
  t.same((await canonicalizeProposedEntry(proposal(ok, [s]))).indexKeys.slice(2), ['sha256:ab', 'sha256:cd']);
});

t.test('hostile variations', async (t) => {
  const key = testKey('p256');
  const other = testKey('p256', 'other');
  const p = proposal(payload, [{ key, pem: key.publicPem }]);
  const env = ['spec', 'content', 'envelope'];
  await refused(t, withField(p, ['spec', 'content'], undefined), 'MALFORMED_ENTRY', /^spec\.content: required/);
  await refused(t, withField(p, env, undefined), 'MALFORMED_ENTRY', /^spec\.content\.envelope: required/);
  await refused(t, withField(p, env, JSON.stringify(p.spec.content.envelope)), 'MALFORMED_ENTRY', /^spec\.content\.envelope: must be an object/);
  await refused(t, withField(p, [...env, 'payloadType'], undefined), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payloadType: required/);
  await refused(t, withField(p, [...env, 'payloadType'], 'a\ud800b'), 'MALFORMED_ENTRY', /unpaired UTF-16 surrogate/);
  await refused(t, withField(p, [...env, 'payload'], undefined), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payload: required/);
  await refused(t, withField(p, [...env, 'payload'], b64(payload)), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payload: not valid base64/);
  await refused(t, withField(p, [...env, 'signatures'], []), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.signatures: at least one signature/);
  await refused(t, withField(p, [...env, 'signatures', 0, 'sig'], undefined), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.signatures\[0\]\.sig: required/);
  await refused(t, withField(p, [...env, 'signatures', 0, 'publicKey'], undefined), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.signatures\[0\]\.publicKey: required/);
  await refused(t, withField(p, [...env, 'signatures', 0, 'publicKey'], b64('junk')), 'INVALID_KEY', /^spec\.content\.envelope\.signatures\[0\]\.publicKey: not a PEM/);
  await refused(t, withField(p, [...env, 'signatures', 0, 'keyid'], 7), 'MALFORMED_ENTRY', /^spec\.content\.envelope\.signatures\[0\]\.keyid: must be a string/);
  await refused(t, withField(p, [...env, 'signatures', 0, 'sig'], p.spec.content.envelope.signatures[0]!.sig.slice(4)), 'MALFORMED_ENTRY', /signatures\[0\]\.sig: not valid base64/);
  await refused(t, withField(p, [...env, 'signatures', 0, 'publicKey'], b64(other.publicPem)), 'INVALID_SIGNATURE', /^spec\.content\.envelope\.signatures\[0\]\.publicKey: verifies no signature/);
  const extra = withField(p, [...env, 'signatures', 1], { sig: p.spec.content.envelope.signatures[0]!.sig, publicKey: b64(other.publicPem) });
  await refused(t, extra, 'INVALID_SIGNATURE', /signatures\[1\]\.publicKey: verifies no signature of the envelope \(every key must verify one\)/);
  const tampered = withField(p, [...env, 'payload'], b64(b64('{"_type":"x"}')));
  await refused(t, tampered, 'INVALID_SIGNATURE', /verifies no signature/);
  await refused(t, withField(p, ['spec', 'content', 'hash'], undefined), 'MALFORMED_ENTRY', /^spec\.content\.hash: required/);
  await refused(t, withField(p, ['spec', 'content', 'hash', 'value'], p.spec.content.hash.value.toUpperCase()), 'MALFORMED_ENTRY', /^spec\.content\.hash\.value: expected lower-case hex/);
  await refused(t, withField(p, ['spec', 'content', 'hash', 'algorithm'], 'sha512'), 'MALFORMED_ENTRY', /^spec\.content\.hash\.algorithm: "sha512" is not supported/);
  await refused(t, withField(p, ['spec', 'content', 'payloadHash'], { algorithm: 'md5', value: 'x' }), 'MALFORMED_ENTRY', /^spec\.content\.payloadHash: computed by the log/);
  // Inner payload in URL-safe base64: verifies, but upstream hashes it with StdEncoding.
  const raw = Buffer.from([0xfb, 0xff, 0xfe, 0x7b]);
  const urlSafe = withField(proposal(raw, [{ key, pem: key.publicPem }]), [...env, 'payload'], b64(raw.toString('base64url') + '=='));
  await refused(t, urlSafe, 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payload: the inner payload must be standard base64/);
  await refused(t, p, 'MALFORMED_ENTRY', /^spec\.content\.envelope\.payload: \d+ bytes exceeds the limit of 64/, { maxEnvelopeBytes: 64 });
});
