import t from 'tap';
import { execFileSync } from 'node:child_process';
import { constants, createHash, createPrivateKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVerificationKey, verifyPrehashedSignature, verifySignature, type PublicKeyKind } from '../src/keys/public-key.js';
import { verifyRsaPkcs1Prehashed } from '../src/keys/rsa-prehash.js';
import { CoreError } from '../src/errors.js';
import { fromPem, toPem } from '../src/pem.js';
import type { HashAlgorithm } from '../src/hash.js';

const dir = mkdtempSync(join(tmpdir(), 'sigstack-keys-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Material {
  privateKey: KeyObject;
  certPem: string;
  certDer: Buffer;
  pubPem: string;
  pubDer: Buffer;
}

/** A key and a self-signed certificate made by the openssl CLI. */
function material(name: string, newkey: string[]): Material {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-days', '2'], { stdio: 'ignore' });
  const pubPem = execFileSync('openssl', ['pkey', '-in', key, '-pubout'], { encoding: 'utf8' });
  const certPem = readFileSync(cert, 'utf8');
  return {
    privateKey: createPrivateKey(readFileSync(key)),
    certPem,
    certDer: fromPem(certPem)[0]!.der,
    pubPem,
    pubDer: fromPem(pubPem)[0]!.der,
  };
}

const KINDS: [PublicKeyKind, string[]][] = [
  ['ecdsa-p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ['ecdsa-p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']],
  ['ecdsa-p521', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521']],
  ['ed25519', ['-newkey', 'ed25519']],
  ['rsa', ['-newkey', 'rsa:2048']],
];
const M = new Map(KINDS.map(([kind, args]) => [kind, material(kind, args)]));
const rsa1024 = material('rsa1024', ['-newkey', 'rsa:1024']);
const k256 = material('secp256k1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CoreError ? e.code : `not a CoreError: ${String(e)}`;
  }
  return undefined;
}

t.test('parseVerificationKey: PEM and DER, keys and certificates', async (t) => {
  for (const [kind] of KINDS) {
    const m = M.get(kind)!;
    for (const [form, input] of [
      ['certificate PEM string', m.certPem],
      ['certificate PEM bytes', Buffer.from(m.certPem)],
      ['certificate DER', m.certDer],
    ] as const) {
      const vk = parseVerificationKey(input);
      t.equal(vk.kind, kind, `${kind} ${form}: kind`);
      t.ok(vk.certificate, `${kind} ${form}: certificate kept`);
      t.equal(vk.canonicalPem, m.certPem, `${kind} ${form}: canonical PEM is the certificate, Go-style`);
      t.same(vk.spkiDer, m.pubDer, `${kind} ${form}: SPKI`);
    }
    for (const [form, input] of [
      ['public key PEM string', m.pubPem],
      ['public key PEM bytes', new Uint8Array(Buffer.from(m.pubPem))],
      ['public key DER', m.pubDer],
    ] as const) {
      const vk = parseVerificationKey(input);
      t.equal(vk.kind, kind, `${kind} ${form}: kind`);
      t.equal(vk.certificate, undefined, `${kind} ${form}: no certificate`);
      t.equal(vk.canonicalPem, m.pubPem, `${kind} ${form}: canonical PEM`);
      t.same(vk.spkiDer, m.pubDer, `${kind} ${form}: SPKI`);
    }
    t.same(parseVerificationKey(m.certDer).spkiDer, parseVerificationKey(m.certDer).key.export({ type: 'spki', format: 'der' }), `${kind}: SPKI is what OpenSSL would write`);
    // Only the first block counts (as in Rekor).
    t.equal(parseVerificationKey(m.pubPem + M.get('rsa')!.certPem).kind, kind, `${kind}: first PEM block only`);
  }
});

t.test('parseVerificationKey: non-canonical encodings are re-encoded by OpenSSL', async (t) => {
  const m = M.get('ecdsa-p256')!;
  const compressed = execFileSync('openssl', ['pkey', '-in', join(dir, 'ecdsa-p256.key'), '-pubout', '-outform', 'DER', '-ec_conv_form', 'compressed']);
  t.equal(compressed.length, 59, 'compressed-point SPKI');
  const vk = parseVerificationKey(compressed);
  t.equal(vk.kind, 'ecdsa-p256');
  t.same(vk.spkiDer, vk.key.export({ type: 'spki', format: 'der' }));
  const data = Buffer.from('compressed');
  const sig = sign('sha256', data, m.privateKey);
  t.ok(verifyPrehashedSignature(vk, 'sha256', createHash('sha256').update(data).digest(), sig), 'verifies over a digest');
  t.ok(await verifySignature(vk, data, sig), 'verifies over the data');
});

t.test('parseVerificationKey rejects', async (t) => {
  t.equal(code(() => parseVerificationKey(rsa1024.pubPem)), 'UNSUPPORTED_KEY', 'RSA-1024 key');
  t.equal(code(() => parseVerificationKey(rsa1024.certPem)), 'UNSUPPORTED_KEY', 'RSA-1024 certificate');
  t.equal(code(() => parseVerificationKey(rsa1024.pubDer)), 'UNSUPPORTED_KEY', 'RSA-1024 DER');
  t.equal(code(() => parseVerificationKey(k256.pubPem)), 'UNSUPPORTED_KEY', 'secp256k1 key');
  t.equal(code(() => parseVerificationKey(k256.certDer)), 'UNSUPPORTED_KEY', 'secp256k1 certificate');
  const p256 = M.get('ecdsa-p256')!;
  const privPem = p256.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  t.equal(code(() => parseVerificationKey(privPem)), 'UNSUPPORTED_KEY', 'PRIVATE KEY block');
  t.equal(code(() => parseVerificationKey(p256.privateKey.export({ type: 'sec1', format: 'pem' }) as string)), 'UNSUPPORTED_KEY', 'EC PRIVATE KEY block');
  t.equal(code(() => parseVerificationKey(p256.privateKey.export({ type: 'pkcs8', format: 'der' }))), 'INVALID_KEY', 'PKCS#8 DER');
  t.equal(code(() => parseVerificationKey(M.get('rsa')!.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string)), 'UNSUPPORTED_KEY', 'RSA PRIVATE KEY block');
  t.equal(code(() => parseVerificationKey(randomBytes(100))), 'INVALID_KEY', 'random bytes');
  t.equal(code(() => parseVerificationKey('not a key')), 'INVALID_KEY', 'text');
  t.equal(code(() => parseVerificationKey(new Uint8Array(0))), 'INVALID_KEY', 'empty');
  t.equal(code(() => parseVerificationKey('-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n')), 'INVALID_KEY', 'corrupt PEM');
  t.equal(code(() => parseVerificationKey(toPem('PUBLIC KEY', randomBytes(64)))), 'INVALID_KEY', 'PUBLIC KEY block of garbage');
  t.equal(code(() => parseVerificationKey(toPem('CERTIFICATE', randomBytes(64)))), 'INVALID_CERTIFICATE', 'CERTIFICATE block of garbage');
  t.equal(code(() => parseVerificationKey(toPem('PUBLIC KEY', p256.certDer))), 'INVALID_KEY', 'a certificate labelled PUBLIC KEY');
  const tampered = Buffer.from(p256.certDer);
  tampered[10]! ^= 0xff;
  t.equal(code(() => parseVerificationKey(toPem('CERTIFICATE', tampered))), 'INVALID_CERTIFICATE', 'corrupted certificate DER');
  // A P-521 point whose x is given as x + p (fits in 66 bytes): not a canonical field element.
  {
    const der = Buffer.from(M.get('ecdsa-p521')!.pubDer);
    const off = der.length - 132;
    const x = BigInt('0x' + der.subarray(off, off + 66).toString('hex')) + ((1n << 521n) - 1n);
    if (x < 1n << 528n) {
      Buffer.from(x.toString(16).padStart(132, '0'), 'hex').copy(der, off);
      t.equal(code(() => parseVerificationKey(der)), 'INVALID_KEY', 'P-521 x coordinate >= p');
    }
    const offCurve = Buffer.from(M.get('ecdsa-p256')!.pubDer);
    offCurve[offCurve.length - 1]! ^= 1;
    t.equal(code(() => parseVerificationKey(offCurve)), 'INVALID_KEY', 'P-256 point not on the curve');
  }
  // Trailing data after the DER structure (OpenSSL ignores it, Go refuses it).
  const extra = Buffer.from([0, 0]);
  t.equal(code(() => parseVerificationKey(Buffer.concat([p256.pubDer, extra]))), 'INVALID_KEY', 'SPKI DER + trailing bytes');
  t.equal(code(() => parseVerificationKey(toPem('PUBLIC KEY', Buffer.concat([p256.pubDer, extra])))), 'INVALID_KEY', 'SPKI PEM + trailing bytes');
  t.equal(code(() => parseVerificationKey(toPem('CERTIFICATE', Buffer.concat([p256.certDer, extra])))), 'INVALID_CERTIFICATE', 'certificate + trailing bytes');
});

t.test('verifySignature for each kind of key', async (t) => {
  const data = Buffer.from('the artifact');
  for (const [kind] of KINDS) {
    const m = M.get(kind)!;
    const vk = parseVerificationKey(m.certPem);
    const other = parseVerificationKey(kind === 'rsa' ? M.get('ecdsa-p256')!.pubPem : M.get('rsa')!.pubPem);
    const h = kind === 'ed25519' ? null : kind === 'ecdsa-p384' ? 'sha384' : kind === 'ecdsa-p521' ? 'sha512' : 'sha256';
    const sig = sign(h, data, m.privateKey);
    t.equal(await verifySignature(vk, data, sig), true, `${kind}: default hash`);
    t.equal(await verifySignature(parseVerificationKey(m.pubPem), data, sig), true, `${kind}: key from a PUBLIC KEY block`);
    t.equal(await verifySignature(parseVerificationKey(m.pubDer), data, sig), true, `${kind}: key from DER`);
    t.equal(await verifySignature(vk, Buffer.from('another artifact'), sig), false, `${kind}: other data`);
    t.equal(await verifySignature(other, data, sig), false, `${kind}: other key`);
    const bad = Buffer.from(sig);
    bad[bad.length >> 1]! ^= 1;
    t.equal(await verifySignature(vk, data, bad), false, `${kind}: flipped bit`);
    t.equal(await verifySignature(vk, data, Buffer.alloc(0)), false, `${kind}: empty signature`);
    t.equal(await verifySignature(vk, data, randomBytes(7)), false, `${kind}: junk signature`);
    if (kind !== 'ed25519') {
      const sig512 = sign('sha512', data, m.privateKey);
      t.equal(await verifySignature(vk, data, sig512, 'sha512'), true, `${kind}: explicit sha512`);
      t.equal(await verifySignature(vk, data, sig512, 'sha256'), false, `${kind}: sha512 signature checked as sha256`);
      t.equal(await verifySignature(vk, data, sig512, 'md5' as HashAlgorithm), false, `${kind}: unknown hash is false, not a throw`);
    }
  }
  const rsa = M.get('rsa')!;
  const vk = parseVerificationKey(rsa.pubPem);
  const pss = sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  t.equal(await verifySignature(vk, data, pss), true, 'RSA-PSS, salt = digest length');
  const pssMax = sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN });
  t.equal(await verifySignature(vk, data, pssMax), true, 'RSA-PSS, maximal salt');
  t.equal(await verifySignature(vk, Buffer.from('x'), pss), false, 'RSA-PSS, other data');
});

t.test('verifyPrehashedSignature: ECDSA and RSA PKCS#1 v1.5 over a digest', async (t) => {
  const data = randomBytes(1000);
  const hashes: HashAlgorithm[] = ['sha256', 'sha384', 'sha512'];
  for (const kind of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa'] as const) {
    const m = M.get(kind)!;
    const vk = parseVerificationKey(m.pubPem);
    for (const h of hashes) {
      const digest = createHash(h).update(data).digest();
      const sig = sign(h, data, m.privateKey);
      t.equal(verifyPrehashedSignature(vk, h, digest, sig), true, `${kind} ${h}`);
      const wrong = Buffer.from(digest);
      wrong[0]! ^= 1;
      t.equal(verifyPrehashedSignature(vk, h, wrong, sig), false, `${kind} ${h}: other digest`);
      const bad = Buffer.from(sig);
      bad[bad.length - 3]! ^= 0x10;
      t.equal(verifyPrehashedSignature(vk, h, digest, bad), false, `${kind} ${h}: tampered signature`);
      // The declared algorithm must match the digest's length (as in sigstore's Go verifiers).
      for (const other of hashes.filter((x) => x !== h)) {
        t.equal(verifyPrehashedSignature(vk, other, digest, sig), false, `${kind} ${h} digest declared as ${other}`);
      }
      t.equal(verifyPrehashedSignature(vk, h, digest.subarray(1), sig), false, `${kind} ${h}: truncated digest`);
    }
    t.equal(verifyPrehashedSignature(vk, 'md5' as HashAlgorithm, Buffer.alloc(16), Buffer.alloc(64)), false, `${kind}: unknown hash`);
    t.equal(verifyPrehashedSignature(vk, 'sha256', Buffer.alloc(32), Buffer.alloc(0)), false, `${kind}: empty signature`);
  }
  t.equal(verifyPrehashedSignature(parseVerificationKey(M.get('rsa')!.pubPem), 'sha256', createHash('sha256').update(data).digest(), sign('sha256', data, M.get('ecdsa-p256')!.privateKey)), false, 'ECDSA signature, RSA key');
  t.equal(verifyPrehashedSignature(parseVerificationKey(M.get('ecdsa-p256')!.pubPem), 'sha256', createHash('sha256').update(data).digest(), sign('sha256', data, M.get('rsa')!.privateKey)), false, 'RSA signature, ECDSA key');

  const ed = parseVerificationKey(M.get('ed25519')!.pubPem);
  t.equal(code(() => verifyPrehashedSignature(ed, 'sha256', Buffer.alloc(32), Buffer.alloc(64))), 'UNSUPPORTED_KEY', 'Ed25519 refuses');
});

t.test('RSA PKCS#1 v1.5 over a digest is as strict as crypto.verify', async (t) => {
  const rsa = M.get('rsa')!;
  const vk = parseVerificationKey(rsa.pubPem);
  // A signature that starts with a zero byte: dropping that byte keeps the integer, but
  // the encoding must be exactly as long as the modulus.
  let msg: Buffer;
  let sig: Buffer;
  let i = 0;
  do {
    msg = Buffer.from(`message ${i++}`);
    sig = sign('sha256', msg, rsa.privateKey);
  } while (sig[0] !== 0);
  const digest = createHash('sha256').update(msg).digest();
  t.equal(verifyPrehashedSignature(vk, 'sha256', digest, sig), true, 'signature with a leading zero byte');
  t.equal(verify('sha256', msg, vk.key, sig.subarray(1)), false, 'crypto.verify refuses it shortened');
  t.equal(verifyPrehashedSignature(vk, 'sha256', digest, sig.subarray(1)), false, 'so do we');
  t.equal(verifyPrehashedSignature(vk, 'sha256', digest, Buffer.concat([Buffer.alloc(1), sig])), false, 'one byte too long');
  const pss = sign('sha256', msg, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING });
  t.equal(verifyPrehashedSignature(vk, 'sha256', digest, pss), false, 'PSS is not PKCS#1 v1.5');
  // A valid PKCS#1 signature over a DigestInfo for another algorithm.
  const sig384 = sign('sha384', msg, rsa.privateKey);
  t.equal(verifyRsaPkcs1Prehashed(vk.key, 'sha256', createHash('sha384').update(msg).digest().subarray(0, 32), sig384), false, 'DigestInfo of another hash');
  // Directly, with junk arguments.
  t.equal(verifyRsaPkcs1Prehashed(M.get('ecdsa-p256')!.privateKey, 'sha256', digest, sig), false, 'not an RSA key');
  t.equal(verifyRsaPkcs1Prehashed(vk.key, 'sha1' as HashAlgorithm, digest, sig), false, 'unknown hash');
  t.equal(verifyRsaPkcs1Prehashed(rsa.privateKey, 'sha256', digest, sig), true, 'a private KeyObject works too');
});
