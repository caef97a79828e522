// Proof of possession and the client key policy (protocols.md §3.4, §2.9, §4.5):
// every accepted key type with its default scheme, CSRs, and every refusal.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromPem, verifyEcdsaPrehashed } from '@sigstack/core';
import { FulcioError, verifyKeyProof, type FulcioErrorCode, type KeyProof } from '../../src/index.js';
import { clientKey } from './helpers.js';

const CHALLENGE = 'alice@example.com';
const dir = mkdtempSync(join(tmpdir(), 'sigstack-fulcio-pop-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function rejectsWith(t: Test, proof: KeyProof, code: FulcioErrorCode, message?: RegExp) {
  const err = await verifyKeyProof(proof, CHALLENGE).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof FulcioError, 'a FulcioError');
  t.equal((err as FulcioError).code, code);
  if (message) t.match((err as FulcioError).message, message);
}

t.test('accepted keys, PEM and DER, with the default scheme', async (t) => {
  for (const kind of ['p256', 'p384', 'p521', 'ed25519', 'rsa2048', 'rsa3072', 'rsa4096'] as const) {
    const k = clientKey(kind);
    const vk = await verifyKeyProof({ kind: 'publicKey', publicKey: k.pem, proofOfPossession: k.sign(CHALLENGE) }, CHALLENGE);
    t.ok(vk.spkiDer.equals(k.der), `${kind} PEM`);
    const vk2 = await verifyKeyProof({ kind: 'publicKey', publicKey: k.der, proofOfPossession: k.sign(CHALLENGE) }, CHALLENGE);
    t.ok(vk2.spkiDer.equals(k.der), `${kind} DER`);
  }
});

t.test('gitsign: ECDSA P-256 over SHA-256(subject) is the same signature', async (t) => {
  // gitsign signs with ecdsa.SignASN1(priv, sha256(subject)): a signature over the
  // digest. A message signature with SHA-256 is that same operation; the prehash
  // verifier of @sigstack/core shows the two are interchangeable.
  const k = clientKey('p256');
  const sig = k.sign(CHALLENGE);
  t.ok(verifyEcdsaPrehashed(createPublicKey(k.pem), createHash('sha256').update(CHALLENGE).digest(), sig), 'verifies as a prehash signature');
  await t.resolves(verifyKeyProof({ kind: 'publicKey', publicKey: k.pem, proofOfPossession: sig }, CHALLENGE));
});

t.test('the wrong signature is POP_INVALID', async (t) => {
  const k = clientKey('p256');
  await rejectsWith(t, { kind: 'publicKey', publicKey: k.pem, proofOfPossession: k.sign('bob@example.com') }, 'POP_INVALID', /alice@example.com/);
  await rejectsWith(t, { kind: 'publicKey', publicKey: k.pem, proofOfPossession: Buffer.alloc(0) }, 'POP_INVALID');
  await rejectsWith(t, { kind: 'publicKey', publicKey: k.pem, proofOfPossession: Buffer.from('not a signature') }, 'POP_INVALID');
  const other = clientKey('p256');
  await rejectsWith(t, { kind: 'publicKey', publicKey: k.pem, proofOfPossession: other.sign(CHALLENGE) }, 'POP_INVALID', /by the submitted key/);
  // P-384 signed over SHA-256 instead of its default SHA-384
  const p384 = clientKey('p384');
  await rejectsWith(t, { kind: 'publicKey', publicKey: p384.pem, proofOfPossession: cryptoSign('sha256', Buffer.from(CHALLENGE), p384.privateKey) }, 'POP_INVALID');
});

t.test('keys outside the policy are UNSUPPORTED_KEY', async (t) => {
  const cases: [string, { publicKey: import('node:crypto').KeyObject; privateKey: import('node:crypto').KeyObject }, string | null][] = [
    ['RSA 1024', generateKeyPairSync('rsa', { modulusLength: 1024 }), 'sha256'],
    ['RSA 2050 (not whole octets)', generateKeyPairSync('rsa', { modulusLength: 2050 }), 'sha256'],
    ['RSA e = 3', generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }), 'sha256'],
    ['secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }), 'sha256'],
    ['P-192', generateKeyPairSync('ec', { namedCurve: 'prime192v1' }), 'sha256'],
    ['Ed448', generateKeyPairSync('ed448'), null],
  ];
  for (const [name, pair, hash] of cases) {
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const sig = cryptoSign(hash, Buffer.from(CHALLENGE), pair.privateKey);
    t.test(name, async (t) => rejectsWith(t, { kind: 'publicKey', publicKey: pem, proofOfPossession: sig }, 'UNSUPPORTED_KEY'));
  }
});

t.test('malformed keys are INVALID_PUBLIC_KEY', async (t) => {
  const k = clientKey('p256');
  const sig = k.sign(CHALLENGE);
  const pem = k.pem;
  await rejectsWith(t, { kind: 'publicKey', publicKey: pem.replace(/\n(.{10})/, '\n$1!'), proofOfPossession: sig }, 'INVALID_PUBLIC_KEY');
  await rejectsWith(t, { kind: 'publicKey', publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', proofOfPossession: sig }, 'INVALID_PUBLIC_KEY');
  await rejectsWith(t, { kind: 'publicKey', publicKey: pem.replace(/PUBLIC KEY/g, 'PRIVATE KEY'), proofOfPossession: sig }, 'INVALID_PUBLIC_KEY', /PUBLIC KEY/);
  await rejectsWith(t, { kind: 'publicKey', publicKey: 'hello', proofOfPossession: sig }, 'INVALID_PUBLIC_KEY');
  await rejectsWith(t, { kind: 'publicKey', publicKey: Buffer.concat([k.der, Buffer.from([0])]), proofOfPossession: sig }, 'INVALID_PUBLIC_KEY', /trailing/);
  await rejectsWith(t, { kind: 'publicKey', publicKey: k.der.subarray(0, 40), proofOfPossession: sig }, 'INVALID_PUBLIC_KEY');
});

t.test('a certificate is not a public key', async (t) => {
  const keyPath = join(dir, 'cert-key.pem');
  writeFileSync(keyPath, clientKey('p256').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const certPem = execFileSync('openssl', ['req', '-new', '-x509', '-key', keyPath, '-subj', '/CN=x', '-days', '1']).toString();
  await rejectsWith(t, { kind: 'publicKey', publicKey: certPem, proofOfPossession: Buffer.from([1]) }, 'INVALID_PUBLIC_KEY');
  await rejectsWith(t, { kind: 'publicKey', publicKey: fromPem(certPem)[0]!.der, proofOfPossession: Buffer.from([1]) }, 'INVALID_PUBLIC_KEY');
});

function csrFor(name: string, privateKeyPem: string, digest = '-sha256'): { pem: string; der: Buffer } {
  const keyPath = join(dir, `${name}.key`);
  writeFileSync(keyPath, privateKeyPem);
  const args = ['req', '-new', '-key', keyPath, '-subj', '/CN=ignored@example.org'];
  if (digest) args.push(digest);
  const pem = execFileSync('openssl', args).toString();
  return { pem, der: fromPem(pem)[0]!.der };
}

t.test('CSR: the self-signature is the proof; subject ignored', async (t) => {
  for (const kind of ['p256', 'p384', 'ed25519', 'rsa2048'] as const) {
    const k = clientKey(kind);
    const { pem, der } = csrFor(kind, k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, kind === 'ed25519' ? '' : '-sha256');
    const vk = await verifyKeyProof({ kind: 'csr', csr: pem }, CHALLENGE);
    t.ok(vk.spkiDer.equals(k.der), `${kind} CSR (PEM)`);
    t.ok((await verifyKeyProof({ kind: 'csr', csr: der }, CHALLENGE)).spkiDer.equals(k.der), `${kind} CSR (DER)`);
  }
  const p384 = clientKey('p384');
  const sha384 = csrFor('p384-sha384', p384.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, '-sha384');
  t.ok(await verifyKeyProof({ kind: 'csr', csr: sha384.pem }, CHALLENGE), 'ecdsa-with-SHA384');
});

t.test('CSR refusals', async (t) => {
  const k = clientKey('p256');
  const { der } = csrFor('bad', k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const broken = Buffer.from(der);
  broken[broken.length - 5]! ^= 0x01; // inside the signature
  await rejectsWith(t, { kind: 'csr', csr: broken }, 'POP_INVALID', /self-signature/);
  const tampered = Buffer.from(der);
  const cn = tampered.indexOf(Buffer.from('ignored'));
  tampered[cn]! ^= 0x20; // subject changed after signing
  await rejectsWith(t, { kind: 'csr', csr: tampered }, 'POP_INVALID');
  await rejectsWith(t, { kind: 'csr', csr: der.subarray(0, der.length - 3) }, 'CSR_INVALID');
  await rejectsWith(t, { kind: 'csr', csr: Buffer.concat([der, Buffer.from([0, 0])]) }, 'CSR_INVALID', /trailing/);
  await rejectsWith(t, { kind: 'csr', csr: Buffer.from('not a csr') }, 'CSR_INVALID');
  await rejectsWith(t, { kind: 'csr', csr: '-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n' }, 'CSR_INVALID');
  await rejectsWith(t, { kind: 'csr', csr: k.pem }, 'CSR_INVALID', /CERTIFICATE REQUEST/);
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const weakCsr = csrFor('weak', weak.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  await rejectsWith(t, { kind: 'csr', csr: weakCsr.pem }, 'UNSUPPORTED_KEY');
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  await rejectsWith(t, { kind: 'csr', csr: csrFor('k1', k1.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).pem }, 'UNSUPPORTED_KEY');
  const sha1 = csrFor('sha1', k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, '-sha1');
  await rejectsWith(t, { kind: 'csr', csr: sha1.pem }, 'CSR_INVALID', /signature algorithm/);
});

