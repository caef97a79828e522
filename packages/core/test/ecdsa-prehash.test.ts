import t from 'tap';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { verifyEcdsaPrehashed, ecdsaPrehashStats, _internals } from '../src/keys/ecdsa-prehash.js';

type CurveName = 'P-256' | 'P-384' | 'P-521';
type Hash = 'sha256' | 'sha384' | 'sha512';
const HASHES: Hash[] = ['sha256', 'sha384', 'sha512'];

// The three curves share one runtime API; p521's declared type differs only in its field.
const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 as unknown as typeof p256 };
const SIZE: Record<CurveName, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const ORDER = (c: CurveName) => NOBLE[c].Point.Fn.ORDER;
const ALG_ID: Record<CurveName, string> = {
  'P-256': '301306072a8648ce3d020106082a8648ce3d030107',
  'P-384': '301006072a8648ce3d020106052b81040022',
  'P-521': '301006072a8648ce3d020106052b81040023',
};

/**
 * A key pair as KeyObjects. Keys go through DER on purpose: in Node 20 a KeyObject
 * straight out of generateKeyPairSync can deadlock in asymmetricKeyDetails or a JWK
 * export (see keys/ecdsa-prehash.ts), and the verifier must not depend on how a key
 * was made.
 */
function keyPair(curve: CurveName): { privateKey: KeyObject; publicKey: KeyObject } {
  const k = generateKeyPairSync('ec', {
    namedCurve: curve,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return {
    privateKey: createPrivateKey({ key: k.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: k.publicKey, format: 'der', type: 'spki' }),
  };
}

function rawPublicKey(key: KeyObject, curve: CurveName): Uint8Array {
  const spki = key.export({ type: 'spki', format: 'der' });
  return spki.subarray(spki.length - (1 + 2 * SIZE[curve]));
}

/** An EC public KeyObject from a raw uncompressed or compressed point. */
function keyFromPoint(curve: CurveName, point: Uint8Array): KeyObject {
  const P = NOBLE[curve].Point.fromBytes(point).toAffine();
  const b64 = (v: bigint) => Buffer.from(v.toString(16).padStart(2 * SIZE[curve], '0'), 'hex').toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: curve, x: b64(P.x), y: b64(P.y) }, format: 'jwk' });
}

function int(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let b = Buffer.from(hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

function der(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([int(r), int(s)]);
  const len = body.length < 0x80 ? [body.length] : [0x81, body.length];
  return Buffer.concat([Buffer.from([0x30, ...len]), body]);
}

function parseSig(sig: Uint8Array, curve: CurveName): { r: bigint; s: bigint } {
  const s = NOBLE[curve].Signature.fromBytes(sig, 'der');
  return { r: s.r, s: s.s };
}

const digest = (h: Hash, m: Uint8Array) => createHash(h).update(m).digest();

t.test('random keys and messages: crypto.sign signatures verify against the digest', async (t) => {
  const counts: Record<CurveName, number> = { 'P-256': 1200, 'P-384': 240, 'P-521': 120 };
  for (const curve of Object.keys(counts) as CurveName[]) {
    let ok = 0;
    let rejected = 0;
    for (let i = 0; i < counts[curve]; i++) {
      const { privateKey, publicKey } = keyPair(curve);
      const h = HASHES[i % 3]!;
      const msg = randomBytes(i % 97);
      const sig = sign(h, msg, privateKey);
      const d = digest(h, msg);
      if (verifyEcdsaPrehashed(publicKey, d, sig)) ok++;
      // A private KeyObject verifies too (its public half is used).
      if (i % 10 === 0 && !verifyEcdsaPrehashed(privateKey, d, sig)) t.fail(`${curve} private key object`);
      // The digest of another message, or of the same message under another hash.
      if (!verifyEcdsaPrehashed(publicKey, digest(h, Buffer.concat([msg, Buffer.from([i & 0xff])])), sig)) rejected++;
      if (!verifyEcdsaPrehashed(publicKey, digest(HASHES[(i + 1) % 3]!, msg), sig)) rejected++;
    }
    t.equal(ok, counts[curve], `${curve}: every signature verifies`);
    t.equal(rejected, 2 * counts[curve], `${curve}: every wrong digest is rejected`);
  }
});

t.test('both variable-base paths agree on every curve', async (t) => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as CurveName[]) {
    for (const path of ['ecdh', 'pkey'] as const) {
      const prev = _internals.setVariableBase(curve, path);
      try {
        let ok = 0;
        const n = curve === 'P-256' ? 40 : 12;
        for (let i = 0; i < n; i++) {
          const { privateKey, publicKey } = keyPair(curve);
          const msg = randomBytes(16);
          const h = HASHES[i % 3]!;
          const sig = sign(h, msg, privateKey);
          if (verifyEcdsaPrehashed(publicKey, digest(h, msg), sig) && !verifyEcdsaPrehashed(publicKey, digest(h, sig), sig)) ok++;
        }
        t.equal(ok, n, `${curve} via ${path}`);
      } finally {
        _internals.setVariableBase(curve, prev);
      }
    }
  }
});

t.test('tampering is rejected', async (t) => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as CurveName[]) {
    const a = keyPair(curve);
    const b = keyPair(curve);
    const h = curve === 'P-256' ? 'sha256' : curve === 'P-384' ? 'sha384' : 'sha512';
    const msg = Buffer.from('hashedrekord artifact');
    const sig = sign(h, msg, a.privateKey);
    const d = digest(h, msg);
    t.ok(verifyEcdsaPrehashed(a.publicKey, d, sig), `${curve} sanity`);
    t.notOk(verifyEcdsaPrehashed(b.publicKey, d, sig), `${curve} other key`);
    const other = curve === 'P-256' ? keyPair('P-384') : keyPair('P-256');
    t.notOk(verifyEcdsaPrehashed(other.publicKey, d, sig), `${curve} key on another curve`);

    // Every single-bit flip of the digest.
    let flips = 0;
    for (let bit = 0; bit < d.length * 8; bit++) {
      const dd = Buffer.from(d);
      dd[bit >> 3]! ^= 1 << (bit & 7);
      if (!verifyEcdsaPrehashed(a.publicKey, dd, sig)) flips++;
    }
    t.equal(flips, d.length * 8, `${curve} every digest bit flip`);

    // Every byte of the signature, flipped: never accepted, and never a disagreement
    // with OpenSSL's own (hashing) verifier, which is strict DER too.
    let sigFlips = 0;
    let agree = 0;
    for (let i = 0; i < sig.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const bad = Buffer.from(sig);
        bad[i]! ^= mask;
        const ours = verifyEcdsaPrehashed(a.publicKey, d, bad);
        if (!ours) sigFlips++;
        if (ours === verify(h, msg, a.publicKey, bad)) agree++;
      }
    }
    t.equal(sigFlips, 2 * sig.length, `${curve} every signature byte flip`);
    t.equal(agree, 2 * sig.length, `${curve} agrees with crypto.verify on flipped signatures`);
  }
});

t.test('r and s range and strict DER', async (t) => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as CurveName[]) {
    const n = ORDER(curve);
    const { privateKey, publicKey } = keyPair(curve);
    const msg = Buffer.from('x');
    const d = digest('sha256', msg);
    const sig = sign('sha256', msg, privateKey);
    const { r, s } = parseSig(sig, curve);
    t.ok(verifyEcdsaPrehashed(publicKey, d, der(r, s)), `${curve} re-encoded signature verifies`);

    const cases: [string, Uint8Array][] = [
      ['r = 0', der(0n, s)],
      ['s = 0', der(r, 0n)],
      ['r = n', der(n, s)],
      ['s = n', der(r, n)],
      ['r + n', der(r + n, s)],
      ['s + n', der(r, s + n)],
      ['r = 2^k (too long)', der(1n << BigInt(8 * SIZE[curve] + 8), s)],
      ['empty', Buffer.alloc(0)],
      ['empty sequence', Buffer.from([0x30, 0x00])],
      ['trailing byte', Buffer.concat([sig, Buffer.from([0x00])])],
      ['truncated', sig.subarray(0, sig.length - 1)],
      ['only r', (() => { const b = int(r); return Buffer.concat([Buffer.from([0x30, b.length]), b]); })()],
      ['three integers', (() => { const b = Buffer.concat([int(r), int(s), int(1n)]); return Buffer.concat([Buffer.from([0x30, b.length]), b]); })()],
      ['set instead of sequence', Buffer.concat([Buffer.from([0x31]), sig.subarray(1)])],
      ['octet string instead of integer', (() => { const b = Buffer.from(sig); b[b[1] === 0x81 ? 3 : 2] = 0x04; return b; })()],
      ['raw r||s', Buffer.concat([Buffer.from(r.toString(16).padStart(2 * SIZE[curve], '0'), 'hex'), Buffer.from(s.toString(16).padStart(2 * SIZE[curve], '0'), 'hex')])],
    ];
    // Non-minimal integer: an extra leading zero.
    {
      const ri = int(r);
      const padded = Buffer.concat([Buffer.from([0x02, ri[1]! + 1, 0x00]), ri.subarray(2)]);
      const body = Buffer.concat([padded, int(s)]);
      cases.push(['non-minimal r', Buffer.concat([Buffer.from(body.length < 0x80 ? [0x30, body.length] : [0x30, 0x81, body.length]), body])]);
    }
    // Negative r: drop the sign byte of an r with its top bit set.
    {
      const rr = r | (1n << BigInt(8 * Math.ceil(n.toString(2).length / 8) - 1));
      const hex = rr.toString(16);
      const b = Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex');
      const body = Buffer.concat([Buffer.from([0x02, b.length]), b, int(s)]);
      cases.push(['negative r', Buffer.concat([Buffer.from(body.length < 0x80 ? [0x30, body.length] : [0x30, 0x81, body.length]), body])]);
    }
    // Non-minimal (long-form) sequence length, when the short form fits.
    {
      const body = Buffer.concat([int(r), int(s)]);
      if (body.length < 0x80) cases.push(['long-form length', Buffer.concat([Buffer.from([0x30, 0x81, body.length]), body])]);
      cases.push(['indefinite length', Buffer.concat([Buffer.from([0x30, 0x80]), body, Buffer.from([0, 0])])]);
      cases.push(['two-byte length', Buffer.concat([Buffer.from([0x30, 0x82, 0x00, body.length]), body])]);
      const zlen = Buffer.concat([Buffer.from([0x02, 0x00]), int(s)]);
      cases.push(['zero-length integer', Buffer.concat([Buffer.from([0x30, zlen.length]), zlen])]);
    }
    for (const [name, bad] of cases) t.notOk(verifyEcdsaPrehashed(publicKey, d, bad), `${curve}: ${name}`);
  }
});

t.test('never throws on hostile input', async (t) => {
  const { publicKey, privateKey } = keyPair('P-256');
  const sig = sign('sha256', Buffer.from('m'), privateKey);
  const d = digest('sha256', Buffer.from('m'));
  const ed = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1', publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  const notEcdsa = [ed, rsa, k1].map((k) => createPublicKey({ key: k.publicKey, format: 'der', type: 'spki' }));
  for (const key of notEcdsa) t.equal(verifyEcdsaPrehashed(key, d, sig), false, `${key.asymmetricKeyType} key`);
  const k1Priv = createPrivateKey({ key: k1.privateKey, format: 'der', type: 'pkcs8' });
  t.equal(verifyEcdsaPrehashed(publicKey, d, sign('sha256', Buffer.from('m'), k1Priv)), false, 'secp256k1 signature');
  const junk: unknown[] = [undefined, null, 'string', 42, {}, [], new ArrayBuffer(8), Buffer.alloc(1 << 16, 0x30)];
  for (const j of junk) {
    t.equal(verifyEcdsaPrehashed(j as KeyObject, d, sig), false, `key ${String(j)}`);
    t.equal(verifyEcdsaPrehashed(publicKey, j as Uint8Array, sig), false, `digest ${String(j)}`);
    t.equal(verifyEcdsaPrehashed(publicKey, d, j as Uint8Array), false, `signature ${String(j)}`);
  }
  // Long digests are truncated, not refused, and are not slow.
  t.equal(verifyEcdsaPrehashed(publicKey, Buffer.alloc(1 << 20, 0xff), sig), false, '1 MiB digest');
  for (let i = 0; i < 2000; i++) {
    const bad = randomBytes(i % 80);
    if (i % 3 === 0 && bad.length > 2) {
      bad[0] = 0x30;
      bad[1] = bad.length - 2;
    }
    if (verifyEcdsaPrehashed(publicKey, d, bad)) t.fail('random bytes accepted');
  }
});

t.test('high-s signatures verify (ECDSA verification, as in Go, does not require low s)', async (t) => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as CurveName[]) {
    const n = ORDER(curve);
    let both = 0;
    const N = curve === 'P-256' ? 50 : 10;
    for (let i = 0; i < N; i++) {
      const { privateKey, publicKey } = keyPair(curve);
      const msg = randomBytes(8);
      const { r, s } = parseSig(sign('sha256', msg, privateKey), curve);
      const d = digest('sha256', msg);
      const lo = s > n / 2n ? n - s : s;
      if (verifyEcdsaPrehashed(publicKey, d, der(r, lo)) && verifyEcdsaPrehashed(publicKey, d, der(r, n - lo))) both++;
    }
    t.equal(both, N, `${curve}: low-s and high-s forms both verify`);
  }
});

t.test('cross-check with @noble/curves on arbitrary digest lengths', async (t) => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as CurveName[]) {
    const noble = NOBLE[curve];
    const N = curve === 'P-256' ? 150 : curve === 'P-384' ? 60 : 30;
    let agree = 0;
    let validCount = 0;
    for (let i = 0; i < N; i++) {
      const sk = noble.utils.randomSecretKey();
      const pk = noble.getPublicKey(sk, false);
      const key = keyFromPoint(curve, pk);
      // Digests shorter and longer than the order, including empty and all-zero ones.
      const len = [0, 1, 20, 32, 48, 64, 65, 66, 67, 100][i % 10]!;
      const d = i % 7 === 3 ? new Uint8Array(len) : randomBytes(len);
      const sig = noble.sign(d, sk, { prehash: false, lowS: false });
      const good = sig.toBytes('der');
      const tampered = Buffer.from(good);
      tampered[tampered.length - 1 - (i % 8)]! ^= 1 << (i % 8);
      const other = randomBytes(len || 1);
      for (const [dd, ss] of [[d, good], [d, tampered], [other, good]] as const) {
        const expected = noble.verify(ss, dd, pk, { prehash: false, lowS: false, format: 'der' });
        if (verifyEcdsaPrehashed(key, dd, ss) === expected) agree++;
        if (expected) validCount++;
      }
    }
    t.equal(agree, 3 * N, `${curve}: same answer as noble on ${3 * N} inputs`);
    t.ok(validCount >= N, `${curve}: ${validCount} of them valid`);
  }
  // OpenSSL-made signatures over SHA-512 digests with P-256 (truncation) and SHA-256
  // with P-384/P-521 (shorter than the order), against noble.
  for (const [curve, h] of [['P-256', 'sha512'], ['P-384', 'sha256'], ['P-384', 'sha512'], ['P-521', 'sha256'], ['P-521', 'sha384']] as [CurveName, Hash][]) {
    let agree = 0;
    for (let i = 0; i < 10; i++) {
      const { privateKey, publicKey } = keyPair(curve);
      const msg = randomBytes(33);
      const sig = sign(h, msg, privateKey);
      const d = digest(h, msg);
      const pk = rawPublicKey(publicKey, curve);
      if (NOBLE[curve].verify(sig, d, pk, { prehash: false, lowS: false, format: 'der' }) && verifyEcdsaPrehashed(publicKey, d, sig)) agree++;
    }
    t.equal(agree, 10, `${curve} with ${h}`);
  }
});

t.test('bits2int truncates to the bit length of n', async (t) => {
  const d = Buffer.from('ff'.repeat(64), 'hex');
  t.equal(_internals.bits2int(d, 'P-256'), (1n << 256n) - 1n);
  t.equal(_internals.bits2int(d, 'P-384'), (1n << 384n) - 1n);
  t.equal(_internals.bits2int(d, 'P-521'), (1n << 512n) - 1n, 'a 512-bit digest is not truncated for P-521');
  t.equal(_internals.bits2int(Buffer.concat([d, d]), 'P-521'), (1n << 521n) - 1n, 'a 1024-bit one is, to 521 bits');
  t.equal(_internals.bits2int(Buffer.from('8000', 'hex'), 'P-256'), 0x8000n, 'short digests are not shifted');
  t.equal(_internals.bits2int(new Uint8Array(0), 'P-256'), 0n);
});

t.test('edge cases of the point arithmetic', async (t) => {
  for (const curve of ['P-256', 'P-384', 'P-521'] as CurveName[]) {
    const noble = NOBLE[curve];
    const { Point } = noble;
    const Fn = Point.Fn;
    const n = ORDER(curve);
    const G = Point.BASE;
    const bytes = (v: bigint) => Buffer.from(v.toString(16).padStart(2 * SIZE[curve], '0'), 'hex');
    // A digest whose bits2int is v (P-521's 66-byte digests lose their last 7 bits).
    const digestFor = (v: bigint) => bytes(v << BigInt(8 * SIZE[curve] - n.toString(2).length));

    // e ≡ 0 (mod n): e/r = 0, so P' = Q. Both e = 0 and e = n (when n fits the digest).
    const sk = noble.utils.randomSecretKey();
    const pk = noble.getPublicKey(sk, false);
    const key = keyFromPoint(curve, pk);
    for (const [name, d] of [['zero digest', new Uint8Array(SIZE[curve])], ['digest = n', digestFor(n)]] as const) {
      t.equal(_internals.bits2int(d, curve) % n, 0n, `${curve}: ${name} is e ≡ 0`);
      const sig = noble.sign(d, sk, { prehash: false, lowS: false }).toBytes('der');
      t.ok(verifyEcdsaPrehashed(key, d, sig), `${curve}: ${name} verifies`);
      const other = Buffer.from(d);
      other[0]! ^= 0x01;
      t.notOk(verifyEcdsaPrehashed(key, other, sig), `${curve}: ${name}, other digest`);
    }

    // e/r ≡ d, so (e/r)·G = Q and P' = 2Q: the doubling branch of the affine addition.
    {
      const dk = Fn.fromBytes(sk);
      const k = Fn.create(BigInt('0x' + randomBytes(SIZE[curve] + 8).toString('hex'))) || 1n;
      const r = Fn.create(G.multiply(k).toAffine().x);
      const e = Fn.mul(dk, r);
      const s = Fn.mul(Fn.inv(k), Fn.add(e, Fn.mul(r, dk)));
      const d = digestFor(e);
      t.ok(noble.verify(der(r, s), d, pk, { prehash: false, lowS: false, format: 'der' }), `${curve}: doubling case is a valid signature`);
      t.ok(verifyEcdsaPrehashed(key, d, der(r, s)), `${curve}: doubling case verifies`);
    }

    // e/r ≡ -d: (e/r)·G = -Q, P' and R are the point at infinity. Invalid for every s.
    {
      const dk = Fn.fromBytes(sk);
      const r = Fn.create(BigInt('0x' + randomBytes(SIZE[curve]).toString('hex'))) || 1n;
      const e = Fn.neg(Fn.mul(dk, r));
      for (const s of [1n, 2n, n - 1n, Fn.create(e + 12345n) || 7n]) {
        t.notOk(verifyEcdsaPrehashed(key, digestFor(e), der(r, s)), `${curve}: R at infinity (s=${s === n - 1n ? 'n-1' : s})`);
      }
    }

    // x(R) >= n: the signature carries x(R) mod n. Choose R with x in [n, p), then a
    // public key that makes (r, s) valid: Q = (s/r)·(R - (e/s)·G).
    {
      let R: ReturnType<typeof Point.fromBytes> | undefined;
      for (let x = n + 1n; !R; x++) {
        try {
          R = Point.fromBytes(Buffer.concat([Buffer.from([0x02]), bytes(x)]));
        } catch {
          /* not on the curve, next */
        }
      }
      const xR = R.toAffine().x;
      t.ok(xR >= n, `${curve}: x(R) >= n`);
      const r = xR - n;
      const s = Fn.create(BigInt('0x' + randomBytes(SIZE[curve]).toString('hex'))) || 3n;
      const d = randomBytes(SIZE[curve]);
      const e = Fn.create(_internals.bits2int(d, curve));
      const es = Fn.div(e, s);
      const Q = R.subtract(es === 0n ? Point.ZERO : G.multiply(es)).multiply(Fn.div(s, r));
      const qKey = keyFromPoint(curve, Q.toBytes(false));
      t.ok(noble.verify(der(r, s), d, Q.toBytes(false), { prehash: false, lowS: false, format: 'der' }), `${curve}: noble accepts r = x(R) - n`);
      t.ok(verifyEcdsaPrehashed(qKey, d, der(r, s)), `${curve}: accepts r = x(R) - n`);
      t.notOk(verifyEcdsaPrehashed(qKey, d, der(xR, s)), `${curve}: refuses r = x(R) >= n`);
    }

    // A key given with a compressed point.
    {
      const msg = randomBytes(5);
      const sig = noble.sign(digest('sha256', msg), sk, { prehash: false, lowS: false }).toBytes('der');
      const compressed = noble.getPublicKey(sk, true);
      const body = Buffer.concat([Buffer.from(ALG_ID[curve], 'hex'), Buffer.from([0x03, compressed.length + 1, 0x00]), compressed]);
      const cspki = Buffer.concat([Buffer.from([0x30, body.length]), body]);
      const ckey = createPublicKey({ key: cspki, format: 'der', type: 'spki' });
      t.ok(verifyEcdsaPrehashed(ckey, digest('sha256', msg), sig), `${curve}: compressed-point key`);
    }
  }
});

t.test('invMod matches extended Euclid', async (t) => {
  const plain = (a: bigint, m: bigint) => {
    let [r0, r1, t0, t1] = [m, a, 0n, 1n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [t0, t1] = [t1, t0 - q * t1];
    }
    return ((t0 % m) + m) % m;
  };
  const moduli = [p256, p384, p521].flatMap((c) => [c.Point.Fn.ORDER, c.Point.Fp.ORDER]);
  let ok = 0;
  let total = 0;
  for (const m of moduli) {
    for (let i = 0; i < 1000; i++) {
      const kind = i % 4;
      let a =
        kind === 0 ? BigInt('0x' + randomBytes(70).toString('hex')) % m
        : kind === 1 ? BigInt(1 + i)
        : kind === 2 ? m - BigInt(1 + i)
        : (1n << BigInt(i % 520)) % m;
      if (a === 0n) a = 1n;
      total++;
      if (_internals.invMod(a, m) === plain(a, m)) ok++;
    }
    t.throws(() => _internals.invMod(0n, m));
    t.throws(() => _internals.invMod(m, m));
  }
  t.equal(ok, total);
});

t.test('OpenSSL did all the work: no fallback to noble', async (t) => {
  t.equal(ecdsaPrehashStats.nobleFallbacks, 0);
});

t.test('the noble fallback gives the same answers', async (t) => {
  _internals.simulateOpenSslFailure(true);
  t.teardown(() => _internals.simulateOpenSslFailure(false));
  const before = ecdsaPrehashStats.nobleFallbacks;
  let right = 0;
  let total = 0;
  for (const curve of ['P-256', 'P-384', 'P-521'] as CurveName[]) {
    for (let i = 0; i < 4; i++) {
      const { privateKey, publicKey } = keyPair(curve);
      const h = HASHES[i % 3]!;
      const msg = randomBytes(10);
      const sig = sign(h, msg, privateKey);
      const { r, s } = parseSig(sig, curve);
      total += 3;
      if (verifyEcdsaPrehashed(publicKey, digest(h, msg), sig)) right++;
      if (verifyEcdsaPrehashed(publicKey, digest(h, msg), der(r, ORDER(curve) - s))) right++;
      if (!verifyEcdsaPrehashed(publicKey, digest(h, sig), sig)) right++;
    }
  }
  t.equal(right, total);
  t.equal(ecdsaPrehashStats.nobleFallbacks - before, total, 'all through the fallback');
});
