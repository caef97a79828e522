import t from 'tap';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPublicKey, publicKeyPem } from '../../src/keys/public-key.js';
import { rejectsWithCode } from './key-test-helpers.js';

// Made by cosign 2.5 generate-key-pair (see ../fixtures/keys/README.md).
const COSIGN2_PUB = readFileSync(fileURLToPath(new URL('../fixtures/keys/cosign2.pub', import.meta.url)), 'utf8');

t.test('PUBLIC KEY PEM round trips byte for byte', async (t) => {
  t.equal(publicKeyPem(loadPublicKey(COSIGN2_PUB)), COSIGN2_PUB);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const spki = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  t.equal(publicKeyPem(loadPublicKey(spki)), spki);
  const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  t.equal(publicKeyPem(loadPublicKey(pkcs1)), spki, 'RSA PUBLIC KEY (PKCS#1) as cryptoutils reads it');
  const ed = generateKeyPairSync('ed25519');
  t.equal(publicKeyPem(loadPublicKey(publicKeyPem(ed.privateKey))), publicKeyPem(ed.publicKey));
});

t.test('a CERTIFICATE PEM gives its key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-keys-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  writeFileSync(join(dir, 'k.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir, 'k.pem'), '-subj', '/CN=keys test', '-days', '1', '-out', join(dir, 'c.pem')], { stdio: 'pipe' });
  t.equal(publicKeyPem(loadPublicKey(readFileSync(join(dir, 'c.pem'), 'utf8'))), publicKeyPem(publicKey));
});

t.test('refusals', async (t) => {
  const body = COSIGN2_PUB.split('\n').slice(1, -2).join('');
  await rejectsWithCode(t, () => loadPublicKey('garbage'), 'KEY_INVALID', /not a PEM file/);
  await rejectsWithCode(t, () => loadPublicKey(COSIGN2_PUB.replace(body.slice(0, 20), 'A'.repeat(20))), 'KEY_INVALID');
  await rejectsWithCode(t, () => loadPublicKey(`-----BEGIN PUBLIC KEY-----\n${Buffer.from(body, 'base64').subarray(0, 40).toString('base64')}\n-----END PUBLIC KEY-----\n`), 'KEY_INVALID');
  await rejectsWithCode(t, () => loadPublicKey(COSIGN2_PUB.replaceAll('PUBLIC KEY', 'CERTIFICATE')), 'KEY_INVALID');
  await rejectsWithCode(t, () => loadPublicKey(COSIGN2_PUB.replaceAll('PUBLIC KEY', 'PRIVATE KEY')), 'KEY_UNSUPPORTED', /PRIVATE KEY/);
  await rejectsWithCode(t, () => loadPublicKey(COSIGN2_PUB.replaceAll('PUBLIC KEY', 'RSA PUBLIC KEY')), 'KEY_INVALID', /PKCS#1/);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  await rejectsWithCode(t, () => loadPublicKey(small), 'KEY_UNSUPPORTED', /1024/);
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  await rejectsWithCode(t, () => loadPublicKey(k1), 'KEY_UNSUPPORTED');
  const ed448 = generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'pem' }) as string;
  await rejectsWithCode(t, () => loadPublicKey(ed448), 'KEY_UNSUPPORTED');
});
