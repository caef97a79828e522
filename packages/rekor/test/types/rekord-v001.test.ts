import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalizeProposedEntry } from '../../src/types/index.js';
import { b64, leafHashHex, openssl, refused, selfSignedCert, sha256hex, signMessage, testKey, withField, type TestKey } from './entry-fixtures.js';

/**
 * A proposed rekord as `rekor-cli upload --artifact f --signature f.sig --public-key k.pem
 * --pki-format x509` builds it: the artifact inline, the signature file's bytes, the
 * key file's bytes.
 */
function proposal(artifact: Buffer, sig: Buffer, keyPem: string) {
  return {
    apiVersion: '0.0.1',
    kind: 'rekord',
    spec: {
      data: { content: b64(artifact) },
      signature: { format: 'x509', content: b64(sig), publicKey: { content: b64(keyPem) } },
    },
  };
}

function expectedBody(artifact: Buffer, sig: Buffer, canonicalPem: string): string {
  return `{"apiVersion":"0.0.1","kind":"rekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"${sha256hex(artifact)}"}},"signature":{"content":"${b64(sig)}","format":"x509","publicKey":{"content":"${b64(canonicalPem)}"}}}}`;
}

const artifact = Buffer.from('#!/bin/sh\necho hello\n');

t.test('signatures made with openssl dgst, as rekor-cli users make them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-rekord-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'artifact'), artifact);
  // sigstore's default verifier hashes with SHA-256 whatever the key, so that is what signers use.
  for (const kind of ['p256', 'p384', 'rsa2048'] as const) {
    const key = testKey(kind);
    writeFileSync(join(dir, `${kind}.key`), key.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const sig = openssl(['dgst', '-sha256', '-sign', join(dir, `${kind}.key`), join(dir, 'artifact')]);
    const e = await canonicalizeProposedEntry(proposal(artifact, sig, key.publicPem));
    t.equal(e.body.toString(), expectedBody(artifact, sig, key.publicPem), `${kind}: body`);
    t.same(e.indexKeys, [sha256hex(key.publicPem), `sha256:${sha256hex(artifact)}`], `${kind}: index keys`);
  }
  const ed = testKey('ed25519');
  writeFileSync(join(dir, 'ed.key'), ed.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const edSig = openssl(['pkeyutl', '-sign', '-rawin', '-inkey', join(dir, 'ed.key'), '-in', join(dir, 'artifact')]);
  const e = await canonicalizeProposedEntry(proposal(artifact, edSig, ed.publicPem));
  t.equal(e.body.toString(), expectedBody(artifact, edSig, ed.publicPem), 'ed25519 (pure): body');
});

t.test('a certificate, a given hash, stability', async (t) => {
  const cert = selfSignedCert(testKey('p256', 'cert'), ['email:dev@example.com']);
  const sig = signMessage(cert.key, artifact);
  const p = proposal(artifact, sig, cert.pem);
  const e = await canonicalizeProposedEntry(p);
  t.equal(e.body.toString(), expectedBody(artifact, sig, cert.pem));
  t.same(e.indexKeys, [sha256hex(cert.pem), 'dev@example.com', `sha256:${sha256hex(artifact)}`]);
  const withHash = withField(p, ['spec', 'data', 'hash'], { algorithm: 'sha256', value: sha256hex(artifact) });
  t.ok((await canonicalizeProposedEntry(withHash)).body.equals(e.body), 'a matching data.hash changes nothing');
  t.equal(leafHashHex((await canonicalizeProposedEntry(structuredClone(p))).body), leafHashHex(e.body), 'same leaf on re-submission');
});

t.test('hostile variations', async (t) => {
  const key = testKey('p256');
  const sig = signMessage(key, artifact);
  const p = proposal(artifact, sig, key.publicPem);
  await refused(t, withField(p, ['spec', 'data', 'hash'], { algorithm: 'sha256', value: sha256hex('other') }), 'MALFORMED_ENTRY', /^spec\.data\.hash\.value: SHA mismatch/);
  await refused(t, withField(p, ['spec', 'data', 'hash'], { algorithm: 'sha256', value: sha256hex(artifact).toUpperCase() }), 'MALFORMED_ENTRY', /^spec\.data\.hash\.value: expected lower-case hex/);
  await refused(t, withField(p, ['spec', 'data', 'hash'], { algorithm: 'sha512', value: sha256hex(artifact) }), 'MALFORMED_ENTRY', /^spec\.data\.hash\.algorithm: "sha512" is not supported \(expected sha256\)/);
  await refused(t, withField(p, ['spec', 'data', 'content'], b64('other artifact')), 'INVALID_SIGNATURE', /^spec\.signature\.content: the signature does not verify over spec\.data\.content/);
  await refused(t, withField(p, ['spec', 'data', 'content'], undefined), 'MALFORMED_ENTRY', /^spec\.data\.content: required/);
  await refused(t, withField(p, ['spec', 'data', 'content'], '%%%'), 'MALFORMED_ENTRY', /^spec\.data\.content: not valid standard base64/);
  await refused(t, withField(p, ['spec', 'data'], { url: 'https://example.com/artifact', hash: { algorithm: 'sha256', value: sha256hex(artifact) } }), 'MALFORMED_ENTRY', /^spec\.data\.url: this log does not fetch URLs/);
  await refused(t, withField(p, ['spec', 'signature', 'publicKey', 'url'], 'https://example.com/key'), 'MALFORMED_ENTRY', /^spec\.signature\.publicKey\.url: this log does not fetch URLs/);
  await refused(t, withField(p, ['spec', 'signature', 'url'], 'https://example.com/sig'), 'MALFORMED_ENTRY', /^spec\.signature\.url: this log does not fetch URLs/);
  for (const format of ['pgp', 'minisign', 'ssh']) {
    await refused(t, withField(p, ['spec', 'signature', 'format'], format), 'UNSUPPORTED_KIND', new RegExp(`^spec\\.signature\\.format: rekord entries in "${format}" format are not supported by this log \\(only x509\\)`));
  }
  await refused(t, withField(p, ['spec', 'signature', 'format'], 'X509'), 'MALFORMED_ENTRY', /^spec\.signature\.format: "X509" is not a rekord signature format/);
  await refused(t, withField(p, ['spec', 'signature', 'format'], undefined), 'MALFORMED_ENTRY', /^spec\.signature\.format: required/);
  await refused(t, withField(p, ['spec', 'signature', 'content'], undefined), 'MALFORMED_ENTRY', /^spec\.signature\.content: required/);
  await refused(t, withField(p, ['spec', 'signature', 'publicKey'], undefined), 'MALFORMED_ENTRY', /^spec\.signature\.publicKey: required/);
  await refused(t, withField(p, ['spec', 'signature', 'publicKey', 'content'], b64('garbage')), 'INVALID_KEY', /^spec\.signature\.publicKey\.content: not a PEM/);
  await refused(t, withField(p, ['spec', 'signature', 'publicKey', 'content'], b64(testKey('p256', 'other').publicPem)), 'INVALID_SIGNATURE', /does not verify/);
  await refused(t, p, 'MALFORMED_ENTRY', /^spec\.data\.content: 21 bytes exceeds the limit of 8/, { maxArtifactBytes: 8 });
});

t.test('RSA signatures are PKCS #1 v1.5 only, ECDSA keys of every curve hash with SHA-256', async (t) => {
  const rsa: TestKey = testKey('rsa2048');
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-rekord-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'artifact'), artifact);
  writeFileSync(join(dir, 'rsa.key'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const pss = openssl(['dgst', '-sha256', '-sign', join(dir, 'rsa.key'), '-sigopt', 'rsa_padding_mode:pss', join(dir, 'artifact')]);
  await refused(t, proposal(artifact, pss, rsa.publicPem), 'INVALID_SIGNATURE', /does not verify/);
  const p384 = testKey('p384');
  await refused(t, proposal(artifact, signMessage(p384, artifact, 'sha384'), p384.publicPem), 'INVALID_SIGNATURE', /does not verify/);
});
