import { constants, createPublicKey, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { CoreError } from '../errors.js';
import { fromPem, isPem, toPem } from '../pem.js';
import { HASH_LENGTH, isHashAlgorithm, type HashAlgorithm } from '../hash.js';
import { rememberEcdsaKey, verifyEcdsaPrehashed } from './ecdsa-prehash.js';
import { verifyRsaPkcs1Prehashed } from './rsa-prehash.js';

export type PublicKeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa';

/** A verification key taken from a PEM/DER public key or X.509 certificate. */
export interface VerificationKey {
  readonly kind: PublicKeyKind;
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spkiDer: Buffer;
  /** Present when the input was a certificate. */
  readonly certificate?: X509Certificate;
  /**
   * Go-style PEM of what was submitted (the certificate if there was one, else the
   * PUBLIC KEY). Rekor stores keys in this re-encoded form.
   */
  readonly canonicalPem: string;
}

/** Minimum RSA modulus size we accept. */
export const MIN_RSA_BITS = 2048;

/**
 * Parses a public key or certificate given as PEM (PUBLIC KEY / CERTIFICATE) or DER.
 * Only the first PEM block is used, as upstream Rekor does. Throws INVALID_KEY /
 * UNSUPPORTED_KEY / INVALID_CERTIFICATE with a message naming the problem.
 */
export function parseVerificationKey(input: Uint8Array | string): VerificationKey {
  let der: Buffer;
  let type: 'CERTIFICATE' | 'PUBLIC KEY' | undefined;
  if (isPem(input)) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    let block;
    try {
      block = fromPem(text)[0]!;
    } catch (cause) {
      throw new CoreError('INVALID_KEY', `invalid PEM: ${(cause as Error).message}`, { cause });
    }
    if (block.type !== 'CERTIFICATE' && block.type !== 'PUBLIC KEY')
      throw new CoreError('UNSUPPORTED_KEY', `unsupported PEM type "${block.type}" (want CERTIFICATE or PUBLIC KEY)`);
    type = block.type;
    der = block.der;
  } else {
    der = Buffer.from(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  }
  if (der.length === 0) throw new CoreError('INVALID_KEY', 'empty public key');
  // OpenSSL ignores bytes after the DER structure; Go (x509.ParseCertificate,
  // ParsePKIXPublicKey) refuses them, and so do we.
  if (!isSingleDerSequence(der)) {
    if (type === 'CERTIFICATE') throw new CoreError('INVALID_CERTIFICATE', 'certificate is not one DER SEQUENCE (trailing data?)');
    throw new CoreError('INVALID_KEY', 'public key is not one DER SEQUENCE (trailing data?)');
  }

  // DER that is a canonical EC/Ed25519 SPKI cannot be a certificate: skip that attempt.
  if (type === undefined && canonicalSpkiKind(der)) type = 'PUBLIC KEY';
  if (type !== 'PUBLIC KEY') {
    // A certificate, or DER that may be either: try certificate first.
    let cert: X509Certificate | undefined;
    try {
      cert = new X509Certificate(der);
    } catch (cause) {
      if (type === 'CERTIFICATE') throw new CoreError('INVALID_CERTIFICATE', 'certificate does not parse', { cause });
    }
    if (cert) {
      let key: KeyObject;
      try {
        key = cert.publicKey;
      } catch (cause) {
        throw new CoreError('UNSUPPORTED_KEY', 'certificate public key cannot be loaded', { cause });
      }
      return { ...describe(key, certificateSpki(der)), key, certificate: cert, canonicalPem: toPem('CERTIFICATE', der) };
    }
  }
  let key: KeyObject;
  try {
    key = importCanonicalSpki(der) ?? createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new CoreError('INVALID_KEY', 'public key does not parse as PKIX SubjectPublicKeyInfo', { cause });
  }
  const { kind, spkiDer } = describe(key, der);
  return { kind, key, spkiDer, canonicalPem: toPem('PUBLIC KEY', spkiDer) };
}

/**
 * The kind and canonical SPKI of a parsed key. `spki` is the DER the key came from,
 * when known: if it is already the canonical encoding of an EC or Ed25519 key (which
 * is what Go's x509.MarshalPKIXPublicKey writes), it is used as is. Otherwise OpenSSL
 * re-encodes the key. That export, and asymmetricKeyDetails, cost as much as parsing
 * the key in the first place on OpenSSL 3, and this is the hashedrekord hot path.
 */
function describe(key: KeyObject, spki: Buffer | undefined): { kind: PublicKeyKind; spkiDer: Buffer } {
  const fast = spki && canonicalSpkiKind(spki);
  if (fast && key.asymmetricKeyType === (fast === 'ed25519' ? 'ed25519' : 'ec')) {
    const spkiDer = Buffer.from(spki);
    if (fast !== 'ed25519') rememberEcdsaKey(key, spkiDer);
    return { kind: fast, spkiDer };
  }
  return { kind: kindOf(key), spkiDer: key.export({ type: 'spki', format: 'der' }) };
}

/** SPKI prefixes of the canonical encodings (named curve, uncompressed point) and the key length after them. */
const CANONICAL_SPKI: [PublicKeyKind, Buffer, number][] = [
  ['ecdsa-p256', Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), 65],
  ['ecdsa-p384', Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'), 97],
  ['ecdsa-p521', Buffer.from('30819b301006072a8648ce3d020106052b8104002303818600', 'hex'), 133],
  ['ed25519', Buffer.from('302a300506032b6570032100', 'hex'), 32],
];

const JWK_CURVE: Record<string, string> = { 'ecdsa-p256': 'P-256', 'ecdsa-p384': 'P-384', 'ecdsa-p521': 'P-521' };

/**
 * A canonical EC/Ed25519 SPKI imported as a JWK: node builds those keys with the
 * low-level EC/EdDSA calls, which validate the point just as well but take about
 * half the time of OpenSSL 3's DER decoder and contend far less between threads.
 * Undefined for anything else (which goes through the decoder).
 */
function importCanonicalSpki(der: Buffer): KeyObject | undefined {
  const kind = canonicalSpkiKind(der);
  if (!kind) return undefined;
  if (kind === 'ed25519') return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: der.subarray(der.length - 32).toString('base64url') }, format: 'jwk' });
  const size = (CANONICAL_SPKI.find(([k]) => k === kind)![2] - 1) / 2;
  const point = der.subarray(der.length - (2 * size + 1));
  const x = point.subarray(1, 1 + size).toString('base64url');
  const y = point.subarray(1 + size).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: JWK_CURVE[kind]!, x, y }, format: 'jwk' });
}

function canonicalSpkiKind(der: Uint8Array): PublicKeyKind | undefined {
  for (const [kind, prefix, keyLength] of CANONICAL_SPKI) {
    if (der.length !== prefix.length + keyLength || !prefix.equals(der.subarray(0, prefix.length))) continue;
    if (kind !== 'ed25519' && der[prefix.length] !== 0x04) continue;
    return kind;
  }
  return undefined;
}

/**
 * The subjectPublicKeyInfo of a DER certificate (the seventh field of tbsCertificate,
 * counting the optional [0] version), or undefined if the walk fails.
 */
function certificateSpki(cert: Buffer): Buffer | undefined {
  const outer = derHeader(cert, 0);
  if (!outer) return undefined;
  const tbs = derHeader(cert, outer.start);
  if (!tbs || cert[outer.start] !== 0x30) return undefined;
  let off = tbs.start;
  let skip = cert[off] === 0xa0 ? 6 : 5; // [version], serial, signature, issuer, validity, subject
  while (skip-- > 0) {
    const f = derHeader(cert, off);
    if (!f) return undefined;
    off = f.end;
  }
  const spki = derHeader(cert, off);
  if (!spki || cert[off] !== 0x30 || spki.end > tbs.end) return undefined;
  return cert.subarray(off, spki.end);
}

function derHeader(buf: Buffer, off: number): { start: number; end: number } | undefined {
  if (off + 2 > buf.length) return undefined;
  const l0 = buf[off + 1]!;
  let start = off + 2;
  let len = l0;
  if (l0 >= 0x80) {
    const n = l0 & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
  }
  const end = start + len;
  return end <= buf.length ? { start, end } : undefined;
}

/** Whether der is exactly one SEQUENCE (definite length) with nothing after it. */
function isSingleDerSequence(der: Buffer): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const l0 = der[1]!;
  if (l0 < 0x80) return 2 + l0 === der.length;
  const n = l0 & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return false;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  return 2 + n + len === der.length;
}

function kindOf(key: KeyObject): PublicKeyKind {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'ed25519';
    case 'rsa': {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) throw new CoreError('UNSUPPORTED_KEY', `RSA key of ${bits} bits is too small (minimum ${MIN_RSA_BITS})`);
      return 'rsa';
    }
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return 'ecdsa-p256';
      if (curve === 'secp384r1') return 'ecdsa-p384';
      if (curve === 'secp521r1') return 'ecdsa-p521';
      throw new CoreError('UNSUPPORTED_KEY', `unsupported elliptic curve ${curve ?? 'unknown'}`);
    }
    default:
      throw new CoreError('UNSUPPORTED_KEY', `unsupported key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
}

/** The digest a key's signatures use when the caller does not say (Go/sigstore defaults). */
export function defaultHashFor(kind: PublicKeyKind): HashAlgorithm {
  return kind === 'ecdsa-p384' ? 'sha384' : kind === 'ecdsa-p521' ? 'sha512' : 'sha256';
}

/**
 * Verifies a signature over `data`. ECDSA signatures are DER; RSA is PKCS#1 v1.5
 * (PSS is tried as well, as Go's verifiers accept either for RSA keys); Ed25519 is pure.
 * Runs on OpenSSL in libuv's thread pool, so verification uses every core.
 */
export function verifySignature(vk: VerificationKey, data: Uint8Array, signature: Uint8Array, hash?: HashAlgorithm): Promise<boolean> {
  const alg = vk.kind === 'ed25519' ? null : (hash ?? defaultHashFor(vk.kind));
  return new Promise((resolve) => {
    try {
      cryptoVerify(alg, data, vk.key, signature, (err, ok) => {
        if (err) return resolve(false);
        if (ok || vk.kind !== 'rsa') return resolve(ok);
        // RSA-PSS fallback, also off the main thread (a stream of bad RSA signatures
        // must not cost the event loop a synchronous RSA operation each).
        try {
          cryptoVerify(
            alg,
            data,
            { key: vk.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
            signature,
            (err2, ok2) => resolve(!err2 && ok2),
          );
        } catch {
          resolve(false);
        }
      });
    } catch {
      resolve(false);
    }
  });
}

/**
 * Verifies a signature over a digest that was computed elsewhere (Rekor hashedrekord:
 * the server only ever sees the artifact's digest). ECDSA and RSA PKCS#1 v1.5 only:
 * Ed25519 signs the message itself, so a digest cannot be checked against it (throws
 * UNSUPPORTED_KEY). A digest whose length is not that of `hash` is false, as in
 * sigstore's Go verifiers ("unexpected length of digest for hash function specified").
 */
export function verifyPrehashedSignature(vk: VerificationKey, hash: HashAlgorithm, digestBytes: Uint8Array, signature: Uint8Array): boolean {
  if (vk.kind === 'ed25519') throw new CoreError('UNSUPPORTED_KEY', 'ed25519 keys cannot verify a signature over a precomputed digest');
  if (!isHashAlgorithm(hash) || !(digestBytes instanceof Uint8Array) || digestBytes.length !== HASH_LENGTH[hash]) return false;
  switch (vk.kind) {
    case 'ecdsa-p256':
    case 'ecdsa-p384':
    case 'ecdsa-p521':
      return verifyEcdsaPrehashed(vk.key, digestBytes, signature);
    case 'rsa':
      return verifyRsaPkcs1Prehashed(vk.key, hash, digestBytes, signature);
  }
}
