import t from 'tap';
import { canonicalizeProposedEntry } from '../../src/types/index.js';
import {
  b64,
  envelopeJson,
  IN_TOTO,
  leafHashHex,
  paeOf,
  refused,
  selfSignedCert,
  sha256hex,
  signMessage,
  statement,
  testKey,
  withField,
  type TestKey,
} from './entry-fixtures.js';

/** A proposed dsse entry as cosign attest / sigstore-go / sigstore-js build it. */
function proposal(envelope: string, verifierPems: string[]) {
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: verifierPems.map((p) => b64(p)) } } };
}

function expectedBody(envelope: string, payload: Buffer, sigs: [string, string][]): string {
  const signatures = [...sigs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sig, pem]) => `{"signature":"${sig}","verifier":"${b64(pem)}"}`)
    .join(',');
  return `{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":"${sha256hex(envelope)}"},"payloadHash":{"algorithm":"sha256","value":"${sha256hex(payload)}"},"signatures":[${signatures}]}}`;
}

const materialDigest = sha256hex('source.tar.gz');
const payload = statement(sha256hex('artifact'), [{ uri: 'git+https://example.com/src', digest: { sha1: 'a'.repeat(40), sha256: materialDigest } }]);

t.test('keyless attestation (cosign attest, sigstore-js attest)', async (t) => {
  const cert = selfSignedCert(testKey('p256', 'cert'), ['email:builder@example.com']);
  const env = envelopeJson(payload, [cert.key]);
  const e = await canonicalizeProposedEntry(proposal(env.json, [cert.pem]));
  t.equal(e.body.toString(), expectedBody(env.json, payload, [[env.sigs[0]!, cert.pem]]));
  t.same(e.indexKeys, [
    `sha256:${sha256hex(cert.pem)}`,
    'builder@example.com',
    `sha256:${sha256hex(payload)}`,
    `sha256:${sha256hex(env.json)}`,
    `sha256:${sha256hex('artifact')}`,
    `sha1:${'a'.repeat(40)}`,
    `sha256:${materialDigest}`,
  ]);
});

t.test('every key type, signing PAE with SHA-256 (sigstore LoadVerifier(key, SHA256))', async (t) => {
  for (const kind of ['p256', 'p384', 'p521', 'ed25519', 'rsa2048'] as const) {
    const key = testKey(kind);
    const env = envelopeJson(payload, [key]);
    const e = await canonicalizeProposedEntry(proposal(env.json, [key.publicPem]));
    t.equal(e.body.toString(), expectedBody(env.json, payload, [[env.sigs[0]!, key.publicPem]]), kind);
  }
});

t.test('several signatures: sorted by signature text, each with the key that verified it', async (t) => {
  const ec = testKey('p256');
  const ed = testKey('ed25519');
  const env = envelopeJson(payload, [ec, ed]);
  const e = await canonicalizeProposedEntry(proposal(env.json, [ed.publicPem, ec.publicPem]));
  t.equal(e.body.toString(), expectedBody(env.json, payload, [[env.sigs[0]!, ec.publicPem], [env.sigs[1]!, ed.publicPem]]));
  // A duplicated signature is one signature.
  const dup = JSON.stringify({ ...JSON.parse(env.json), signatures: [{ keyid: '', sig: env.sigs[0] }, { keyid: '', sig: env.sigs[0] }] });
  const d = await canonicalizeProposedEntry(proposal(dup, [ec.publicPem]));
  t.equal(JSON.parse(d.body.toString()).spec.signatures.length, 1);
});

t.test('stable under re-submission; Go clients send nulls for the computed members', async (t) => {
  const key = testKey('p256');
  const env = envelopeJson(payload, [key]);
  const p = proposal(env.json, [key.publicPem]);
  const first = await canonicalizeProposedEntry(p);
  t.equal(leafHashHex((await canonicalizeProposedEntry(structuredClone(p))).body), leafHashHex(first.body));
  const goStyle = { ...p, spec: { ...p.spec, envelopeHash: null, payloadHash: null, signatures: null } };
  t.ok((await canonicalizeProposedEntry(goStyle)).body.equals(first.body), 'null computed members');
  t.ok((await canonicalizeProposedEntry({ ...p, spec: { ...p.spec, signatures: [] } })).body.equals(first.body), 'empty signatures');
  // envelopeHash covers the envelope text exactly as submitted, as upstream's does.
  const spaced = JSON.stringify(JSON.parse(env.json), null, 2);
  const other = await canonicalizeProposedEntry(proposal(spaced, [key.publicPem]));
  t.equal(JSON.parse(other.body.toString()).spec.envelopeHash.value, sha256hex(spaced));
  t.not(leafHashHex(other.body), leafHashHex(first.body));
});

t.test('envelope details upstream tolerates', async (t) => {
  const key = testKey('p256');
  // keyid plays no part in dsse verification.
  const withKeyid = envelopeJson(payload, [key], IN_TOTO, 'some-key-id');
  await canonicalizeProposedEntry(proposal(withKeyid.json, [key.publicPem]));
  // URL-safe base64 (go-securesystemslib falls back to it); the signature text is kept as given.
  const sig = signMessage(key, paeOf(IN_TOTO, payload));
  const urlSafe = JSON.stringify({ payloadType: IN_TOTO, payload: payload.toString('base64url') + '='.repeat((3 - (payload.length % 3)) % 3), signatures: [{ sig: sig.toString('base64url') + '='.repeat((3 - (sig.length % 3)) % 3) }] });
  const u = await canonicalizeProposedEntry(proposal(urlSafe, [key.publicPem]));
  t.equal(JSON.parse(u.body.toString()).spec.signatures[0].signature, JSON.parse(urlSafe).signatures[0].sig);
  // Go's decoder matches member names case-insensitively.
  const caps = JSON.stringify({ PayloadType: IN_TOTO, Payload: b64(payload), Signatures: [{ Sig: b64(sig) }] });
  await canonicalizeProposedEntry(proposal(caps, [key.publicPem]));
  // Other payload types, and in-toto payloads that are not statements, give no payload keys.
  const other = envelopeJson(Buffer.from('hello'), [key], 'text/plain');
  t.equal((await canonicalizeProposedEntry(proposal(other.json, [key.publicPem]))).indexKeys.length, 3);
  const notStatement = envelopeJson(Buffer.from('{"subject":"x"}'), [key]);
  t.equal((await canonicalizeProposedEntry(proposal(notStatement.json, [key.publicPem]))).indexKeys.length, 3);
  const badPredicate = envelopeJson(Buffer.from(JSON.stringify({ subject: [{ digest: { sha256: 'ab' } }], predicate: { materials: 'x' } })), [key]);
  t.same((await canonicalizeProposedEntry(proposal(badPredicate.json, [key.publicPem]))).indexKeys.slice(3), ['sha256:ab'], 'subjects without materials');
});

t.test('verification follows upstream: each verifier consulted must verify one signature, every signature must be verified', async (t) => {
  const a = testKey('p256');
  const b = testKey('ed25519');
  const c = testKey('p256', 'c');
  const both = envelopeJson(payload, [a, b]);
  await refused(t, proposal(both.json, [a.publicPem]), 'INVALID_SIGNATURE', /^spec\.proposedContent\.envelope\.signatures\[1\]: no verifier verifies this signature/);
  await refused(t, proposal(both.json, [c.publicPem, a.publicPem, b.publicPem]), 'INVALID_SIGNATURE', /^spec\.proposedContent\.verifiers\[0\]: verifies no signature/);
  // Verifiers after the last signature is verified are not consulted.
  await canonicalizeProposedEntry(proposal(both.json, [a.publicPem, b.publicPem, c.publicPem]));
  // One verifier accounts for one signature: two signatures by the same key need it twice, and
  // even then upstream's verifier takes the first signature again, so the entry is refused.
  const twice = envelopeJson(payload, [a, a]);
  await refused(t, proposal(twice.json, [a.publicPem]), 'INVALID_SIGNATURE', /signatures\[1\]: no verifier/);
  await refused(t, proposal(twice.json, [a.publicPem, a.publicPem]), 'INVALID_SIGNATURE', /signatures\[1\]: no verifier/);
  // Signature over another payload, or by another key.
  const env = envelopeJson(payload, [a]);
  const tampered = JSON.stringify({ ...JSON.parse(env.json), payload: b64('{"_type":"tampered"}') });
  await refused(t, proposal(tampered, [a.publicPem]), 'INVALID_SIGNATURE', /verifiers\[0\]: verifies no signature/);
  await refused(t, proposal(env.json, [c.publicPem]), 'INVALID_SIGNATURE', /verifiers\[0\]: verifies no signature/);
  const otherType = JSON.stringify({ ...JSON.parse(env.json), payloadType: 'application/json' });
  await refused(t, proposal(otherType, [a.publicPem]), 'INVALID_SIGNATURE', /verifies no signature/);
});

t.test('hostile variations', async (t) => {
  const key: TestKey = testKey('p256');
  const env = envelopeJson(payload, [key]);
  const p = proposal(env.json, [key.publicPem]);
  const envelopeWith = (o: object) => withField(p, ['spec', 'proposedContent', 'envelope'], JSON.stringify({ ...JSON.parse(env.json), ...o }));
  await refused(t, withField(p, ['spec', 'proposedContent'], undefined), 'MALFORMED_ENTRY', /^spec\.proposedContent: required/);
  await refused(t, withField(p, ['spec', 'envelopeHash'], { algorithm: 'sha256', value: sha256hex(env.json) }), 'MALFORMED_ENTRY', /^spec: envelopeHash, payloadHash and signatures are computed by the log/);
  await refused(t, withField(p, ['spec', 'signatures'], [{ signature: env.sigs[0], verifier: b64(key.publicPem) }]), 'MALFORMED_ENTRY', /computed by the log/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'envelope'], undefined), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope: required/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'envelope'], JSON.parse(env.json)), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope: must be a string/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'envelope'], 'not json'), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope: not valid JSON/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'envelope'], '[]'), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope: not a DSSE envelope/);
  await refused(t, envelopeWith({ payload: 42 }), 'MALFORMED_ENTRY', /not a DSSE envelope/);
  await refused(t, envelopeWith({ signatures: [] }), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope\.signatures: the envelope must carry at least one signature/);
  await refused(t, envelopeWith({ signatures: null }), 'MALFORMED_ENTRY', /at least one signature/);
  await refused(t, envelopeWith({ signatures: [{ sig: 5 }] }), 'MALFORMED_ENTRY', /not a DSSE envelope/);
  await refused(t, envelopeWith({ signatures: [{ sig: 'MEUC!!' }] }), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope\.signatures\[0\]\.sig: not valid base64/);
  await refused(t, envelopeWith({ payload: 'e30' }), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope\.payload: not valid base64/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'verifiers'], undefined), 'MALFORMED_ENTRY', /^spec\.proposedContent\.verifiers: required/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'verifiers'], []), 'MALFORMED_ENTRY', /^spec\.proposedContent\.verifiers: at least one verifier/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'verifiers'], b64(key.publicPem)), 'MALFORMED_ENTRY', /^spec\.proposedContent\.verifiers: must be an array/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'verifiers'], [key.publicPem]), 'MALFORMED_ENTRY', /^spec\.proposedContent\.verifiers\[0\]: not valid standard base64/);
  await refused(t, withField(p, ['spec', 'proposedContent', 'verifiers'], [b64('garbage')]), 'INVALID_KEY', /^spec\.proposedContent\.verifiers\[0\]: not a PEM/);
});

t.test('limits', async (t) => {
  const key = testKey('p256');
  const many = envelopeJson(payload, Array.from({ length: 17 }, () => key));
  await refused(t, proposal(many.json, [key.publicPem]), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope\.signatures: at most 16 signatures are accepted, got 17/);
  const env = envelopeJson(payload, [key]);
  await refused(t, proposal(env.json, Array.from({ length: 17 }, () => key.publicPem)), 'MALFORMED_ENTRY', /^spec\.proposedContent\.verifiers: at most 16 items/);
  await refused(t, proposal(env.json, [key.publicPem]), 'MALFORMED_ENTRY', /^spec\.proposedContent\.envelope: \d+ bytes exceeds the limit of 100/, { maxEnvelopeBytes: 100 });
  await refused(t, proposal(env.json, [key.publicPem]), 'MALFORMED_ENTRY', /^spec\.proposedContent\.verifiers\[0\]: \d+ bytes exceeds the limit of 50/, { maxKeyBytes: 50 });
});
