import t from 'tap';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { canonicalizeProposedEntry } from '../../src/types/index.js';
import {
  b64,
  ed25519Seed,
  hex,
  leafHashHex,
  nobleEd25519ph,
  refused,
  selfSignedCert,
  sha256hex,
  signMessage,
  testKey,
  withField,
  type TestKey,
} from './entry-fixtures.js';

type Alg = 'sha256' | 'sha384' | 'sha512';

/**
 * A proposed hashedrekord as cosign sign-blob / sigstore-go / sigstore-js build it:
 * the artifact's digest, a signature over the artifact (ECDSA/RSA over its digest,
 * Ed25519ph over its SHA-512), and the key or certificate PEM base64-encoded.
 */
function proposal(key: TestKey, artifact: Buffer, alg: Alg = 'sha256', keyPem = key.publicPem) {
  const sig = key.kind === 'ed25519' ? Buffer.from(nobleEd25519ph().sign(artifact, ed25519Seed(key))) : signMessage(key, artifact, alg);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: alg, value: hex(alg, artifact) } },
      signature: { content: b64(sig), publicKey: { content: b64(keyPem) } },
    },
  };
}

/** The canonical body, spelled out: JCS member order, Go PEM, no data.content. */
function expectedBody(p: ReturnType<typeof proposal>, canonicalPem: string): string {
  const { hash } = p.spec.data;
  return `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"${hash.algorithm}","value":"${hash.value}"}},"signature":{"content":"${p.spec.signature.content}","publicKey":{"content":"${b64(canonicalPem)}"}}}}`;
}

const artifact = Buffer.from('release-1.2.3.tar.gz contents');

t.test('valid entries canonicalize to the exact upstream bytes', async (t) => {
  const cases: [string, TestKey, Alg][] = [
    ['ECDSA P-256 / sha256', testKey('p256'), 'sha256'],
    ['ECDSA P-384 / sha384', testKey('p384'), 'sha384'],
    ['ECDSA P-521 / sha512', testKey('p521'), 'sha512'],
    ['RSA 2048 / sha256', testKey('rsa2048'), 'sha256'],
    ['RSA 3072 / sha256', testKey('rsa3072'), 'sha256'],
    ['Ed25519ph / sha512', testKey('ed25519'), 'sha512'],
  ];
  for (const [name, key, alg] of cases) {
    const p = proposal(key, artifact, alg);
    const e = await canonicalizeProposedEntry(p);
    t.equal(e.kind, 'hashedrekord', name);
    t.equal(e.apiVersion, '0.0.1');
    t.equal(e.body.toString(), expectedBody(p, key.publicPem), `${name}: body`);
    t.same(e.indexKeys, [sha256hex(key.publicPem), `${alg}:${hex(alg, artifact)}`], `${name}: index keys`);
  }
});

t.test('a keyless (certificate) entry indexes the certificate identities in Go order', async (t) => {
  const cert = selfSignedCert(testKey('p256', 'cert'), [
    'email:Signer@Example.com',
    'DNS:build.example.com',
    'IP:192.0.2.7',
    'IP:2001:db8::1',
    'URI:https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main',
    'otherName:1.3.6.1.4.1.57264.1.7;UTF8:user!oidc.example.com',
  ]);
  const p = proposal(cert.key, artifact, 'sha256', cert.pem);
  const e = await canonicalizeProposedEntry(p);
  t.equal(e.body.toString(), expectedBody(p, cert.pem));
  t.same(e.indexKeys, [
    sha256hex(cert.pem),
    'build.example.com',
    'signer@example.com',
    '192.0.2.7',
    '2001:db8::1',
    'https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main',
    'user!oidc.example.com',
    `sha256:${sha256hex(artifact)}`,
  ]);
});

t.test('the canonical body is stable under re-submission', async (t) => {
  const key = testKey('p256');
  const p = proposal(key, artifact);
  const first = await canonicalizeProposedEntry(p);
  const again = await canonicalizeProposedEntry(structuredClone(p));
  t.equal(leafHashHex(again.body), leafHashHex(first.body), 'same proposal, same leaf');
  const resubmitted = await canonicalizeProposedEntry(JSON.parse(first.body.toString()));
  t.ok(resubmitted.body.equals(first.body), 'the canonical body is itself a proposal with the same canonical body');

  // The key as some other tool writes it (CRLF, 76-column lines, no final newline) is
  // re-encoded as Go PEM, so the leaf (and the 409 dedupe) does not depend on it.
  const der = key.publicKey.export({ type: 'spki', format: 'der' });
  const wrapped = `-----BEGIN PUBLIC KEY-----\r\n${b64(der).replace(/(.{76})/g, '$1\r\n')}\r\n-----END PUBLIC KEY-----`;
  const other = withField(p, ['spec', 'signature', 'publicKey', 'content'], b64(wrapped));
  t.equal(leafHashHex((await canonicalizeProposedEntry(other)).body), leafHashHex(first.body), 'key PEM re-encoded');

  const extra = withField(withField(p, ['spec', 'data', 'content'], b64(artifact)), ['spec', 'unknown'], { x: 1 });
  t.ok((await canonicalizeProposedEntry(extra)).body.equals(first.body), 'unknown members are ignored, as upstream ignores them');
});

t.test('missing fields and wrong types are MALFORMED_ENTRY naming the field', async (t) => {
  const p = proposal(testKey('p256'), artifact);
  const cases: [(string | number)[], unknown, RegExp][] = [
    [['spec'], undefined, /^spec: required/],
    [['spec'], 'x', /^spec: must be an object/],
    [['spec', 'signature'], undefined, /^spec\.signature: required/],
    [['spec', 'signature', 'content'], undefined, /^spec\.signature\.content: required/],
    [['spec', 'signature', 'content'], '', /^spec\.signature\.content: must not be empty/],
    [['spec', 'signature', 'content'], 42, /^spec\.signature\.content: must be a string/],
    [['spec', 'signature', 'publicKey'], undefined, /^spec\.signature\.publicKey: required/],
    [['spec', 'signature', 'publicKey'], [], /^spec\.signature\.publicKey: must be an object/],
    [['spec', 'signature', 'publicKey', 'content'], null, /^spec\.signature\.publicKey\.content: required/],
    [['spec', 'data'], undefined, /^spec\.data: required/],
    [['spec', 'data', 'hash'], undefined, /^spec\.data\.hash: required/],
    [['spec', 'data', 'hash'], 'sha256:abc', /^spec\.data\.hash: must be an object/],
    [['spec', 'data', 'hash', 'algorithm'], undefined, /^spec\.data\.hash\.algorithm: required/],
    [['spec', 'data', 'hash', 'value'], undefined, /^spec\.data\.hash\.value: required/],
    [['spec', 'data', 'hash', 'value'], 7, /^spec\.data\.hash\.value: must be a string/],
  ];
  for (const [path, value, msg] of cases) await refused(t, withField(p, path, value), 'MALFORMED_ENTRY', msg);
  await refused(t, { kind: 'hashedrekord', apiVersion: '0.0.1' }, 'MALFORMED_ENTRY', /^spec: required/);
});

t.test('base64 is decoded strictly', async (t) => {
  // ECDSA signatures are randomised and their DER is 70-72 bytes: take one whose
  // base64 has padding, so that stripping it really makes a different string.
  let p = proposal(testKey('p256'), artifact);
  while (!p.spec.signature.content.endsWith('=')) p = proposal(testKey('p256'), artifact);
  const sig = p.spec.signature.content;
  for (const bad of ['not base64!', sig.replace(/=+$/, ''), `${sig.slice(0, 8)}\n${sig.slice(8)}`, sig.replace(/\+/g, '-').replace(/\//g, '_') + (/[+/]/.test(sig) ? '' : '-')]) {
    await refused(t, withField(p, ['spec', 'signature', 'content'], bad), 'MALFORMED_ENTRY', /^spec\.signature\.content: not valid standard base64/);
  }
  // "QR==" decodes to the same byte as "QQ==" but is not its encoding.
  await refused(t, withField(p, ['spec', 'signature', 'publicKey', 'content'], 'QR=='), 'MALFORMED_ENTRY', /^spec\.signature\.publicKey\.content: not valid standard base64/);
});

t.test('digests must be lower-case hex of the algorithm length', async (t) => {
  const p = proposal(testKey('p256'), artifact);
  const value = p.spec.data.hash.value;
  await refused(t, withField(p, ['spec', 'data', 'hash', 'value'], value.slice(2)), 'MALFORMED_ENTRY', /^spec\.data\.hash\.value: expected 64 hex characters for sha256, got 62/);
  await refused(t, withField(p, ['spec', 'data', 'hash', 'value'], value + '0'), 'MALFORMED_ENTRY', /expected 64 hex characters for sha256, got 65/);
  await refused(t, withField(p, ['spec', 'data', 'hash', 'value'], value.toUpperCase()), 'MALFORMED_ENTRY', /^spec\.data\.hash\.value: expected lower-case hex/);
  await refused(t, withField(p, ['spec', 'data', 'hash', 'value'], 'g' + value.slice(1)), 'MALFORMED_ENTRY', /lower-case hex/);
  await refused(t, withField(p, ['spec', 'data', 'hash', 'algorithm'], 'sha384'), 'MALFORMED_ENTRY', /^spec\.data\.hash\.value: expected 96 hex characters for sha384/);
  await refused(t, withField(p, ['spec', 'data', 'hash', 'algorithm'], 'md5'), 'MALFORMED_ENTRY', /^spec\.data\.hash\.algorithm: "md5" is not supported/);
  await refused(t, withField(p, ['spec', 'data', 'hash', 'algorithm'], 'SHA256'), 'MALFORMED_ENTRY', /^spec\.data\.hash\.algorithm: "SHA256" is not supported/);
});

t.test('signatures must verify over the digest with the given key', async (t) => {
  const key = testKey('p256');
  const p = proposal(key, artifact);
  await refused(t, withField(p, ['spec', 'data', 'hash', 'value'], sha256hex('other artifact')), 'INVALID_SIGNATURE', /^spec\.signature\.content: the signature does not verify/);
  await refused(t, withField(p, ['spec', 'signature', 'content'], b64(signMessage(key, Buffer.from('other')))), 'INVALID_SIGNATURE', /does not verify/);
  await refused(t, withField(p, ['spec', 'signature', 'publicKey', 'content'], b64(testKey('p256', 'other').publicPem)), 'INVALID_SIGNATURE', /does not verify/);
  await refused(t, withField(p, ['spec', 'signature', 'content'], b64(Buffer.alloc(64, 1))), 'INVALID_SIGNATURE', /does not verify/);
  const rsa = proposal(testKey('rsa2048'), artifact);
  await refused(t, withField(rsa, ['spec', 'data', 'hash', 'value'], sha256hex('x')), 'INVALID_SIGNATURE', /does not verify/);
  // Ed25519 signs as Ed25519ph only: a pure Ed25519 signature over the artifact is refused.
  const ed = testKey('ed25519');
  const pure = withField(proposal(ed, artifact, 'sha512'), ['spec', 'signature', 'content'], b64(signMessage(ed, artifact)));
  await refused(t, pure, 'INVALID_SIGNATURE', /Ed25519ph/);
});

t.test("upstream's default algorithm policy", async (t) => {
  // Properly signed, but a key/digest pair upstream's default --client-signing-algorithms refuses.
  await refused(t, proposal(testKey('p256'), artifact, 'sha384'), 'MALFORMED_ENTRY', /^spec\.data\.hash\.algorithm: entry algorithms are not allowed: ECDSA P-256 keys sign sha256 digests, got sha384/);
  await refused(t, proposal(testKey('p384'), artifact, 'sha256'), 'MALFORMED_ENTRY', /ECDSA P-384 keys sign sha384 digests, got sha256/);
  await refused(t, proposal(testKey('rsa2048'), artifact, 'sha512'), 'MALFORMED_ENTRY', /RSA keys sign sha256 digests, got sha512/);
  await refused(t, proposal(testKey('ed25519'), artifact, 'sha256'), 'MALFORMED_ENTRY', /Ed25519 \(as ed25519ph\) keys sign sha512 digests, got sha256/);
  const rsa2560 = generateKeyPairSync('rsa', { modulusLength: 2560 });
  const k: TestKey = { kind: 'rsa2048', ...rsa2560, publicPem: rsa2560.publicKey.export({ type: 'spki', format: 'pem' }) as string };
  await refused(t, proposal(k, artifact), 'INVALID_KEY', /^spec\.signature\.publicKey\.content: entry algorithms are not allowed: RSA keys must be of 2048, 3072, 4096 bits, got 2560/);
});

t.test('unsupported keys and certificate garbage are INVALID_KEY', async (t) => {
  const p = proposal(testKey('p256'), artifact);
  const withKey = (pem: string | Buffer) => withField(p, ['spec', 'signature', 'publicKey', 'content'], b64(pem));
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
  await refused(t, withKey(rsa1024), 'INVALID_KEY', /^spec\.signature\.publicKey\.content: RSA key of 1024 bits is too small/);
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' });
  await refused(t, withKey(k1), 'INVALID_KEY', /unsupported elliptic curve secp256k1/);
  await refused(t, withKey(`-----BEGIN CERTIFICATE-----\n${b64(Buffer.alloc(300, 7))}\n-----END CERTIFICATE-----\n`), 'INVALID_KEY', /^spec\.signature\.publicKey\.content: certificate/);
  await refused(t, withKey('hello, I am a key'), 'INVALID_KEY', /not a PEM-encoded public key or certificate/);
  await refused(t, withKey(testKey('p256').publicKey.export({ type: 'spki', format: 'der' })), 'INVALID_KEY', /not a PEM-encoded/);
  await refused(t, withKey(testKey('p256').privateKey.export({ type: 'pkcs8', format: 'pem' })), 'INVALID_KEY', /PRIVATE KEY/);
  await refused(t, withKey(testKey('rsa2048').publicKey.export({ type: 'pkcs1', format: 'pem' })), 'INVALID_KEY', /RSA PUBLIC KEY/);
  const cert = selfSignedCert(testKey('p256', 'cert'));
  await refused(t, withKey(cert.pem + cert.pem), 'INVALID_KEY', /certificate chains are not accepted/);
  await refused(t, withKey(cert.pem + 'trailing text\n'), 'INVALID_KEY', /data after the PEM block/);
});

t.test('digest bytes go to the verifier as given (sha512 over P-521, ECDSA truncation)', async (t) => {
  const key = testKey('p521');
  const p = proposal(key, artifact, 'sha512');
  const e = await canonicalizeProposedEntry(p);
  t.equal(JSON.parse(e.body.toString()).spec.data.hash.value, createHash('sha512').update(artifact).digest('hex'));
});
