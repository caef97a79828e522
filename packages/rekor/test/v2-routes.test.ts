// Rekor v2 write API through fastify.inject (protocols.md §7): the 201 TransparencyLogEntry
// for each accepted key type, the canonical leaf byte for byte, its inclusion proof
// against the Ed25519-signed checkpoint, 409 + x-log-index, the witness hook, and every
// bad input answered 4xx {code, message} naming the problem with nothing written.
import t, { type Test } from 'tap';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createEphemeralSigner } from '@sigstack/core';
import { createEd25519NoteVerifier, ed25519KeyId, leafHash, verifyCheckpoint, verifyInclusion, type Checkpoint } from '@sigstack/merkle';
import { openRekorV2, rekorV2Routes, RekorError, type RekorV2Instance } from '../src/index.js';
import { b64, ed25519Seed, nobleEd25519ph, paeOf, selfSignedCert, testKey, type KeyKind, type TestKey } from './types/entry-fixtures.js';

const HOST = 'log.example.test';
const signer = createEphemeralSigner('ed25519');

async function openApp(t: Test, opts: { cosign?: (cp: Checkpoint) => Promise<string>; bodyLimit?: number } = {}): Promise<{ app: FastifyInstance; v2: RekorV2Instance }> {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-rekor-v2-'));
  const v2 = await openRekorV2({ path: join(dir, 'log.db'), signer, hostname: HOST, maxBatchWaitMs: 0, ...(opts.cosign ? { cosignCheckpoint: opts.cosign } : {}) });
  const app = Fastify();
  await app.register(rekorV2Routes, { rekorV2: v2.service, ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}) });
  t.teardown(async () => {
    await app.close();
    await v2.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, v2 };
}

const HASH: Record<KeyKind, string> = { p256: 'sha256', p384: 'sha384', p521: 'sha512', ed25519: 'sha512', rsa2048: 'sha256', rsa3072: 'sha256', rsa4096: 'sha256' };
const DETAILS: Record<KeyKind, string> = {
  p256: 'PKIX_ECDSA_P256_SHA_256',
  p384: 'PKIX_ECDSA_P384_SHA_384',
  p521: 'PKIX_ECDSA_P521_SHA_512',
  ed25519: 'PKIX_ED25519_PH',
  rsa2048: 'PKIX_RSA_PKCS1V15_2048_SHA256',
  rsa3072: 'PKIX_RSA_PKCS1V15_3072_SHA256',
  rsa4096: 'PKIX_RSA_PKCS1V15_4096_SHA256',
};
const PROTO_HASH: Record<string, string> = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' };

/** What cosign 3 sends for a message signature: the digest, the signature over it, the key (or certificate) DER. */
function hashedRekord(key: TestKey, artifact: string, verifier: { cert?: Buffer } = {}) {
  const hash = HASH[key.kind];
  const digest = createHash(hash).update(artifact).digest();
  const content =
    key.kind === 'ed25519' ? Buffer.from(nobleEd25519ph().sign(Buffer.from(artifact), ed25519Seed(key))) : sign(hash, Buffer.from(artifact), key.privateKey);
  const der = verifier.cert ?? key.publicKey.export({ type: 'spki', format: 'der' });
  const v: { keyDetails: string; publicKey?: { rawBytes: string }; x509Certificate?: { rawBytes: string } } = { keyDetails: DETAILS[key.kind] };
  v[verifier.cert ? 'x509Certificate' : 'publicKey'] = { rawBytes: b64(der) };
  return { hashedRekordRequestV002: { digest: b64(digest), signature: { content: b64(content), verifier: v } } };
}

async function post(app: FastifyInstance, body: unknown, raw = false) {
  return app.inject({ method: 'POST', url: '/api/v2/log/entries', headers: { 'content-type': 'application/json' }, payload: raw ? (body as string) : JSON.stringify(body) });
}

/** Checks a 201 answer the way sigstore-go does: checkpoint signed by the log key under the host name, leaf at logIndex. */
function checkEntry(t: Test, tle: Record<string, any>, expectedBody?: string) {
  t.same(Object.keys(tle), ['logIndex', 'logId', 'kindVersion', 'integratedTime', 'inclusionPromise', 'inclusionProof', 'canonicalizedBody'], 'exactly the proto fields');
  t.equal(tle.integratedTime, '0');
  t.equal(tle.inclusionPromise, null);
  t.equal(tle.logId.keyId, ed25519KeyId(HOST, signer.publicKeyDer.subarray(-32)).toString('base64'), 'logId = C2SP key ID');
  const body = Buffer.from(tle.canonicalizedBody, 'base64');
  if (expectedBody !== undefined) t.equal(body.toString(), expectedBody, 'canonical body byte for byte');
  const cp = verifyCheckpoint(tle.inclusionProof.checkpoint.envelope, [createEd25519NoteVerifier(HOST, signer.publicKeyDer)], { origin: HOST });
  t.equal(String(cp.size), tle.inclusionProof.treeSize);
  t.equal(cp.rootHash.toString('base64'), tle.inclusionProof.rootHash);
  t.equal(tle.inclusionProof.logIndex, tle.logIndex);
  t.doesNotThrow(
    () => verifyInclusion(leafHash(body), Number(tle.logIndex), cp.size, tle.inclusionProof.hashes.map((h: string) => Buffer.from(h, 'base64')), cp.rootHash),
    'inclusion proof verifies',
  );
}

t.test('hashedrekord 0.0.2 with a certificate: 201, canonical JCS body, proof against the checkpoint', async (t) => {
  const { app } = await openApp(t);
  const key = testKey('p256', 'v2-cert');
  const cert = selfSignedCert(key, ['email:v2@example.com']);
  const req = hashedRekord(key, 'artifact one', { cert: cert.der });
  const res = await post(app, req);
  t.equal(res.statusCode, 201, res.body);
  t.match(res.headers['content-type'], /application\/json/);
  const r = req.hashedRekordRequestV002;
  const expected =
    `{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":"${r.digest}"},` +
    `"signature":{"content":"${r.signature.content}","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","x509Certificate":{"rawBytes":"${b64(cert.der)}"}}}}}}`;
  const tle = res.json();
  t.same(tle.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
  checkEntry(t, tle, expected);
  t.equal(tle.logIndex, '0');
});

t.test('every accepted key type with a public key (digest of the keyDetails hash; Ed25519 as Ed25519ph)', async (t) => {
  const { app } = await openApp(t);
  for (const kind of ['p256', 'p384', 'p521', 'ed25519', 'rsa2048'] as const) {
    const res = await post(app, hashedRekord(testKey(kind), `artifact for ${kind}`));
    t.equal(res.statusCode, 201, `${kind}: ${res.body}`);
    const body = JSON.parse(Buffer.from(res.json().canonicalizedBody, 'base64').toString());
    t.equal(body.spec.hashedRekordV002.data.algorithm, PROTO_HASH[HASH[kind]], `${kind}: data.algorithm`);
    checkEntry(t, res.json());
  }
});

t.test('snake_case field names and a numeric enum are read as protojson reads them; a duplicate is 409 with x-log-index', async (t) => {
  const { app, v2 } = await openApp(t);
  const key = testKey('p256');
  const req = hashedRekord(key, 'dedupe me').hashedRekordRequestV002;
  const first = await post(app, { hashedRekordRequestV002: req });
  t.equal(first.statusCode, 201);
  const snake = {
    hashed_rekord_request_v002: { digest: req.digest, signature: { content: req.signature.content, verifier: { public_key: { raw_bytes: req.signature.verifier.publicKey!.rawBytes }, key_details: 5 } } },
  };
  const dup = await post(app, snake);
  t.equal(dup.statusCode, 409, dup.body);
  t.equal(dup.headers['x-log-index'], first.json().logIndex);
  t.same(Object.keys(dup.json()), ['code', 'message']);
  t.equal(dup.json().code, 409);
  t.equal(v2.log.checkpoint().size, 1, 'not appended twice');
});

t.test('dsse 0.0.2 (sigstore-js): every signature verified, payloadHash = SHA-256(payload)', async (t) => {
  const { app } = await openApp(t);
  const key = testKey('p256', 'dsse');
  const cert = selfSignedCert(key);
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
  const sig = sign('sha256', paeOf('application/vnd.in-toto+json', payload), key.privateKey);
  const req = {
    dsseRequestV002: {
      envelope: { payload: b64(payload), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: b64(sig), keyid: '' }] },
      verifiers: [{ x509Certificate: { rawBytes: b64(cert.der) }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' }],
    },
  };
  const res = await post(app, req);
  t.equal(res.statusCode, 201, res.body);
  t.same(res.json().kindVersion, { kind: 'dsse', version: '0.0.2' });
  const expected =
    `{"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{"payloadHash":{"algorithm":"SHA2_256","digest":"${b64(createHash('sha256').update(payload).digest())}"},` +
    `"signatures":[{"content":"${b64(sig)}","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","x509Certificate":{"rawBytes":"${b64(cert.der)}"}}}]}}}`;
  checkEntry(t, res.json(), expected);
  const other = testKey('p256', 'dsse-other');
  const bad = structuredClone(req);
  bad.dsseRequestV002.envelope.signatures.push({ sig: b64(sign('sha256', paeOf('application/vnd.in-toto+json', payload), other.privateKey)), keyid: '' });
  const refused = await post(app, bad);
  t.equal(refused.statusCode, 400);
  t.match(refused.json().message, /signatures\[1\]\.sig: no verifier's key verifies/);
});

t.test('the witness hook supplies the checkpoint text served with a new entry', async (t) => {
  const seen: number[] = [];
  const { app } = await openApp(t, {
    cosign: async (cp) => {
      seen.push(cp.size);
      return `${cp.text}— witness.example AAAAAAAA\n`;
    },
  });
  const res = await post(app, hashedRekord(testKey('p256'), 'witnessed'));
  t.equal(res.statusCode, 201);
  t.same(seen, [1]);
  t.match(res.json().inclusionProof.checkpoint.envelope, /\n— log\.example\.test \S+\n— witness\.example AAAAAAAA\n$/);
});

t.test('a witness hook that fails: 503 + Retry-After + x-log-index, the entry stays logged, a retry gets 409', async (t) => {
  const { app, v2 } = await openApp(t, {
    cosign: async () => {
      throw new Error('1 of the 2 witness cosignatures needed arrived within 100 ms');
    },
  });
  const body = hashedRekord(testKey('p256'), 'not witnessed');
  const res = await post(app, body);
  t.equal(res.statusCode, 503);
  t.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
  t.equal(res.headers['x-log-index'], '0');
  t.equal(res.json().code, 503);
  t.match(res.json().message, /logged at index 0, but its checkpoint was not cosigned by the witnesses in time \(1 of the 2 witness/);
  t.equal(v2.log.checkpoint().size, 1, 'the entry is in the log');
  const again = await post(app, body);
  t.equal(again.statusCode, 409);
  t.equal(again.headers['x-log-index'], '0');
});

t.test('hostile input: 4xx naming the problem, nothing written, the server keeps serving', async (t) => {
  const { app, v2 } = await openApp(t, { bodyLimit: 64 * 1024 });
  const p256 = testKey('p256');
  const good = hashedRekord(p256, 'good');
  const r = good.hashedRekordRequestV002;
  const cert = selfSignedCert(p256);
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ed = testKey('ed25519');
  const set = (path: (string | number)[], value: unknown) => {
    const c = structuredClone(good) as any;
    let o = c;
    for (const k of path.slice(0, -1)) o = o[k];
    if (value === undefined) delete o[path[path.length - 1]!];
    else o[path[path.length - 1]!] = value;
    return c;
  };
  const V = ['hashedRekordRequestV002', 'signature', 'verifier'];
  const cases: [string, unknown, number, RegExp, boolean?][] = [
    ['malformed JSON', '{"hashedRekordRequestV002": {', 400, /JSON/, true],
    ['not an object', '[1,2]', 400, /body must be object/, true],
    ['no request kind', {}, 400, /one of hashedRekordRequestV002 or dsseRequestV002 is required/],
    ['a v1 proposed entry', { kind: 'hashedrekord', apiVersion: '0.0.1', spec: {} }, 400, /request: unknown field "kind"/],
    ['an unknown kind', { rekordRequestV002: {} }, 400, /unknown field "rekordRequestV002"/],
    ['two kinds at once', { ...good, dsseRequestV002: {} }, 400, /only one of hashedRekordRequestV002, dsseRequestV002/],
    ['the same field by both names', { ...good, hashed_rekord_request_v002: good.hashedRekordRequestV002 }, 400, /given more than once/],
    ['an unknown nested field', set([...V, 'extra'], 1), 400, /verifier: unknown field "extra"/],
    ['bad base64 digest', set(['hashedRekordRequestV002', 'digest'], 'not base64!'), 400, /hashedRekordRequestV002\.digest: not valid base64/],
    ['missing digest', set(['hashedRekordRequestV002', 'digest'], undefined), 400, /hashedRekordRequestV002\.digest: required/],
    ['empty signature', set(['hashedRekordRequestV002', 'signature', 'content'], ''), 400, /signature\.content: must not be empty/],
    ['missing verifier', set([...V], undefined), 400, /signature\.verifier: required/],
    ['a bad signature', set(['hashedRekordRequestV002', 'signature', 'content'], b64(sign('sha256', Buffer.from('other'), p256.privateKey))), 400, /does not verify/],
    ['digest length vs keyDetails', set(['hashedRekordRequestV002', 'digest'], b64(Buffer.alloc(48, 1))), 400, /48 bytes, but PKIX_ECDSA_P256_SHA_256 signs sha256 digests of 32 bytes/],
    ['keyDetails not the key\'s', set([...V, 'keyDetails'], 'PKIX_ECDSA_P384_SHA_384'), 400, /PKIX_ECDSA_P384_SHA_384 does not match the key, which is ECDSA P256/],
    ['an RSA label on an EC key', set([...V, 'keyDetails'], 'PKIX_RSA_PKCS1V15_2048_SHA256'), 400, /does not match the key/],
    ['missing keyDetails', set([...V, 'keyDetails'], undefined), 400, /keyDetails: required/],
    ['unknown keyDetails', set([...V, 'keyDetails'], 'PKIX_NOPE'), 400, /keyDetails: unknown value "PKIX_NOPE"/],
    ['RSA-PSS', set([...V, 'keyDetails'], 'PKIX_RSA_PSS_2048_SHA256'), 400, /PKIX_RSA_PSS_2048_SHA256 is not accepted/],
    [
      'pure Ed25519',
      (() => {
        const c = hashedRekord(ed, 'pure') as any;
        c.hashedRekordRequestV002.signature.verifier.keyDetails = 'PKIX_ED25519';
        return c;
      })(),
      400,
      /PKIX_ED25519 \(pure Ed25519\) is not accepted/,
    ],
    ['RSA-1024', set([...V, 'publicKey', 'rawBytes'], b64(rsa1024.publicKey.export({ type: 'spki', format: 'der' }))), 400, /publicKey\.rawBytes: .*(2048|too small|RSA)/],
    ['a certificate sent as publicKey', set([...V, 'publicKey', 'rawBytes'], b64(cert.der)), 400, /publicKey\.rawBytes/],
    ['a key sent as x509Certificate', set([...V], { x509Certificate: { rawBytes: r.signature.verifier.publicKey!.rawBytes }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' }), 400, /x509Certificate\.rawBytes/],
    ['garbage key bytes', set([...V, 'publicKey', 'rawBytes'], b64(Buffer.from('not a key'))), 400, /publicKey\.rawBytes/],
    ['both key forms', set([...V, 'x509Certificate'], { rawBytes: b64(cert.der) }), 400, /only one of publicKey, x509Certificate/],
    ['dsse without verifiers', { dsseRequestV002: { envelope: { payload: 'e30=', payloadType: 't', signatures: [{ sig: 'AAAA', keyid: '' }] }, verifiers: [] } }, 400, /verifiers: at least one verifier/],
    ['dsse without signatures', { dsseRequestV002: { envelope: { payload: 'e30=', payloadType: 't', signatures: [] }, verifiers: [] } }, 400, /at least one signature/],
    ['an oversized body', { ...good, pad: 'x'.repeat(70 * 1024) }, 413, /too large/i],
  ];
  for (const [name, body, status, msg, raw] of cases) {
    const res = await post(app, body, raw ?? typeof body === 'string');
    t.equal(res.statusCode, status, `${name}: ${res.body}`);
    t.match(res.json().message, msg, name);
    t.equal(res.json().code, status, `${name}: body code`);
  }
  t.equal(v2.log.checkpoint().size, 0, 'nothing was written');
  t.equal((await post(app, good)).statusCode, 201, 'the server still serves');
});

t.test('the service refuses what the engine refuses, coded', async (t) => {
  const { v2 } = await openApp(t);
  await t.rejects(v2.service.createEntry({}), RekorError);
  await t.rejects(v2.service.createEntry({}), { code: 'UNSUPPORTED_KIND' });
});
