import { CoreError, fromPem, OID, parseVerificationKey, readCertificateParts, type CertificateParts, type VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { assertWithinLimit } from './entry-limits.js';
import { subjectAltNames } from './subject-alt-names.js';

/** A verification key submitted in "x509" form (upstream pkg/pki/x509). */
export interface X509Key {
  readonly vk: VerificationKey;
  /**
   * Upstream's CanonicalValue(): the certificate, or the PKIX public key, re-encoded as
   * Go PEM. This is what canonical bodies store and what index keys hash.
   */
  readonly canonicalPem: Buffer;
  /** Upstream's Subjects(): the certificate's SANs (see subject-alt-names.ts); [] for a bare key. */
  readonly subjects: readonly string[];
}

const BEGIN = /-----BEGIN ([^\r\n]*?)-----/g;

/**
 * The SubjectPublicKeyInfo encodings Go's x509 parses and MarshalPKIXPublicKey writes
 * for EC and Ed25519 keys: named curve, uncompressed point (RFC 5480 §2.2), and the
 * length of the key after the prefix. OpenSSL also accepts compressed points and
 * explicit curve parameters, and re-exports keys in the form they came in.
 */
const CANONICAL_SPKI: Partial<Record<VerificationKey['kind'], [prefix: Buffer, keyLength: number]>> = {
  'ecdsa-p256': [Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), 65],
  'ecdsa-p384': [Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'), 97],
  'ecdsa-p521': [Buffer.from('30819b301006072a8648ce3d020106052b8104002303818600', 'hex'), 133],
  ed25519: [Buffer.from('302a300506032b6570032100', 'hex'), 32],
};

function isCanonicalSpki(vk: VerificationKey): boolean {
  const form = CANONICAL_SPKI[vk.kind];
  if (!form) return true;
  const [prefix, keyLength] = form;
  const spki = vk.spkiDer;
  return spki.length === prefix.length + keyLength && spki.subarray(0, prefix.length).equals(prefix) && (vk.kind === 'ed25519' || spki[prefix.length] === 0x04);
}

/**
 * Parses a public key or certificate as upstream's x509.NewPublicKey does, and refuses
 * what it would refuse. Errors are INVALID_KEY naming `field`.
 *
 * Upstream rules (sigstore/rekor pkg/pki/x509/x509.go NewPublicKey):
 * - the input, trimmed of surrounding white space, must be PEM (DER is refused);
 * - a PUBLIC KEY block is parsed with x509.ParsePKIXPublicKey, a CERTIFICATE block with
 *   x509.ParseCertificate; other block types are refused;
 * - anything after the first block makes upstream read the input as a certificate
 *   chain, which it verifies (leaf signed up to the last certificate) and stores whole.
 *   We refuse chains instead: no target client sends one, and a partial
 *   re-implementation of Go's chain verification could accept chains upstream refuses.
 *
 * On top of core's parsing (which refuses RSA keys under 2048 bits and curves other
 * than P-256/P-384/P-521), keys must be in the canonical SubjectPublicKeyInfo
 * encoding: Go refuses EC keys with explicit curve parameters or compressed points,
 * which OpenSSL would accept.
 */
export function parseX509Key(bytes: Buffer, field: string, maxKeyBytes: number): X509Key {
  assertWithinLimit(bytes.length, maxKeyBytes, field);
  // Pipelines that sign with a long-lived key send the same PUBLIC KEY with every
  // entry; importing it costs about as much as verifying the signature. Certificates
  // (one per keyless signature) are not cached. An X509Key is immutable.
  const cacheKey = bytes.length < 1024 ? bytes.toString('latin1') : undefined;
  const hit = cacheKey !== undefined ? keyCache.get(cacheKey) : undefined;
  if (hit) return hit;
  const key = parseX509KeyUncached(bytes, field);
  if (cacheKey !== undefined && key.subjects.length === 0 && !key.vk.certificate) {
    keyCache.set(cacheKey, key);
    if (keyCache.size > KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!);
  }
  return key;
}

/** Parsed bare public keys by their exact submitted bytes (bounded, oldest evicted first). */
const KEY_CACHE_SIZE = 1024;
const keyCache = new Map<string, X509Key>();

function parseX509KeyUncached(bytes: Buffer, field: string): X509Key {
  const text = bytes.toString('utf8').trim();
  const blocks = [...text.matchAll(BEGIN)];
  if (blocks.length === 0 || !text.startsWith('-----BEGIN '))
    throw new RekorError('INVALID_KEY', `${field}: not a PEM-encoded public key or certificate (failure decoding PEM)`);
  if (blocks.length > 1) {
    const chain = blocks.every((b) => b[1] === 'CERTIFICATE');
    throw new RekorError(
      'INVALID_KEY',
      chain
        ? `${field}: certificate chains are not accepted by this log; send the signing certificate alone`
        : `${field}: exactly one PEM block (CERTIFICATE or PUBLIC KEY) is expected, found ${blocks.length}`,
    );
  }
  const type = blocks[0]![1]!;
  if (!text.endsWith(`-----END ${type}-----`))
    throw new RekorError('INVALID_KEY', `${field}: data after the PEM block, or the block is not terminated by -----END ${type}-----`);

  let vk: VerificationKey;
  let der: Buffer;
  try {
    der = fromPem(text)[0]!.der;
    vk = parseVerificationKey(text);
  } catch (cause) {
    if (cause instanceof CoreError) throw new RekorError('INVALID_KEY', `${field}: ${cause.message}`, { cause });
    throw cause;
  }

  const notCanonical = 'is not in canonical SubjectPublicKeyInfo form (EC keys need a named curve and an uncompressed point)';
  if (!isCanonicalSpki(vk)) throw new RekorError('INVALID_KEY', `${field}: ${vk.certificate ? 'certificate public key' : 'public key'} ${notCanonical}`);
  let subjects: string[] = [];
  if (vk.certificate) {
    let parts: CertificateParts;
    try {
      parts = readCertificateParts(der);
    } catch (cause) {
      throw new RekorError('INVALID_KEY', `${field}: certificate is not well-formed DER`, { cause });
    }
    if (!parts.spki.equals(vk.spkiDer)) throw new RekorError('INVALID_KEY', `${field}: certificate public key ${notCanonical}`);
    subjects = subjectAltNames(
      parts.extensions.filter((e) => e.id === OID.subjectAltName).map((e) => e.value),
      field,
    );
  } else if (!der.equals(vk.spkiDer)) {
    throw new RekorError('INVALID_KEY', `${field}: public key ${notCanonical}`);
  }
  return { vk, canonicalPem: Buffer.from(vk.canonicalPem, 'utf8'), subjects };
}
