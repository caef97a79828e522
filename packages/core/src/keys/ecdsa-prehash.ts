import { createECDH, createPrivateKey, createPublicKey, diffieHellman, ECDH, KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { children, contents, isMalformedDer, readDer, type Tlv } from '../asn1/der-reader.js';

/**
 * ECDSA verification of a precomputed digest (Rekor hashedrekord: the log only ever
 * sees the artifact's digest), with OpenSSL doing the scalar multiplications.
 *
 * Node has no raw-digest ECDSA verify: crypto.verify and WebCrypto always hash their
 * input, and OpenSSL's "null" digest is not reachable from node:crypto. What node does
 * expose is ECDH, i.e. x(k·P) for a scalar k and a point P, and k·G with both
 * coordinates (ECDH public key). ECDSA needs R = u1·G + u2·Q, with u1 = e/s and
 * u2 = r/s, and only x(R). Factoring out u2:
 *
 *     R = u2·(Q + (u1/u2)·G) = u2·(Q + (e/r)·G)
 *
 * so one fixed-base multiplication T = (e/r)·G (ECDH public key, full point), one
 * affine addition P' = Q + T in BigInt arithmetic, and one ECDH x(u2·P') give x(R)
 * directly: no y-coordinate recovery, no square root, no second ECDH. OpenSSL
 * re-checks that P' is on the curve when it parses it, which doubles as a check of
 * our own arithmetic.
 *
 * The variable-base multiplication goes through the cheaper of two node paths per
 * curve (measured on Node 20 / OpenSSL 3.0, see bench/ecdsa-prehash-bench.ts):
 * - 'ecdh': ECDH#setPrivateKey(u2) + ECDH#computeSecret(P'). computeSecret runs
 *   EC_KEY_check_key on its own key pair first (two extra multiplications), which is
 *   cheap on P-256 (OpenSSL's nistz256 code) but not on P-384/P-521.
 * - 'pkey': an SEC1 private-key KeyObject holding u2 with P' as its public half, then
 *   crypto.diffieHellman with that key as both sides (one extra multiplication for the
 *   peer check, plus the OpenSSL 3 decoder's fixed cost).
 *
 * Semantics are those of SEC1 / FIPS 186 / Go's ecdsa.VerifyASN1: strict DER, r and s
 * in [1, n-1], e = leftmost bits of the digest (any length, truncated to the bit
 * length of n), both high-s and low-s accepted, and accept iff x(R) mod n == r.
 * Inputs are all public, so the arithmetic need not be constant-time.
 *
 * Never throws: hostile input returns false. If OpenSSL ever refuses an operation on
 * values that are valid (which would be an environment change, not hostile input),
 * the verification is redone with @noble/curves so the answer stays correct.
 */
export function verifyEcdsaPrehashed(key: KeyObject, digest: Uint8Array, signatureDer: Uint8Array): boolean {
  try {
    if (!(digest instanceof Uint8Array) || !(signatureDer instanceof Uint8Array)) return false;
    const info = keyInfo(key);
    if (!info) return false;
    const c = info.curve;
    const sig = parseDerSignature(signatureDer, c);
    if (!sig) return false;
    const e = bits2int(digest, c) % c.n;
    let ok: boolean;
    try {
      if (simulateOpenSslFailure) throw new Error('simulated OpenSSL failure');
      ok = verifyWithOpenSsl(info, e, sig.r, sig.s);
    } catch {
      ecdsaPrehashStats.nobleFallbacks++;
      ok = verifyWithNoble(info, digest, sig.r, sig.s);
    }
    return ok;
  } catch {
    return false;
  }
}

/** @internal Counters for tests and benchmarks; not part of the package API. */
export const ecdsaPrehashStats = { nobleFallbacks: 0 };

let simulateOpenSslFailure = false;

type CurveName = 'P-256' | 'P-384' | 'P-521';

interface Curve {
  readonly name: CurveName;
  readonly openssl: 'prime256v1' | 'secp384r1' | 'secp521r1';
  readonly p: bigint;
  readonly a: bigint;
  readonly n: bigint;
  readonly nBits: number;
  /** Bytes of a field element and of a scalar (equal for the NIST curves). */
  readonly size: number;
  /** Not readonly only so tests can exercise both paths on every curve. */
  variableBase: 'ecdh' | 'pkey';
  readonly noble: typeof p256;
  /** DER of the namedCurve OID. */
  readonly oid: string;
  /** DER SEC1 ECPrivateKey with zero private key and public point, and where to write them. */
  readonly sec1Template: Buffer;
  readonly sec1PrivOffset: number;
  readonly sec1PubOffset: number;
  ecdh?: ECDH;
}

function makeCurve(
  name: CurveName,
  openssl: Curve['openssl'],
  p: bigint,
  n: bigint,
  nBits: number,
  size: number,
  oid: string,
  variableBase: Curve['variableBase'],
  noble: typeof p256,
): Curve {
  // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] namedCurve, [1] BIT STRING publicKey }
  const priv = tlv(0x04, Buffer.alloc(size));
  const pub = tlv(0xa1, tlv(0x03, Buffer.concat([Buffer.from([0x00, 0x04]), Buffer.alloc(2 * size)])));
  const head = Buffer.from('020101', 'hex');
  const params = tlv(0xa0, Buffer.from(oid, 'hex'));
  const body = Buffer.concat([head, priv, params, pub]);
  const sec1Template = tlv(0x30, body);
  const bodyStart = sec1Template.length - body.length;
  const sec1PrivOffset = bodyStart + head.length + (priv.length - size);
  const sec1PubOffset = sec1Template.length - 2 * size;
  return { name, openssl, p, a: p - 3n, n, nBits, size, variableBase, noble, oid, sec1Template, sec1PrivOffset, sec1PubOffset };
}

function tlv(tag: number, body: Buffer): Buffer {
  const l = body.length;
  const len = l < 0x80 ? [l] : l < 0x100 ? [0x81, l] : [0x82, l >> 8, l & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

const CURVES: Record<CurveName, Curve> = {
  'P-256': makeCurve(
    'P-256',
    'prime256v1',
    0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    256,
    32,
    '06082a8648ce3d030107',
    'ecdh',
    p256,
  ),
  'P-384': makeCurve(
    'P-384',
    'secp384r1',
    0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    384,
    48,
    '06052b81040022',
    'pkey',
    p384,
  ),
  'P-521': makeCurve(
    'P-521',
    'secp521r1',
    (1n << 521n) - 1n,
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    521,
    66,
    '06052b81040023',
    'pkey',
    p521 as unknown as typeof p256,
  ),
};

interface KeyInfo {
  readonly curve: Curve;
  readonly qx: bigint;
  readonly qy: bigint;
}

const keyCache = new WeakMap<KeyObject, KeyInfo | null>();

/**
 * The curve and public point of an EC KeyObject, from its DER SubjectPublicKeyInfo.
 *
 * Deliberately not key.asymmetricKeyDetails or export({ format: 'jwk' }): in Node 20
 * both hold the key's mutex while allocating JS objects, and a garbage collection at
 * that moment can run the destructor of the job that generated the key (for keys from
 * generateKeyPair[Sync]), which takes the same mutex: the process deadlocks. DER
 * export writes the buffer without holding the lock.
 */
function keyInfo(key: KeyObject): KeyInfo | null {
  if (!(key instanceof KeyObject)) return null;
  let info = keyCache.get(key);
  if (info !== undefined) return info;
  info = null;
  if (key.asymmetricKeyType === 'ec' && (key.type === 'public' || key.type === 'private')) {
    const pub = key.type === 'public' ? key : createPublicKey(key);
    info = parseEcSpki(pub.export({ type: 'spki', format: 'der' }));
  }
  keyCache.set(key, info);
  return info;
}

/**
 * @internal Records the SPKI a KeyObject was parsed from, so the first verification
 * with it skips the export (about 150 µs on OpenSSL 3). The caller guarantees that
 * `spki` is the DER the key was created from (parseVerificationKey does).
 */
export function rememberEcdsaKey(key: KeyObject, spki: Buffer): void {
  if (!keyCache.has(key)) {
    const info = parseEcSpki(spki);
    if (info) keyCache.set(key, info);
  }
}

const EC_PUBLIC_KEY_OID = '06072a8648ce3d0201';

function parseEcSpki(spki: Buffer): KeyInfo | null {
  const parts = sequenceOrNull(spki);
  if (!parts || parts.length !== 2) return null;
  const [alg, bits] = parts as [Tlv, Tlv];
  if (alg.tag !== 0x30 || bits.tag !== 0x03 || spki[bits.contentStart] !== 0) return null;
  const algHex = contents(spki, alg).toString('hex');
  const curve = Object.values(CURVES).find((c) => algHex === EC_PUBLIC_KEY_OID + c.oid);
  if (!curve) return null;
  let point: Buffer = spki.subarray(bits.contentStart + 1, bits.end);
  if (point[0] === 0x02 || point[0] === 0x03) {
    point = ECDH.convertKey(point, curve.openssl, undefined, undefined, 'uncompressed') as Buffer;
  }
  if (point.length !== 1 + 2 * curve.size || point[0] !== 0x04) return null;
  return { curve, qx: bytesToBigInt(point.subarray(1, 1 + curve.size)), qy: bytesToBigInt(point.subarray(1 + curve.size)) };
}

/** The elements of `der`, which must be exactly one strict-DER SEQUENCE; null otherwise. */
function sequenceOrNull(der: Uint8Array): Tlv[] | null {
  try {
    const seq = readDer(der);
    return seq.tag === 0x30 ? children(der, seq) : null;
  } catch (e) {
    if (isMalformedDer(e)) return null;
    throw e;
  }
}

/**
 * Strict DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }: minimal lengths and
 * integers, no trailing bytes, 1 <= r, s <= n-1. Returns null on anything else.
 */
function parseDerSignature(sig: Uint8Array, c: Curve): { r: bigint; s: bigint } | null {
  const parts = sequenceOrNull(sig);
  if (!parts || parts.length !== 2) return null;
  const r = readInteger(sig, parts[0]!, c);
  const s = r === null ? null : readInteger(sig, parts[1]!, c);
  return r !== null && s !== null ? { r, s } : null;
}

/** A positive, minimal INTEGER below the curve order n; null otherwise. */
function readInteger(buf: Uint8Array, t: Tlv, c: Curve): bigint | null {
  const l = t.end - t.contentStart;
  // An integer below n needs at most size+1 content bytes.
  if (t.tag !== 0x02 || l === 0 || l > c.size + 1) return null;
  const b0 = buf[t.contentStart]!;
  if (b0 & 0x80) return null; // negative
  if (b0 === 0 && l > 1 && !(buf[t.contentStart + 1]! & 0x80)) return null; // non-minimal
  const value = bytesToBigInt(buf.subarray(t.contentStart, t.end));
  return value >= 1n && value < c.n ? value : null;
}

/** SEC1 / FIPS 186 bits2int: the leftmost nBits bits of the digest (as Go's hashToInt). */
function bits2int(digest: Uint8Array, c: Curve): bigint {
  const orderBytes = (c.nBits + 7) >> 3;
  const d = digest.length > orderBytes ? digest.subarray(0, orderBytes) : digest;
  if (d.length === 0) return 0n;
  const e = bytesToBigInt(d);
  const excess = d.length * 8 - c.nBits;
  return excess > 0 ? e >> BigInt(excess) : e;
}

function verifyWithOpenSsl(info: KeyInfo, e: bigint, r: bigint, s: bigint): boolean {
  const c = info.curve;
  const { n } = c;
  // One inversion for both r⁻¹ and s⁻¹ (Montgomery's trick).
  const rsInv = invMod((r * s) % n, n);
  const u2 = (((r * r) % n) * rsInv) % n; // r/s
  const k = (((e * s) % n) * rsInv) % n; // e/r = u1/u2
  let px = info.qx;
  let py = info.qy;
  if (k !== 0n) {
    const ecdh = ecdhFor(c);
    ecdh.setPrivateKey(bigIntToBytes(k, c.size));
    const t = ecdh.getPublicKey();
    const tx = bytesToBigInt(t.subarray(1, 1 + c.size));
    const ty = bytesToBigInt(t.subarray(1 + c.size));
    const sum = affineAdd(c, px, py, tx, ty);
    if (!sum) return false; // Q + (e/r)·G is the point at infinity, so R is too: invalid.
    [px, py] = sum;
  }
  // u2 is in [1, n-1] and P' != O has order n, so R = u2·P' != O.
  const xR = bytesToBigInt(variableBaseX(c, u2, px, py));
  return xR % n === r;
}

function ecdhFor(c: Curve): ECDH {
  return (c.ecdh ??= createECDH(c.openssl));
}

/** x(k·P) for k in [1, n-1] and P a curve point other than O. */
function variableBaseX(c: Curve, k: bigint, px: bigint, py: bigint): Buffer {
  if (c.variableBase === 'ecdh') {
    const ecdh = ecdhFor(c);
    ecdh.setPrivateKey(bigIntToBytes(k, c.size));
    const point = Buffer.allocUnsafe(1 + 2 * c.size);
    point[0] = 0x04;
    writeBigInt(point, 1, px, c.size);
    writeBigInt(point, 1 + c.size, py, c.size);
    return ecdh.computeSecret(point);
  }
  const der = Buffer.from(c.sec1Template);
  writeBigInt(der, c.sec1PrivOffset, k, c.size);
  writeBigInt(der, c.sec1PubOffset, px, c.size);
  writeBigInt(der, c.sec1PubOffset + c.size, py, c.size);
  const key = createPrivateKey({ key: der, format: 'der', type: 'sec1' });
  // The key's public half is P', so deriving against itself gives x(k·P').
  return diffieHellman({ privateKey: key, publicKey: key });
}

/** P1 + P2 in affine coordinates; null for the point at infinity. Both inputs are on the curve. */
function affineAdd(c: Curve, x1: bigint, y1: bigint, x2: bigint, y2: bigint): [bigint, bigint] | null {
  const { p } = c;
  let lambda: bigint;
  if (x1 === x2) {
    if (y1 !== y2 || y1 === 0n) return null; // P2 = -P1
    lambda = mod((3n * x1 * x1 + c.a) * invMod((2n * y1) % p, p), p);
  } else {
    lambda = mod((y2 - y1) * invMod(mod(x2 - x1, p), p), p);
  }
  const x3 = mod(lambda * lambda - x1 - x2, p);
  const y3 = mod(lambda * (x1 - x3) - y1, p);
  return [x3, y3];
}

function verifyWithNoble(info: KeyInfo, digest: Uint8Array, r: bigint, s: bigint): boolean {
  const c = info.curve;
  const pub = Buffer.allocUnsafe(1 + 2 * c.size);
  pub[0] = 0x04;
  writeBigInt(pub, 1, info.qx, c.size);
  writeBigInt(pub, 1 + c.size, info.qy, c.size);
  const sig = Buffer.allocUnsafe(2 * c.size);
  writeBigInt(sig, 0, r, c.size);
  writeBigInt(sig, c.size, s, c.size);
  return c.noble.verify(sig, digest, pub, { prehash: false, lowS: false, format: 'compact' });
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

const LEHMER_BITS = 48;
const LEHMER_MIN = 1n << BigInt(LEHMER_BITS);

/**
 * a⁻¹ mod m for 0 < a < m, gcd(a, m) = 1: extended Euclid, with Lehmer's method
 * (Knuth 4.5.2, Algorithm L) running the quotient sequence on the leading 48 bits in
 * doubles (every intermediate stays below 2^53, so exact) and applying it to the
 * BigInts in one 2x2 step. About 3x faster than plain BigInt Euclid, which matters:
 * two inversions were a quarter of a P-256 verification. The result is checked.
 */
function invMod(a: bigint, m: bigint): bigint {
  if (a <= 0n || a >= m) throw new RangeError('invMod: argument out of range');
  // Invariant: tu·a ≡ u and tv·a ≡ v (mod m).
  let u = m;
  let v = a;
  let tu = 0n;
  let tv = 1n;
  while (v >= LEHMER_MIN) {
    const shift = BigInt(Math.max(0, u.toString(16).length * 4 - LEHMER_BITS));
    let uh = Number(u >> shift);
    let vh = Number(v >> shift);
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    for (;;) {
      if (vh + C === 0 || vh + D === 0) break;
      const q = Math.floor((uh + A) / (vh + C));
      if (q !== Math.floor((uh + B) / (vh + D))) break;
      let t = A - q * C;
      A = C;
      C = t;
      t = B - q * D;
      B = D;
      D = t;
      t = uh - q * vh;
      uh = vh;
      vh = t;
    }
    if (B === 0) {
      // The leading digits decided nothing: one full-precision division step.
      const q = u / v;
      const r = u - q * v;
      u = v;
      v = r;
      const t = tu - q * tv;
      tu = tv;
      tv = t;
    } else {
      const bA = BigInt(A);
      const bB = BigInt(B);
      const bC = BigInt(C);
      const bD = BigInt(D);
      const nu = bA * u + bB * v;
      v = bC * u + bD * v;
      u = nu;
      const ntu = bA * tu + bB * tv;
      tv = bC * tu + bD * tv;
      tu = ntu;
    }
  }
  while (v !== 0n) {
    const q = u / v;
    const r = u - q * v;
    u = v;
    v = r;
    const t = tu - q * tv;
    tu = tv;
    tv = t;
  }
  if (u !== 1n) throw new RangeError('invMod: not invertible');
  const inv = mod(tu, m);
  if ((inv * a) % m !== 1n) throw new Error('invMod: internal error');
  return inv;
}

/** @internal For tests only. */
export const _internals = {
  invMod,
  bits2int: (digest: Uint8Array, curve: CurveName): bigint => bits2int(digest, CURVES[curve]),
  /** Makes every verification take the @noble/curves fallback. */
  simulateOpenSslFailure(on: boolean): void {
    simulateOpenSslFailure = on;
  },
  /** Switches a curve's variable-base multiplication path; returns the previous one. */
  setVariableBase(curve: CurveName, path: 'ecdh' | 'pkey'): 'ecdh' | 'pkey' {
    const prev = CURVES[curve].variableBase;
    CURVES[curve].variableBase = path;
    return prev;
  },
};

function bytesToBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
}

function bigIntToBytes(v: bigint, size: number): Buffer {
  return Buffer.from(v.toString(16).padStart(2 * size, '0'), 'hex');
}

function writeBigInt(buf: Buffer, off: number, v: bigint, size: number): void {
  buf.write(v.toString(16).padStart(2 * size, '0'), off, size, 'hex');
}
