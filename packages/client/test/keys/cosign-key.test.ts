import t from 'tap';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClientError } from '../../src/errors.js';
import { decryptCosignPrivateKey, encryptCosignPrivateKey, generateCosignKeyPair } from '../../src/keys/cosign-key.js';
import { loadPublicKey, publicKeyPem } from '../../src/keys/public-key.js';
import { editEnvelope, envelopeOf, pemWithBody, rejectsWithCode } from './key-test-helpers.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/keys/${name}`, import.meta.url)), 'utf8');
// Made by cosign 2.5 generate-key-pair (see ../fixtures/keys/README.md).
const COSIGN2_KEY = fixture('cosign2.key');
const COSIGN2_PUB = fixture('cosign2.pub');
const COSIGN2_PASSWORD = 'sigstack-test';

// One key pair for the whole file: each scrypt costs ~0.2 s.
const ours = generateCosignKeyPair('correct horse');

t.test('generateCosignKeyPair writes what cosign writes', async (t) => {
  t.match(ours.privateKeyPem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n$/);
  t.match(ours.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
  const env = envelopeOf(ours.privateKeyPem) as { kdf: { name: string; params: unknown; salt: string }; cipher: { name: string; nonce: string }; ciphertext: string };
  t.same(Object.keys(env), ['kdf', 'cipher', 'ciphertext'], 'member order of Go json.Marshal');
  t.equal(env.kdf.name, 'scrypt');
  t.same(env.kdf.params, { N: 65536, r: 8, p: 1 }, 'go-securesystemslib Standard parameters (accepted by every cosign)');
  t.equal(Buffer.from(env.kdf.salt, 'base64').length, 32);
  t.equal(env.cipher.name, 'nacl/secretbox');
  t.equal(Buffer.from(env.cipher.nonce, 'base64').length, 24);
  const pub = loadPublicKey(ours.publicKeyPem);
  t.equal(pub.asymmetricKeyType, 'ec');
  t.equal(pub.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'ECDSA P-256 as cosign');
});

t.test('round trip: decrypt gives the same key', async (t) => {
  const key = decryptCosignPrivateKey(ours.privateKeyPem, 'correct horse');
  t.equal(key.type, 'private');
  t.equal(publicKeyPem(key), ours.publicKeyPem);
  const sig = sign('sha256', Buffer.from('hello'), key);
  t.ok(verify('sha256', Buffer.from('hello'), loadPublicKey(ours.publicKeyPem), sig));
});

t.test('reads a key made by cosign 2.5, and the legacy COSIGN PEM type', async (t) => {
  const key = decryptCosignPrivateKey(COSIGN2_KEY, COSIGN2_PASSWORD);
  t.equal(publicKeyPem(key), COSIGN2_PUB, 'public key byte for byte as cosign.pub');
  const legacy = COSIGN2_KEY.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY');
  t.equal(publicKeyPem(decryptCosignPrivateKey(legacy, COSIGN2_PASSWORD)), COSIGN2_PUB);
});

t.test('other key types round trip', async (t) => {
  for (const [name, pair] of [
    ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['Ed25519', generateKeyPairSync('ed25519')],
    ['RSA-2048', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ] as const) {
    const pem = encryptCosignPrivateKey(pair.privateKey, '');
    const back = decryptCosignPrivateKey(pem, '');
    t.equal(publicKeyPem(back), publicKeyPem(pair.publicKey), name);
  }
});

t.test('empty password works and is not any password', async (t) => {
  const pem = encryptCosignPrivateKey(decryptCosignPrivateKey(ours.privateKeyPem, 'correct horse'), '');
  t.equal(publicKeyPem(decryptCosignPrivateKey(pem, '')), ours.publicKeyPem);
  await rejectsWithCode(t, () => decryptCosignPrivateKey(pem, ' '), 'KEY_PASSWORD');
});

t.test('wrong password → KEY_PASSWORD', async (t) => {
  await rejectsWithCode(t, () => decryptCosignPrivateKey(ours.privateKeyPem, 'Correct horse'), 'KEY_PASSWORD', /wrong password/);
  await rejectsWithCode(t, () => decryptCosignPrivateKey(COSIGN2_KEY, ''), 'KEY_PASSWORD');
});

t.test('refuses to encrypt what cosign would not sign with', async (t) => {
  await rejectsWithCode(t, () => encryptCosignPrivateKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'x'), 'KEY_UNSUPPORTED', /1024 bits/);
  await rejectsWithCode(t, () => encryptCosignPrivateKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'x'), 'KEY_UNSUPPORTED', /secp256k1/);
  await rejectsWithCode(t, () => encryptCosignPrivateKey(generateKeyPairSync('ed448').privateKey, 'x'), 'KEY_UNSUPPORTED', /ed448/);
  await rejectsWithCode(t, () => encryptCosignPrivateKey(generateKeyPairSync('ed25519').publicKey, 'x'), 'KEY_INVALID');
});

t.test('hostile envelopes give the right code, never a raw exception', async (t) => {
  const P = ours.privateKeyPem;
  const cases: [string, string, ClientError['code'], RegExp?][] = [
    ['not JSON', pemWithBody('{"kdf":'), 'KEY_INVALID', /not JSON/],
    ['JSON array', pemWithBody('[]'), 'KEY_INVALID'],
    ['JSON null', pemWithBody('null'), 'KEY_INVALID'],
    ['missing kdf', editEnvelope(P, (e) => delete e.kdf), 'KEY_INVALID', /"kdf"/],
    ['missing cipher', editEnvelope(P, (e) => delete e.cipher), 'KEY_INVALID', /"cipher"/],
    ['missing ciphertext', editEnvelope(P, (e) => delete e.ciphertext), 'KEY_INVALID', /"ciphertext"/],
    ['missing salt', editEnvelope(P, (e) => delete e.kdf.salt), 'KEY_INVALID', /salt/],
    ['missing nonce', editEnvelope(P, (e) => delete e.cipher.nonce), 'KEY_INVALID', /nonce/],
    ['missing params', editEnvelope(P, (e) => delete e.kdf.params), 'KEY_INVALID', /params/],
    ['missing N', editEnvelope(P, (e) => delete e.kdf.params.N), 'KEY_INVALID', /N/],
    ['N as string', editEnvelope(P, (e) => (e.kdf.params.N = '65536')), 'KEY_INVALID', /N/],
    ['fractional r', editEnvelope(P, (e) => (e.kdf.params.r = 8.5)), 'KEY_INVALID', /r/],
    ['kdf name as number', editEnvelope(P, (e) => (e.kdf.name = 1)), 'KEY_INVALID', /kdf.name/],
    ['unknown kdf', editEnvelope(P, (e) => (e.kdf.name = 'pbkdf2')), 'KEY_UNSUPPORTED', /kdf "pbkdf2"/],
    ['unknown cipher', editEnvelope(P, (e) => (e.cipher.name = 'aes-256-gcm')), 'KEY_UNSUPPORTED', /cipher "aes-256-gcm"/],
    ['oversized N', editEnvelope(P, (e) => (e.kdf.params.N = 2 ** 30)), 'KEY_UNSUPPORTED', /scrypt N=1073741824 is too large/],
    ['N = 2^19', editEnvelope(P, (e) => (e.kdf.params.N = 2 ** 19)), 'KEY_UNSUPPORTED', /scrypt N=/],
    ['N not a power of two', editEnvelope(P, (e) => (e.kdf.params.N = 65535)), 'KEY_UNSUPPORTED', /N=65535 is not a power of two/],
    ['N zero', editEnvelope(P, (e) => (e.kdf.params.N = 0)), 'KEY_UNSUPPORTED', /N=0/],
    ['huge r', editEnvelope(P, (e) => (e.kdf.params.r = 1 << 20)), 'KEY_UNSUPPORTED', /scrypt r=/],
    ['r zero', editEnvelope(P, (e) => (e.kdf.params.r = 0)), 'KEY_UNSUPPORTED', /scrypt r=0/],
    ['huge p', editEnvelope(P, (e) => (e.kdf.params.p = 1000)), 'KEY_UNSUPPORTED', /scrypt p=1000/],
    ['N·r too much memory', editEnvelope(P, (e) => ((e.kdf.params.N = 2 ** 18), (e.kdf.params.r = 16))), 'KEY_UNSUPPORTED', /MiB/],
    ['huge salt', editEnvelope(P, (e) => (e.kdf.salt = Buffer.alloc(4096).toString('base64'))), 'KEY_UNSUPPORTED', /salt/],
    ['salt not base64', editEnvelope(P, (e) => (e.kdf.salt = 'not base64!')), 'KEY_INVALID', /salt.*base64/],
    ['nonce unpadded base64', editEnvelope(P, (e) => (e.cipher.nonce = String(e.cipher.nonce).replace(/=+$/, '') + 'A')), 'KEY_INVALID', /nonce/],
    ['ciphertext with junk', editEnvelope(P, (e) => (e.ciphertext = '$' + String(e.ciphertext))), 'KEY_INVALID', /ciphertext.*base64/],
    ['short nonce', editEnvelope(P, (e) => (e.cipher.nonce = Buffer.alloc(12).toString('base64'))), 'KEY_INVALID', /nonce is 12 bytes/],
    ['ciphertext shorter than the tag', editEnvelope(P, (e) => (e.ciphertext = Buffer.alloc(10).toString('base64'))), 'KEY_INVALID', /truncated/],
    ['truncated ciphertext', editEnvelope(P, (e) => (e.ciphertext = Buffer.from(String(e.ciphertext), 'base64').subarray(0, 60).toString('base64'))), 'KEY_PASSWORD'],
    ['flipped ciphertext bit', editEnvelope(P, (e) => {
      const c = Buffer.from(String(e.ciphertext), 'base64');
      c[c.length - 1]! ^= 1;
      e.ciphertext = c.toString('base64');
    }), 'KEY_PASSWORD'],
    ['not a cosign PEM type', P.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'), 'KEY_INVALID', /PEM type "ENCRYPTED PRIVATE KEY"/],
    ['corrupt PEM base64', P.replace(/\n[A-Za-z]/, '\n*'), 'KEY_INVALID', /PEM/],
    ['no PEM at all', 'hello', 'KEY_INVALID', /not a PEM file/],
    ['truncated PEM', P.slice(0, 200), 'KEY_INVALID', /not a PEM file/],
    ['oversized file', P + ' '.repeat(70 * 1024), 'KEY_INVALID', /too large/],
  ];
  for (const [name, pem, code, message] of cases) {
    await t.test(name, async (t) => rejectsWithCode(t, () => decryptCosignPrivateKey(pem, 'correct horse'), code, message));
  }
});

t.test('a correctly encrypted body that is not a PKCS#8 key → KEY_INVALID', async (t) => {
  const { sealWithPassword } = await import('../../src/keys/encrypted-box.js');
  await rejectsWithCode(t, () => decryptCosignPrivateKey(pemWithBody(sealWithPassword(Buffer.from('not a key'), 'p')), 'p'), 'KEY_INVALID', /PKCS#8/);
});
