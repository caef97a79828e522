import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { VerificationKey } from '@sigstack/core';

/**
 * Ed25519ph (RFC 8032 §5.1, phflag = 1, empty context) verification of a SHA-512
 * digest: what upstream does for hashedrekord entries with Ed25519 keys
 * (`x509.NewSignatureWithOpts(..., options.WithED25519ph())`, sigstore's
 * ED25519phVerifier, which calls Go's `ed25519.VerifyWithOptions` with
 * `Options{Hash: crypto.SHA512}`). OpenSSL 3.0, which node 20 ships, has no Ed25519ph,
 * so the group arithmetic is @noble/curves' Edwards point; the verification equation
 * is Go's, so that exactly the signatures Go accepts are accepted:
 *
 * - signature 64 bytes, S canonical (S < L);
 * - A decoded as Go's edwards25519 SetBytes does (non-canonical y accepted, the point
 *   must be on the curve), which is noble's ZIP 215 decoding;
 * - k = SHA-512(dom2(1, "") || R || A || PH(M)) mod L, with R and A as given;
 * - cofactorless: the encoding of [S]B - [k]A must equal R byte for byte.
 */
export function verifyEd25519ph(vk: VerificationKey, sha512Digest: Uint8Array, signature: Uint8Array): boolean {
  if (vk.kind !== 'ed25519' || sha512Digest.length !== 64 || signature.length !== 64) return false;
  const publicKey = vk.spkiDer.subarray(vk.spkiDer.length - 32);
  const r = signature.subarray(0, 32);
  const s = littleEndian(signature.subarray(32));
  if (s >= L) return false;
  const Point = edwardsPoint();
  let a: EdwardsPoint;
  try {
    a = Point.fromBytes(publicKey, true);
  } catch {
    return false;
  }
  const h = createHash('sha512').update(DOM2_PH).update(r).update(publicKey).update(sha512Digest).digest();
  const k = littleEndian(h) % L;
  const rCheck = Point.BASE.multiplyUnsafe(s).add(a.negate().multiplyUnsafe(k));
  return Buffer.from(rCheck.toBytes()).equals(r);
}

/** The order of the Ed25519 base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** dom2(phflag = 1, context = ""): the prefix, the flag octet and the context length octet. */
const DOM2_PH = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions', 'latin1'), Buffer.of(1, 0)]);

function littleEndian(b: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`);
}

interface EdwardsPoint {
  add(other: EdwardsPoint): EdwardsPoint;
  negate(): EdwardsPoint;
  /** Variable-time scalar multiplication, 0 <= n < L. */
  multiplyUnsafe(n: bigint): EdwardsPoint;
  toBytes(): Uint8Array;
}

interface EdwardsPointClass {
  readonly BASE: EdwardsPoint;
  fromBytes(bytes: Uint8Array, zip215?: boolean): EdwardsPoint;
}

let pointClass: EdwardsPointClass | undefined;

/**
 * @noble/curves' ed25519 Point, loaded on first use. @noble/curves is a dependency of
 * @sigstack/core, not (yet) of this package, so when our own resolution fails it is
 * resolved from core's location. Once @noble/curves is listed in this package's
 * dependencies, this becomes `import { ed25519 } from '@noble/curves/ed25519.js'`.
 */
function edwardsPoint(): EdwardsPointClass {
  if (pointClass) return pointClass;
  const require = createRequire(import.meta.url);
  let mod: { ed25519: { Point: EdwardsPointClass } };
  try {
    mod = require('@noble/curves/ed25519');
  } catch {
    mod = createRequire(require.resolve('@sigstack/core'))('@noble/curves/ed25519');
  }
  pointClass = mod.ed25519.Point;
  return pointClass;
}
