import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, verify } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSigner, createEphemeralSigner, generatePrivateKey } from '../src/signer/file-signer.js';
import { parseVerificationKey, verifySignature } from '../src/keys/public-key.js';
import { CoreError } from '../src/errors.js';
import type { SigningAlgorithm } from '../src/signer/signer.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-signer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CoreError ? e.code : `not a CoreError: ${String(e)}`;
  }
  return undefined;
}

const mode = (p: string) => statSync(p).mode & 0o777;

t.test('create: true writes a 0600 PKCS#8 key and reopening gives the same key', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'keys', 'nested', 'rekor.pem');
  const a = FileSigner.open({ path, create: true });
  t.equal(a.algorithm, 'ecdsa-p256-sha256', 'P-256 by default');
  t.equal(mode(path), 0o600, 'key file is 0600');
  t.equal(mode(join(dir, 'keys', 'nested')), 0o700, 'created directory is 0700');
  t.match(readFileSync(path, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/, 'PKCS#8 PEM');
  t.same(readdirSync(join(dir, 'keys', 'nested')), ['rekor.pem'], 'no temporary file left behind');

  const b = FileSigner.open({ path });
  t.same(b.publicKeyDer, a.publicKeyDer, 'reopened without create: same public key');
  const c = FileSigner.open({ path, create: true, algorithm: 'ecdsa-p256-sha256' });
  t.same(c.publicKeyDer, a.publicKeyDer, 'create: true does not replace an existing key');

  const data = Buffer.from('checkpoint');
  const sig = await a.sign(data);
  t.ok(verify('sha256', data, b.publicKey, sig), 'signature of the first verifies with the second');
  t.ok(await verifySignature(parseVerificationKey(b.publicKeyDer), data, b.signSync(data)), 'signSync');
});

t.test('each signing algorithm', async (t) => {
  const dir = tempDir(t);
  for (const alg of ['ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'ed25519'] as SigningAlgorithm[]) {
    const path = join(dir, `${alg}.pem`);
    const s = FileSigner.open({ path, create: true, algorithm: alg });
    t.equal(s.algorithm, alg);
    t.equal(FileSigner.open({ path }).algorithm, alg, `${alg}: detected on reopen`);
    const data = Buffer.from(alg);
    const vk = parseVerificationKey(s.publicKeyDer);
    t.equal(vk.kind, alg === 'ed25519' ? 'ed25519' : alg === 'ecdsa-p256-sha256' ? 'ecdsa-p256' : 'ecdsa-p384');
    t.ok(await verifySignature(vk, data, await s.sign(data)), `${alg}: sign`);
    t.ok(await verifySignature(vk, data, s.signSync(data)), `${alg}: signSync`);
    t.equal(createEphemeralSigner(alg).algorithm, alg, `${alg}: ephemeral`);
    t.equal(new FileSigner(generatePrivateKey(alg)).algorithm, alg, `${alg}: generatePrivateKey`);
  }
});

t.test('refusals', async (t) => {
  const dir = tempDir(t);
  const missing = join(dir, 'missing.pem');
  t.equal(code(() => FileSigner.open({ path: missing })), 'KEY_FILE', 'missing file without create');
  t.equal(code(() => FileSigner.open({ path: missing, create: false })), 'KEY_FILE', 'missing file, create: false');
  t.notOk(existsSync(missing), 'nothing was created');

  const p256 = join(dir, 'p256.pem');
  FileSigner.open({ path: p256, create: true, algorithm: 'ecdsa-p256-sha256' });
  const before = readFileSync(p256);
  t.equal(code(() => FileSigner.open({ path: p256, algorithm: 'ecdsa-p384-sha384' })), 'KEY_FILE', 'wrong algorithm');
  t.equal(code(() => FileSigner.open({ path: p256, create: true, algorithm: 'ed25519' })), 'KEY_FILE', 'wrong algorithm with create');
  t.same(readFileSync(p256), before, 'the key file is untouched');

  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, 'not a key');
  t.equal(code(() => FileSigner.open({ path: garbage })), 'KEY_FILE', 'not a key');
  const pub = join(dir, 'public.pem');
  writeFileSync(pub, FileSigner.open({ path: p256 }).publicKey.export({ type: 'spki', format: 'pem' }));
  t.equal(code(() => FileSigner.open({ path: pub })), 'KEY_FILE', 'a public key');

  const rsa = join(dir, 'rsa.pem');
  writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).privateKey);
  t.equal(code(() => FileSigner.open({ path: rsa })), 'UNSUPPORTED_KEY', 'an RSA key');
  const k1 = join(dir, 'k1.pem');
  writeFileSync(k1, generateKeyPairSync('ec', { namedCurve: 'secp256k1', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).privateKey);
  t.equal(code(() => FileSigner.open({ path: k1 })), 'UNSUPPORTED_KEY', 'a secp256k1 key');
  const p521 = join(dir, 'p521.pem');
  writeFileSync(p521, generateKeyPairSync('ec', { namedCurve: 'P-521', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).privateKey);
  t.equal(code(() => FileSigner.open({ path: p521 })), 'UNSUPPORTED_KEY', 'a P-521 key');
  t.equal(code(() => FileSigner.open({ path: join(dir, 'x.pem'), create: true, algorithm: 'rsa' as SigningAlgorithm })), 'UNSUPPORTED_KEY', 'an unknown algorithm');
  t.equal(code(() => new FileSigner(FileSigner.open({ path: p256 }).publicKey)), 'UNSUPPORTED_KEY', 'a public KeyObject');
});

t.test('a passphrase encrypts a created key', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'enc.pem');
  const a = FileSigner.open({ path, create: true, passphrase: 'correct horse', algorithm: 'ecdsa-p384-sha384' });
  t.match(readFileSync(path, 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/, 'encrypted PKCS#8');
  t.equal(mode(path), 0o600);
  t.same(FileSigner.open({ path, passphrase: 'correct horse' }).publicKeyDer, a.publicKeyDer, 'reopens with the passphrase');
  t.equal(code(() => FileSigner.open({ path })), 'KEY_FILE', 'no passphrase');
  t.equal(code(() => FileSigner.open({ path, passphrase: 'wrong' })), 'KEY_FILE', 'wrong passphrase');
  // An empty passphrase means none.
  const plain = join(dir, 'plain.pem');
  FileSigner.open({ path: plain, create: true, passphrase: '' });
  t.match(readFileSync(plain, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
});

t.test('a stale temporary file does not leak its permissions into the key', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'k.pem');
  writeFileSync(`${path}.tmp`, 'left over by a crash');
  chmodSync(`${path}.tmp`, 0o644);
  FileSigner.open({ path, create: true });
  t.equal(mode(path), 0o600);
});

t.test('processes racing to create the same key all end up with one key', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'race', 'k.pem');
  const src = fileURLToPath(new URL('../src/signer/file-signer.ts', import.meta.url));
  const startAt = Date.now() + 1500;
  const script = `
    const { FileSigner } = await import(${JSON.stringify(src)});
    while (Date.now() < ${startAt}) {}
    const s = FileSigner.open({ path: ${JSON.stringify(path)}, create: true });
    process.stdout.write(s.publicKeyDer.toString('hex'));`;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.on('error', reject);
      child.on('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`child exited ${c}`))));
    });
  const keys = await Promise.all([run(), run(), run(), run()]);
  t.equal(new Set(keys).size, 1, 'every process uses the same key');
  t.equal(FileSigner.open({ path }).publicKeyDer.toString('hex'), keys[0], 'and it is the one on disk');
  t.same(readdirSync(join(dir, 'race')), ['k.pem'], 'no temporary files left');
});
