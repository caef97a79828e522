import t, { type Test } from 'tap';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalizeProposedEntry, pae } from '../../src/types/index.js';
import { RekorError } from '../../src/errors.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }) as string;
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function refused(t: Test, proposed: unknown, code: string, msg: RegExp) {
  try {
    await canonicalizeProposedEntry(proposed);
    t.fail(`accepted, expected ${code} ${msg}`);
  } catch (e) {
    t.ok(e instanceof RekorError, `a RekorError (${(e as Error).message})`);
    t.equal((e as RekorError).code, code, `code ${code}`);
    t.match((e as Error).message, msg);
  }
}

function hashedrekord(key: { privateKey: KeyObject; publicKey: KeyObject }, artifact = Buffer.from('artifact'), alg: 'sha256' | 'sha384' = 'sha256') {
  return {
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    spec: {
      data: { hash: { algorithm: alg, value: createHash(alg).update(artifact).digest('hex') } },
      signature: { content: b64(sign(key.privateKey.asymmetricKeyType === 'ed25519' ? null : alg, artifact, key.privateKey)), publicKey: { content: b64(pem(key.publicKey)) } },
    },
  };
}

t.test('hashedrekord 0.0.1', async (t) => {
  const e = await canonicalizeProposedEntry(hashedrekord(ec));
  const body = JSON.parse(e.body.toString());
  t.same(Object.keys(body), ['apiVersion', 'kind', 'spec'], 'JCS member order');
  t.equal(Buffer.from(body.spec.signature.publicKey.content, 'base64').toString(), pem(ec.publicKey), 'key re-encoded as Go PEM');
  t.ok(e.indexKeys.includes(`sha256:${sha('artifact')}`));
  t.ok(e.indexKeys.includes(sha(pem(ec.publicKey))));
  t.equal((await canonicalizeProposedEntry(hashedrekord(ec))).body.length, e.body.length, 'stable');
  await canonicalizeProposedEntry(hashedrekord(ec384, Buffer.from('x'), 'sha384'));
  await canonicalizeProposedEntry(hashedrekord(rsa));
  const good = hashedrekord(ec);
  await refused(t, { ...good, spec: { ...good.spec, data: { hash: { algorithm: 'sha256', value: 'ab' } } } }, 'MALFORMED_ENTRY', /64 lower-case hex/);
  await refused(t, { ...good, spec: { ...good.spec, data: { hash: { algorithm: 'md5', value: 'ab' } } } }, 'MALFORMED_ENTRY', /md5/);
  await refused(t, hashedrekord(ec, Buffer.from('other')).spec.data && { ...good, spec: { ...good.spec, data: hashedrekord(ec, Buffer.from('other')).spec.data } }, 'INVALID_SIGNATURE', /does not verify/);
  await refused(t, { ...good, spec: { ...good.spec, signature: { ...good.spec.signature, content: 'not base64!' } } }, 'MALFORMED_ENTRY', /base64/);
  await refused(t, hashedrekord(ed as never), 'INVALID_KEY', /Ed25519/);
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  await refused(t, hashedrekord(weak), 'INVALID_KEY', /too small/);
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  await refused(t, hashedrekord(k1), 'INVALID_KEY', /curve/);
  await refused(t, { ...good, apiVersion: '0.0.2' }, 'UNSUPPORTED_KIND', /0\.0\.2/);
  await refused(t, { ...good, kind: 'rpm' }, 'UNSUPPORTED_KIND', /rpm/);
  await refused(t, { kind: 'hashedrekord', apiVersion: '0.0.1' }, 'MALFORMED_ENTRY', /spec: required/);
});

t.test('rekord 0.0.1 (x509)', async (t) => {
  for (const key of [ec, ed, rsa]) {
    const artifact = Buffer.from('release tarball');
    const sig = sign(key === ed ? null : 'sha256', artifact, key.privateKey);
    const e = await canonicalizeProposedEntry({
      kind: 'rekord',
      apiVersion: '0.0.1',
      spec: { data: { content: b64(artifact) }, signature: { format: 'x509', content: b64(sig), publicKey: { content: b64(pem(key.publicKey)) } } },
    });
    const body = JSON.parse(e.body.toString());
    t.same(body.spec.data, { hash: { algorithm: 'sha256', value: sha(artifact) } }, 'artifact replaced by its hash');
    t.equal(body.spec.signature.format, 'x509');
  }
  const spec = (over: object) => ({ kind: 'rekord', apiVersion: '0.0.1', spec: { data: { content: b64('a') }, signature: { format: 'x509', content: b64(sign('sha256', Buffer.from('a'), ec.privateKey)), publicKey: { content: b64(pem(ec.publicKey)) } }, ...over } });
  await refused(t, spec({ data: { content: b64('a'), hash: { algorithm: 'sha256', value: sha('b') } } }), 'MALFORMED_ENTRY', /does not match/);
  await refused(t, spec({ data: { url: 'http://example.com/a' } }), 'MALFORMED_ENTRY', /URL/);
  await refused(t, spec({ data: { content: b64('b') } }), 'INVALID_SIGNATURE', /artifact/);
  await refused(t, spec({ signature: { format: 'pgp', content: 'AA==', publicKey: { content: 'AA==' } } }), 'UNSUPPORTED_KIND', /pgp/);
});

function envelope(keys: KeyObject[], payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"a","digest":{"sha256":"' + sha('a') + '"}}]}')) {
  const payloadType = 'application/vnd.in-toto+json';
  const signatures = keys.map((k) => ({ keyid: '', sig: b64(sign(k.asymmetricKeyType === 'ed25519' ? null : 'sha256', pae(payloadType, payload), k)) }));
  return { json: JSON.stringify({ payloadType, payload: b64(payload), signatures }), payload, payloadType, signatures };
}

t.test('dsse 0.0.1', async (t) => {
  const env = envelope([ec.privateKey, ed.privateKey]);
  const e = await canonicalizeProposedEntry({ kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: env.json, verifiers: [b64(pem(ed.publicKey)), b64(pem(ec.publicKey))] } } });
  const body = JSON.parse(e.body.toString());
  t.equal(body.spec.envelopeHash.value, sha(env.json));
  t.equal(body.spec.payloadHash.value, sha(env.payload));
  t.same(body.spec.signatures.map((s: { signature: string }) => s.signature), env.signatures.map((s) => s.sig).sort(), 'sorted by signature');
  t.notOk('proposedContent' in body.spec);
  t.ok(e.indexKeys.includes(`sha256:${sha('a')}`), 'in-toto subject digest indexed');
  await refused(t, { kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: env.json, verifiers: [b64(pem(ec.publicKey))] } } }, 'INVALID_SIGNATURE', /every signature/);
  await refused(t, { kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: '{"payloadType":"x","payload":"","signatures":[]}', verifiers: [b64(pem(ec.publicKey))] } } }, 'MALFORMED_ENTRY', /at least one signature/);
  await refused(t, { kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: 'nope', verifiers: [] } } }, 'MALFORMED_ENTRY', /DSSE envelope/);
  await refused(t, { kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: env.json, verifiers: [b64(pem(ec.publicKey))] }, envelopeHash: { algorithm: 'sha256', value: sha('x') } } }, 'MALFORMED_ENTRY', /computed by the log/);
});

t.test('intoto 0.0.1', async (t) => {
  const env = envelope([ec.privateKey]);
  const e = await canonicalizeProposedEntry({ kind: 'intoto', apiVersion: '0.0.1', spec: { publicKey: b64(pem(ec.publicKey)), content: { envelope: env.json } } });
  const body = JSON.parse(e.body.toString());
  t.same(body.spec.content, { hash: { algorithm: 'sha256', value: sha(env.json) }, payloadHash: { algorithm: 'sha256', value: sha(env.payload) } });
  t.equal(Buffer.from(body.spec.publicKey, 'base64').toString(), pem(ec.publicKey));
  await refused(t, { kind: 'intoto', apiVersion: '0.0.1', spec: { publicKey: b64(pem(rsa.publicKey)), content: { envelope: env.json } } }, 'INVALID_SIGNATURE', /no signature/);
});

t.test('intoto 0.0.2 (double-encoded envelope, per-signature keys)', async (t) => {
  const env = envelope([ec.privateKey]);
  const proposed = (sig = env.signatures[0]!.sig) => ({
    kind: 'intoto',
    apiVersion: '0.0.2',
    spec: {
      content: {
        envelope: { payloadType: env.payloadType, payload: b64(b64(env.payload)), signatures: [{ sig: b64(sig), publicKey: b64(pem(ec.publicKey)) }] },
        hash: { algorithm: 'sha256', value: sha('client computed') },
        payloadHash: { algorithm: 'sha256', value: sha(env.payload) },
      },
    },
  });
  const e = await canonicalizeProposedEntry(proposed());
  const body = JSON.parse(e.body.toString());
  t.equal(body.apiVersion, '0.0.2');
  t.notOk('payload' in body.spec.content.envelope, 'payload dropped');
  t.equal(body.spec.content.payloadHash.value, sha(env.payload));
  t.equal(body.spec.content.envelope.signatures[0].sig, b64(env.signatures[0]!.sig), 'sig kept double-encoded');
  const bad = envelope([rsa.privateKey]).signatures[0]!.sig;
  await refused(t, proposed(bad), 'INVALID_SIGNATURE', /no given key/);
});

t.test('limits', async (t) => {
  const env = envelope(Array.from({ length: 17 }, () => ec.privateKey));
  await refused(t, { kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: env.json, verifiers: [b64(pem(ec.publicKey))] } } }, 'MALFORMED_ENTRY', /at most 16/);
});
