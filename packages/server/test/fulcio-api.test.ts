// The CA through the whole stack (its development issuer on the same origin, the real
// CT log): hostile tokens and requests each get a 4xx JSON error naming the problem,
// no certificate, and nothing in the CT log; the stack keeps serving. issue 3 item 7.
import t from 'tap';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { DEV_OIDC_KEY_FILE } from '../src/index.js';
import { tempStack } from './fixtures.js';

const { stack, dataDir, cleanup } = await tempStack();
t.teardown(cleanup);
const url = stack.url; // tempStack listens
const app = stack.app;
const issuer = `${url}/oidc`;
const ciIssuer = `${url}/oidc/ci`;
const idpKey = createPrivateKey(readFileSync(join(dataDir, DEV_OIDC_KEY_FILE)));
const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
const kid = jwks.keys[0]!.kid;

const now = () => Math.floor(Date.now() / 1000);
const email = 'alice@example.com';
async function jwt(claims: Record<string, unknown>, opts: { key?: KeyObject; header?: Record<string, unknown> } = {}): Promise<string> {
  return new SignJWT({ iss: issuer, aud: 'sigstore', sub: email, email, email_verified: true, iat: now(), exp: now() + 600, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, ...opts.header })
    .sign(opts.key ?? idpKey);
}
const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pubPem = clientKey.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const pop = (subject: string, key = clientKey.privateKey) => sign('sha256', Buffer.from(subject), key).toString('base64');

function v2Body(opts: { key?: string; proof?: string } = {}) {
  return { publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: opts.key ?? pubPem }, proofOfPossession: opts.proof ?? pop(email) } };
}
async function ctSize(): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/ct/v1/get-sth' })).json().tree_size;
}
async function post(token: string | undefined, body: unknown = v2Body()) {
  return app.inject({
    method: 'POST',
    url: '/api/v2/signingCert',
    headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

t.test('a good token gets a 10-minute certificate for its email, with an SCT from our CT log', async (t) => {
  const before = await ctSize();
  const r = await post(await jwt({}));
  t.equal(r.statusCode, 200, r.body);
  const pem = r.json().signedCertificateEmbeddedSct.chain.certificates[0];
  const cert = new X509Certificate(pem);
  t.match(cert.subjectAltName, /email:alice@example\.com/);
  t.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000, 600);
  t.equal(await ctSize(), before + 1, 'one precertificate logged');
});

const hostile: [string, () => Promise<{ token?: string; body?: unknown }>, number, RegExp][] = [
  ['expired', async () => ({ token: await jwt({ iat: now() - 3600, exp: now() - 1800 }) }), 400, /expired/i],
  ['not yet valid', async () => ({ token: await jwt({ nbf: now() + 3600, exp: now() + 7200 }) }), 400, /not (yet )?valid|nbf|future/i],
  ['issued in the future', async () => ({ token: await jwt({ iat: now() + 3600, exp: now() + 7200 }) }), 400, /iat|future|issued/i],
  ['wrong audience', async () => ({ token: await jwt({ aud: 'someone-else' }) }), 400, /audience/i],
  ['untrusted issuer', async () => ({ token: await jwt({ iss: 'https://evil.example/oidc' }) }), 400, /not trusted|untrusted|issuer/i],
  ['unknown key id', async () => ({ token: await jwt({}, { header: { kid: 'no-such-key' } }) }), 400, /key|kid/i],
  [
    'alg none',
    async () => ({ token: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: issuer, aud: 'sigstore', sub: email, email, email_verified: true, exp: now() + 600, iat: now() })}.` }),
    400,
    /alg|algorithm|none|no signature/i,
  ],
  [
    'HS256 keyed with the public key',
    async () => {
      const head = b64url({ alg: 'HS256', typ: 'JWT', kid });
      const body = b64url({ iss: issuer, aud: 'sigstore', sub: email, email, email_verified: true, exp: now() + 600, iat: now() });
      const secret = createPublicKey(idpKey).export({ type: 'spki', format: 'pem' });
      return { token: `${head}.${body}.${createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')}` };
    },
    400,
    /alg|algorithm|HS256/i,
  ],
  ['forged signature (another key, our kid)', async () => ({ token: await jwt({}, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }) }), 400, /signature/i],
  [
    'payload changed after signing',
    async () => {
      const [h, , s] = (await jwt({})).split('.');
      return { token: `${h}.${b64url({ iss: issuer, aud: 'sigstore', sub: 'mallory@example.com', email: 'mallory@example.com', email_verified: true, exp: now() + 600, iat: now() })}.${s}` };
    },
    400,
    /signature/i,
  ],
  ['unverified email', async () => ({ token: await jwt({ email_verified: false }) }), 400, /verified/i],
  ['email issuer, no email claim', async () => ({ token: await jwt({ email: undefined }) }), 400, /email/i],
  ['CI issuer, workflow claims missing', async () => ({ token: await jwt({ iss: ciIssuer, email: undefined, email_verified: undefined, sub: 'repo:acme/app:ref:refs/heads/main' }) }), 400, /claim|missing/i],
  ['malformed token', async () => ({ token: 'not.a.jwt.at-all' }), 400, /token/i],
  ['no token at all', async () => ({}), 401, /token/i],
  ['proof of possession over another subject', async () => ({ token: await jwt({}), body: v2Body({ proof: pop('mallory@example.com') }) }), 400, /signature|proof|possession/i],
  [
    'proof of possession by another key',
    async () => ({ token: await jwt({}), body: v2Body({ proof: pop(email, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) }) }),
    400,
    /signature|proof|possession/i,
  ],
  [
    'unsupported key (RSA 1024)',
    async () => {
      const k = generateKeyPairSync('rsa', { modulusLength: 1024 });
      return { token: await jwt({}), body: v2Body({ key: k.publicKey.export({ type: 'spki', format: 'pem' }) as string, proof: sign('sha256', Buffer.from(email), k.privateKey).toString('base64') }) };
    },
    400,
    /RSA|key/i,
  ],
  [
    'unsupported key (secp256k1)',
    async () => {
      const k = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      return { token: await jwt({}), body: v2Body({ key: k.publicKey.export({ type: 'spki', format: 'pem' }) as string, proof: sign('sha256', Buffer.from(email), k.privateKey).toString('base64') }) };
    },
    400,
    /curve|key|secp256k1/i,
  ],
  ['garbage public key', async () => ({ token: await jwt({}), body: v2Body({ key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }) }), 400, /key/i],
  ['CSR that is not a CSR', async () => ({ token: await jwt({}), body: { certificateSigningRequest: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n').toString('base64') } }), 400, /CSR|request/i],
  ['malformed JSON body', async () => ({ token: await jwt({}), body: '{"publicKeyRequest": ' }), 400, /JSON|body/i],
];

for (const [name, make, status, message] of hostile) {
  t.test(`refused: ${name}`, async (t) => {
    const before = await ctSize();
    const { token, body } = await make();
    const r = await post(token, body);
    t.equal(r.statusCode, status, r.body);
    t.match(r.headers['content-type'], /application\/json/);
    const j = r.json();
    t.type(j.message, 'string');
    t.match(j.message, message, 'the message names the problem');
    t.notOk(j.signedCertificateEmbeddedSct, 'no certificate');
    t.equal(await ctSize(), before, 'nothing logged in the CT log');
  });
}

t.test('an oversized body is 413 and the stack still serves', async (t) => {
  const r = await post(await jwt({}), JSON.stringify({ pad: 'x'.repeat(200 * 1024) }));
  t.equal(r.statusCode, 413);
  const ok = await post(await jwt({}));
  t.equal(ok.statusCode, 200, 'still issuing');
});

t.test('the legacy API answers 201 with a PEM chain (leaf, intermediate, root)', async (t) => {
  const r = await app.inject({
    method: 'POST',
    url: '/api/v1/signingCert',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await jwt({})}` },
    payload: JSON.stringify({ publicKey: { content: Buffer.from(pubPem).toString('base64'), algorithm: '' }, signedEmailAddress: pop(email), certificateSigningRequest: null }),
  });
  t.equal(r.statusCode, 201, r.body);
  t.equal(r.headers['content-type'], 'application/pem-certificate-chain');
  t.equal((r.body.match(/BEGIN CERTIFICATE/g) ?? []).length, 3);
});

t.test('trust material: the CA chain and the CT log are in trusted_root.json', async (t) => {
  const root = JSON.parse(readFileSync(join(stack.trustDir, 'trusted_root.json'), 'utf8'));
  t.equal(root.certificateAuthorities.length, 1);
  t.equal(root.certificateAuthorities[0].certChain.certificates.length, 2, 'intermediate and root');
  t.equal(root.ctlogs.length, 1);
  t.equal(root.ctlogs[0].publicKey.keyDetails, 'PKIX_ECDSA_P256_SHA_256');
  t.ok(root.ctlogs[0].publicKey.validFor.start);
  const chain = readFileSync(join(stack.trustDir, 'fulcio_chain.pem'), 'utf8');
  t.equal((chain.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
  t.match(readFileSync(join(stack.trustDir, 'ctfe.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
});
