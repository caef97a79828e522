// The HTTP API (protocols.md §4.1–§4.4) through fastify inject: both signingCert
// versions with exact statuses and media types, the read-only routes, CORS, and
// every hostile request, after each of which nothing reached the CT log and no
// certificate was issued.
import t, { type Test } from 'tap';
import { generateKeyPairSync, sign as cryptoSign, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { fromPem } from '@sigstack/core';
import { FulcioError, fulcioRoutes, type FulcioErrorCode } from '../../src/index.js';
import type { OidcErrorCode } from '@sigstack/oidc';
import { clientKey, EMAIL_PRINCIPAL, tempService, USERNAME_PRINCIPAL, verifyEmbeddedSct } from '../ca/helpers.js';

const s = await tempService({ clock: { now: () => Date.now() } });
t.teardown(s.cleanup);
const CONFIG = { issuers: [{ issuerUrl: 'http://oidc.local:8080', audience: 'sigstore', challengeClaim: 'email', issuerType: 'email' }] };
const BODY_LIMIT = 16 * 1024;
const app = Fastify({ logger: false });
await app.register(fulcioRoutes, { fulcio: s.fulcio, configuration: () => CONFIG, bodyLimit: BODY_LIMIT });
await app.ready();
t.teardown(() => app.close());

const key = clientKey('p256');
const pop = key.sign(EMAIL_PRINCIPAL.challenge).toString('base64');

function v2Body(o: { token?: string; content?: string; pop?: string; algorithm?: string } = {}) {
  return {
    ...(o.token !== undefined ? { credentials: { oidcIdentityToken: o.token } } : {}),
    publicKeyRequest: { publicKey: { algorithm: o.algorithm ?? 'ECDSA', content: o.content ?? key.pem }, proofOfPossession: o.pop ?? pop },
  };
}
function v1Body(o: { content?: string; pop?: string | null; csr?: string | null } = {}) {
  return {
    publicKey: { content: o.content ?? Buffer.from(key.pem).toString('base64'), algorithm: '' },
    signedEmailAddress: o.pop === undefined ? pop : o.pop,
    certificateSigningRequest: o.csr === undefined ? null : o.csr,
  };
}

async function post(version: 1 | 2, body: unknown, headers: Record<string, string> = {}) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({ method: 'POST', url: `/api/v${version}/signingCert`, payload, headers: { 'content-type': 'application/json', ...headers } });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Runs a refused request and checks status, grpc code, message, and that nothing was issued. */
async function refused(t: Test, res: Promise<Awaited<ReturnType<typeof post>>>, status: number, grpc: number, message: RegExp) {
  const ctBefore = s.ctLog.calls.length;
  const issuedBefore = s.issuedCount();
  const r = await res;
  t.equal(r.statusCode, status, `status ${status}`);
  t.match(r.headers['content-type'], /^application\/json/);
  const body = r.json() as { code: number; message: string; details: unknown[] };
  t.equal(body.code, grpc, `grpc code ${grpc}`);
  t.match(body.message, message);
  t.same(body.details, []);
  t.equal(s.ctLog.calls.length, ctBefore, 'the CT log received nothing');
  t.equal(s.issuedCount(), issuedBefore, 'no certificate issued');
  return body;
}

function checkChain(t: Test, pems: string[]) {
  t.equal(pems.length, 3);
  const ders = pems.map((p) => fromPem(p)[0]!.der);
  t.ok(ders[1]!.equals(s.ca.chainDer[0]!) && ders[2]!.equals(s.ca.chainDer[1]!), 'leaf, intermediate, root');
  const leaf = new X509Certificate(ders[0]!);
  t.ok(leaf.verify(new X509Certificate(ders[1]!).publicKey));
  t.ok(verifyEmbeddedSct(ders[0]!, ders[1]!, s.ctLog.key.publicKey), 'embedded SCT verifies');
  return leaf;
}

t.test('v2 signingCert', async (t) => {
  t.test('token in credentials: 200, embedded-SCT chain', async (t) => {
    const r = await post(2, v2Body({ token: 'email' }));
    t.equal(r.statusCode, 200);
    t.match(r.headers['content-type'], /^application\/json/);
    t.equal(r.headers['access-control-allow-origin'], '*', 'CORS');
    const body = r.json() as { signedCertificateEmbeddedSct: { chain: { certificates: string[] } } };
    t.same(Object.keys(body), ['signedCertificateEmbeddedSct']);
    const pems = body.signedCertificateEmbeddedSct.chain.certificates;
    t.ok(pems.every((p) => p.startsWith('-----BEGIN CERTIFICATE-----\n') && p.endsWith('-----END CERTIFICATE-----\n')));
    const leaf = checkChain(t, pems);
    t.equal(leaf.subjectAltName, 'email:alice@example.com');
    t.ok(leaf.publicKey.export({ type: 'spki', format: 'der' }).equals(key.der));
  });

  t.test('token in Authorization (sigstore-go)', async (t) => {
    const r = await post(2, v2Body(), bearer('email'));
    t.equal(r.statusCode, 200);
    checkChain(t, r.json().signedCertificateEmbeddedSct.chain.certificates);
  });

  t.test('credentials win over Authorization', async (t) => {
    const r = await post(2, v2Body({ token: 'username', pop: key.sign(USERNAME_PRINCIPAL.challenge).toString('base64') }), bearer('email'));
    t.equal(r.statusCode, 200);
  });

  t.test('algorithm is advisory: "RSA", "", anything', async (t) => {
    const rsa = clientKey('rsa2048');
    for (const algorithm of ['RSA', '', 'PUBLIC_KEY_ALGORITHM_UNSPECIFIED', 'nonsense']) {
      const r = await post(2, v2Body({ token: 'email', content: rsa.pem, pop: rsa.sign(EMAIL_PRINCIPAL.challenge).toString('base64'), algorithm }));
      t.equal(r.statusCode, 200, JSON.stringify(algorithm));
    }
    const ed = clientKey('ed25519');
    const r = await post(2, v2Body({ token: 'email', content: ed.pem, pop: ed.sign(EMAIL_PRINCIPAL.challenge).toString('base64url').replace(/=+$/, ''), algorithm: 'ECDSA' }));
    t.equal(r.statusCode, 200, 'URL-safe unpadded base64 PoP, Ed25519 labelled ECDSA');
  });

  t.test('publicKey.content as base64 DER', async (t) => {
    const r = await post(2, v2Body({ token: 'email', content: key.der.toString('base64') }));
    t.equal(r.statusCode, 200);
  });

  t.test('certificateSigningRequest (base64 of PEM)', async (t) => {
    const k = clientKey('p384');
    const keyPath = join(s.dir, 'csr-key.pem');
    writeFileSync(keyPath, k.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const csr = execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', '/CN=whoever', '-sha384']).toString();
    const r = await post(2, { credentials: { oidcIdentityToken: 'email' }, certificateSigningRequest: Buffer.from(csr).toString('base64') });
    t.equal(r.statusCode, 200);
    const leaf = checkChain(t, r.json().signedCertificateEmbeddedSct.chain.certificates);
    t.ok(leaf.publicKey.export({ type: 'spki', format: 'der' }).equals(k.der));
  });
});

t.test('v1 signingCert (cosign 2.x, gitsign)', async (t) => {
  t.test('201, application/pem-certificate-chain, upstream joining', async (t) => {
    const r = await post(1, v1Body(), bearer('email'));
    t.equal(r.statusCode, 201);
    t.equal(r.headers['content-type'], 'application/pem-certificate-chain');
    t.equal(r.headers['sct'], undefined, 'no detached SCT header');
    t.equal(r.headers['access-control-allow-origin'], '*');
    const blocks = r.body.split('\n\n');
    t.equal(blocks.length, 3, 'PEM blocks separated by an empty line (each block + "\\n", joined, trimmed)');
    t.notOk(r.body.endsWith('\n'), 'trimmed');
    checkChain(t, blocks.map((b) => b + '\n'));
    t.equal(blocks[1] + '\n', s.ca.chainPem[0]);
  });

  t.test('Go nulls and a CSR', async (t) => {
    const r = await post(1, { publicKey: { content: Buffer.from(key.pem).toString('base64'), algorithm: null }, signedEmailAddress: pop, certificateSigningRequest: null }, bearer('email'));
    t.equal(r.statusCode, 201);
    const k = clientKey('p256');
    const keyPath = join(s.dir, 'csr1-key.pem');
    writeFileSync(keyPath, k.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const csr = execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', '/CN=x']).toString();
    const r2 = await post(1, { publicKey: null, signedEmailAddress: null, certificateSigningRequest: Buffer.from(csr).toString('base64') }, bearer('email'));
    t.equal(r2.statusCode, 201);
  });

  t.test('the token is only taken from Authorization', async (t) => {
    await refused(t, post(1, { ...v1Body(), credentials: { oidcIdentityToken: 'email' } }), 401, 16, /^There was an error processing the credentials for this request: no OIDC identity token/);
  });
});

t.test('read-only routes', async (t) => {
  const tb = await app.inject({ method: 'GET', url: '/api/v2/trustBundle' });
  t.equal(tb.statusCode, 200);
  t.same(tb.json(), { chains: [{ certificates: [...s.ca.chainPem] }] });
  const rc = await app.inject({ method: 'GET', url: '/api/v1/rootCert' });
  t.equal(rc.statusCode, 200);
  t.equal(rc.headers['content-type'], 'application/pem-certificate-chain');
  t.equal(rc.body, s.ca.chainPem.map((p) => p + '\n').join('').trim());
  const cfg = await app.inject({ method: 'GET', url: '/api/v2/configuration' });
  t.equal(cfg.statusCode, 200);
  t.match(cfg.headers['content-type'], /^application\/json/);
  t.same(cfg.json(), CONFIG);
  t.equal(cfg.headers['access-control-allow-origin'], '*');
});

t.test('CORS preflight: as upstream (rs/cors defaults), nothing reflected (issue 10)', async (t) => {
  const preflight = (headers: Record<string, string>) => app.inject({ method: 'OPTIONS', url: '/api/v2/signingCert', headers: { origin: 'https://app.example', ...headers } });
  const ok = await preflight({ 'access-control-request-method': 'POST', 'access-control-request-headers': 'Content-Type' });
  t.equal(ok.statusCode, 204);
  t.equal(ok.headers['access-control-allow-origin'], '*');
  t.equal(ok.headers['access-control-allow-methods'], 'POST');
  t.equal(ok.headers['access-control-allow-headers'], 'content-type');
  t.equal(ok.headers['access-control-max-age'], undefined, 'no day-long cache');
  t.match(ok.headers.vary, /Origin/);
  for (const [what, headers] of [
    ['a header outside Accept/Content-Type/X-Requested-With', { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-evil' }],
    ['Authorization (upstream does not allow it either; browsers send the token in the v2 body)', { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' }],
    ['a method other than GET/POST/HEAD', { 'access-control-request-method': 'DELETE' }],
    ['no method', {}],
  ] as const) {
    const r = await preflight(headers);
    t.equal(r.statusCode, 204, what);
    t.equal(r.headers['access-control-allow-origin'], undefined, `${what}: refused`);
    t.equal(r.headers['access-control-allow-headers'], undefined, `${what}: nothing reflected`);
  }
  const noOrigin = await app.inject({ method: 'OPTIONS', url: '/api/v2/signingCert', headers: { 'access-control-request-method': 'POST' } });
  t.equal(noOrigin.headers['access-control-allow-origin'], undefined, 'not a CORS preflight without Origin');
});

t.test('hostile requests', async (t) => {
  t.test('missing token: 401', async (t) => {
    await refused(t, post(2, v2Body()), 401, 16, /no OIDC identity token/);
    await refused(t, post(1, v1Body()), 401, 16, /no OIDC identity token/);
    await refused(t, post(2, v2Body(), { authorization: 'Basic dXNlcjpwYXNz' }), 401, 16, /no OIDC identity token/);
    await refused(t, post(2, v2Body({ token: '' })), 401, 16, /no OIDC identity token/);
  });

  const tokenErrors: (FulcioErrorCode & OidcErrorCode)[] = ['TOKEN_INVALID', 'TOKEN_EXPIRED', 'TOKEN_NOT_YET_VALID', 'WRONG_AUDIENCE', 'ISSUER_UNTRUSTED', 'UNKNOWN_KEY_ID', 'CLAIMS_INVALID'];
  for (const code of tokenErrors) {
    t.test(`identity ${code}: 400 naming it`, async (t) => {
      s.identity.errors.set(code, code);
      const detail = `fake ${code.toLowerCase().replace(/_/g, ' ')} for this token`;
      const msg = new RegExp(`^There was an error processing the identity token: ${detail}$`);
      await refused(t, post(2, v2Body({ token: code })), 400, 3, msg);
      await refused(t, post(1, v1Body(), bearer(code)), 400, 3, msg);
    });
  }

  t.test('identity provider down: 503', async (t) => {
    s.identity.errors.set('idp-down', 'DISCOVERY_FAILED');
    await refused(t, post(2, v2Body({ token: 'idp-down' })), 503, 14, /identity token/);
  });

  t.test('bad proof of possession', async (t) => {
    await refused(t, post(2, v2Body({ token: 'email', pop: key.sign('bob@example.com').toString('base64') })), 400, 3, /^The signature supplied in the request could not be verified: .*alice@example.com/);
    await refused(t, post(1, v1Body({ pop: Buffer.from('junk').toString('base64') }), bearer('email')), 400, 3, /^The signature supplied in the request could not be verified/);
    await refused(t, post(1, v1Body({ pop: null }), bearer('email')), 400, 3, /no proof of possession/);
    // PoP over the wrong subject: a valid signature over the username challenge, presented with the email token
    await refused(t, post(2, v2Body({ token: 'email', pop: key.sign(USERNAME_PRINCIPAL.challenge).toString('base64') })), 400, 3, /could not be verified/);
  });

  t.test('a CSR whose signature is broken', async (t) => {
    const k = clientKey('p256');
    const keyPath = join(s.dir, 'broken-key.pem');
    writeFileSync(keyPath, k.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const der = Buffer.from(execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', '/CN=x', '-outform', 'DER']));
    der[der.length - 4]! ^= 0x01;
    await refused(t, post(2, { credentials: { oidcIdentityToken: 'email' }, certificateSigningRequest: der.toString('base64') }), 400, 3, /^The signature supplied in the request could not be verified: the CSR's self-signature/);
    await refused(t, post(1, { certificateSigningRequest: Buffer.from('garbage').toString('base64') }, bearer('email')), 400, 3, /^The certificate signing request could not be parsed/);
  });

  t.test('malformed base64, PEM, JSON', async (t) => {
    await refused(t, post(2, v2Body({ token: 'email', pop: 'not base64!!' })), 400, 3, /proofOfPossession is not valid base64/);
    await refused(t, post(1, v1Body({ content: '%%%' }), bearer('email')), 400, 3, /publicKey.content is not valid base64/);
    await refused(t, post(2, v2Body({ token: 'email', content: '-----BEGIN PUBLIC KEY-----\nnot*base64\n-----END PUBLIC KEY-----\n' })), 400, 3, /^The public key supplied in the request could not be parsed/);
    await refused(t, post(1, v1Body({ content: Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n').toString('base64') }), bearer('email')), 400, 3, /could not be parsed/);
    await refused(t, post(2, v2Body({ token: 'email', content: 'just text' })), 400, 3, /could not be parsed/);
    await refused(t, post(2, '{"publicKeyRequest": ', bearer('email')), 400, 3, /not valid JSON/);
    await refused(t, post(2, '[1,2]', bearer('email')), 400, 3, /JSON object/);
    await refused(t, post(2, { credentials: { oidcIdentityToken: 42 } }, bearer('email')), 400, 3, /oidcIdentityToken must be a string/);
    await refused(t, post(2, { publicKeyRequest: 'x' }, bearer('email')), 400, 3, /publicKeyRequest must be an object/);
    await refused(t, post(2, {}, bearer('email')), 400, 3, /neither publicKeyRequest nor certificateSigningRequest/);
    await refused(t, post(1, {}, bearer('email')), 400, 3, /publicKey.content is missing/);
  });

  t.test('weak or unsupported keys', async (t) => {
    for (const [name, pair] of [
      ['RSA-1024', generateKeyPairSync('rsa', { modulusLength: 1024 })],
      ['secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' })],
    ] as const) {
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const sig = cryptoSign('sha256', Buffer.from(EMAIL_PRINCIPAL.challenge), pair.privateKey).toString('base64');
      t.comment(name);
      await refused(t, post(2, v2Body({ token: 'email', content: pem, pop: sig })), 400, 3, /^The public key supplied in the request is insecure: /);
      await refused(t, post(1, v1Body({ content: Buffer.from(pem).toString('base64'), pop: sig }), bearer('email')), 400, 3, /is insecure/);
    }
  });

  t.test('oversized body: 413', async (t) => {
    const big = JSON.stringify({ ...v2Body({ token: 'email' }), padding: 'x'.repeat(BODY_LIMIT) });
    await refused(t, post(2, big), 413, 8, /exceeds the 16384-byte limit/);
    await refused(t, post(1, big, bearer('email')), 413, 8, /exceeds/);
  });

  t.test('other media types: 415', async (t) => {
    await refused(t, post(2, JSON.stringify(v2Body({ token: 'email' })), { 'content-type': 'text/plain' }), 415, 3, /application\/json/);
    await refused(t, post(1, 'x', { 'content-type': 'application/x-www-form-urlencoded', ...bearer('email') }), 415, 3, /application\/json/);
  });

  t.test('CT log failure: 500, nothing issued', async (t) => {
    s.ctLog.fail = new Error('log is read-only');
    t.teardown(() => (s.ctLog.fail = undefined));
    const issuedBefore = s.issuedCount();
    const r = await post(2, v2Body({ token: 'email' }));
    t.equal(r.statusCode, 500);
    t.same(r.json(), { code: 13, message: 'Error entering certificate in CTL: the CT log did not accept the precertificate: log is read-only', details: [] });
    t.equal(s.issuedCount(), issuedBefore, 'no final certificate');
    const r1 = await post(1, v1Body(), bearer('email'));
    t.equal(r1.statusCode, 500);
  });

  t.test('CT log back-pressure: 503 + Retry-After, nothing issued', async (t) => {
    // The CtLogClient contract: a busy log rejects with CT_LOG_BUSY (issue 10: the CA
    // no longer reads engine codes such as PUSHBACK).
    s.ctLog.fail = new FulcioError('CT_LOG_BUSY', 'the CT log is busy (20000 entries waiting); retry shortly');
    t.teardown(() => (s.ctLog.fail = undefined));
    const issuedBefore = s.issuedCount();
    const r = await post(2, v2Body({ token: 'email' }));
    t.equal(r.statusCode, 503);
    t.match(r.headers['retry-after'], /^[12]$/);
    t.match(r.json(), { code: 14, message: /busy/ });
    t.equal(s.issuedCount(), issuedBefore, 'no final certificate');
  });

  t.test('an engine code on a plain error is not taken for "busy" (issue 10)', async (t) => {
    s.ctLog.fail = Object.assign(new Error('the log has 20000 entries waiting'), { code: 'PUSHBACK' });
    t.teardown(() => (s.ctLog.fail = undefined));
    const r = await post(2, v2Body({ token: 'email' }));
    t.equal(r.statusCode, 500);
    t.equal(r.headers['retry-after'], undefined);
  });

  t.test('the server keeps serving', async (t) => {
    const r = await post(1, v1Body(), bearer('email'));
    t.equal(r.statusCode, 201);
  });
});

t.test('request bodies are checked by their schema, the error naming the field (issue 10)', async (t) => {
  const { V2_REQUEST_SCHEMA, V1_REQUEST_SCHEMA } = await import('../../src/routes/request-body.js');
  t.equal(V2_REQUEST_SCHEMA.type, 'object');
  t.ok(V1_REQUEST_SCHEMA.properties.signedEmailAddress);
  for (const [version, body, message] of [
    [2, { credentials: 'x' }, /could not be parsed: credentials must be an object$/],
    [2, { publicKeyRequest: { publicKey: { content: 42 } } }, /publicKeyRequest\.publicKey\.content must be a string$/],
    [2, { publicKeyRequest: { publicKey: [] } }, /publicKeyRequest\.publicKey must be an object$/],
    [2, { certificateSigningRequest: 'not base64!' }, /certificateSigningRequest is not valid base64$/],
    [1, { publicKey: { algorithm: 7 } }, /publicKey\.algorithm must be a string$/],
    [1, { signedEmailAddress: false }, /signedEmailAddress must be a string$/],
  ] as const) {
    await refused(t, post(version, body, bearer('email')), 400, 3, message);
  }
  // null is absent, unknown members are ignored (Go clients, protobuf-JSON).
  const r = await post(2, { ...v2Body({ token: 'email' }), certificateSigningRequest: null, extra: { any: 1 } });
  t.equal(r.statusCode, 200, r.body);
});
