import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPrivateKey } from '../../src/keys/private-key.js';
import { publicKeyPem } from '../../src/keys/public-key.js';
import { rejectsWithCode } from './key-test-helpers.js';

// Made by cosign 2.5 generate-key-pair (see ../fixtures/keys/README.md).
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/keys/${name}`, import.meta.url)), 'utf8');

t.test('an encrypted cosign key asks for the password, once', async (t) => {
  let asked = 0;
  const key = await loadPrivateKey(fixture('cosign2.key'), async () => (asked++, 'sigstack-test'));
  t.equal(asked, 1);
  t.equal(publicKeyPem(key), fixture('cosign2.pub'));
  await rejectsWithCode(t, () => loadPrivateKey(fixture('cosign2.key'), () => 'nope'), 'KEY_PASSWORD');
});

t.test('unencrypted PEM private keys as cosign import-key-pair reads them, never asking a password', async (t) => {
  const never = () => {
    throw new Error('password asked for an unencrypted key');
  };
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cases: [string, string, string][] = [
    ['PKCS#8 EC', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem(ec.publicKey)],
    ['SEC 1 EC', ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string, publicKeyPem(ec.publicKey)],
    ['SEC 1 P-384', p384.privateKey.export({ type: 'sec1', format: 'pem' }) as string, publicKeyPem(p384.publicKey)],
    ['PKCS#8 Ed25519', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem(ed.publicKey)],
    ['PKCS#1 RSA', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, publicKeyPem(rsa.publicKey)],
    ['PKCS#8 RSA', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem(rsa.publicKey)],
  ];
  for (const [name, pem, pub] of cases) {
    const key = await loadPrivateKey(pem, never);
    t.equal(publicKeyPem(key), pub, name);
  }
});

t.test('refusals', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const openssl = ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string;
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  await rejectsWithCode(t, () => loadPrivateKey(openssl, () => 'x'), 'KEY_UNSUPPORTED', /ENCRYPTED PRIVATE KEY/);
  await rejectsWithCode(t, () => loadPrivateKey(ec.publicKey.export({ type: 'spki', format: 'pem' }) as string, () => 'x'), 'KEY_UNSUPPORTED', /PUBLIC KEY/);
  await rejectsWithCode(t, () => loadPrivateKey(small, () => 'x'), 'KEY_UNSUPPORTED', /1024 bits/);
  await rejectsWithCode(t, () => loadPrivateKey(k1, () => 'x'), 'KEY_UNSUPPORTED', /secp256k1/);
  await rejectsWithCode(t, () => loadPrivateKey(pkcs8.replaceAll('PRIVATE KEY', 'EC PRIVATE KEY'), () => 'x'), 'KEY_INVALID', /EC PRIVATE KEY does not parse/);
  await rejectsWithCode(t, () => loadPrivateKey(pkcs8.replaceAll('PRIVATE KEY', 'RSA PRIVATE KEY'), () => 'x'), 'KEY_INVALID', /RSA PRIVATE KEY does not parse/);
  const lines = pkcs8.split('\n');
  const truncated = [lines[0], lines[1], lines[2]!.slice(0, 40), lines.at(-2), ''].join('\n');
  await rejectsWithCode(t, () => loadPrivateKey(truncated, () => 'x'), 'KEY_INVALID');
  await rejectsWithCode(t, () => loadPrivateKey('', () => 'x'), 'KEY_INVALID', /not a PEM file/);
});
