import { X509Certificate } from 'node:crypto';
import { sha256 } from '@sigstack/core';
import { linkProblem } from '@sigstack/x509';
import { CtLogError } from '../errors.js';
import type { CertificateParts } from '@sigstack/core';
import { certificatePartsOf, isPrecertSigningCert, poisonOf } from './precert-tbs.js';

/** Most certificates accepted in one submitted chain (leaf included). */
export const MAX_CHAIN_LENGTH = 10;
/** Verified chain tails (issuer → root) kept, so the CA's steady stream skips re-verifying them. */
const TAIL_CACHE_SIZE = 256;

/** A submission that passed validation. */
export interface ValidatedChain {
  /** chain[0] as submitted. */
  leafDer: Buffer;
  leafTbs: CertificateParts;
  /** DER SubjectPublicKeyInfo of chain[1] (the issuer), verbatim from its certificate. */
  issuerSpki: Buffer;
  /** chain[1..], ending at the accepted root (appended when the submitter left it out). */
  chain: Buffer[];
}

interface VerifiedTail {
  issuer: X509Certificate;
  issuerSpki: Buffer;
  chain: Buffer[];
}

/**
 * RFC 6962 §4.1 / §4.2 chain checks: every element a certificate, chain[0] with (add-pre-chain)
 * or without (add-chain) the critical poison, each element issued by the next (issuer
 * name, AKI/SKI and signature, by OpenSSL through node:crypto), each issuer a CA, and
 * the chain ending at, or issued by, one of the accepted roots.
 *
 * Validity periods are not checked: the log records what the CA issued (a CA whose
 * clock drifts still gets its certificates logged); verifiers check validity.
 */
export class ChainValidator {
  readonly roots: readonly Buffer[];
  readonly #roots: { der: Buffer; cert: X509Certificate }[];
  readonly #tails = new Map<string, VerifiedTail>();

  constructor(roots: readonly Buffer[]) {
    if (roots.length === 0) throw new CtLogError('INVALID_OPTIONS', 'a CT log needs at least one accepted root certificate');
    this.#roots = roots.map((der, i) => {
      try {
        const cert = new X509Certificate(der);
        if (!cert.ca) throw new Error('not a CA certificate (basicConstraints cA is false or absent)');
        return { der: Buffer.from(der), cert };
      } catch (cause) {
        throw new CtLogError('INVALID_OPTIONS', `roots[${i}]: ${(cause as Error).message}`, { cause });
      }
    });
    this.roots = this.#roots.map((r) => r.der);
  }

  validate(chainDer: readonly Buffer[], kind: 'precert' | 'x509'): ValidatedChain {
    if (chainDer.length === 0) throw new CtLogError('MALFORMED_REQUEST', 'chain: must hold at least one certificate');
    if (chainDer.length > MAX_CHAIN_LENGTH)
      throw new CtLogError('MALFORMED_REQUEST', `chain: at most ${MAX_CHAIN_LENGTH} certificates, got ${chainDer.length}`);
    const leafDer = chainDer[0]!;
    const leaf = parseCertificate(leafDer, 'chain[0]');
    const leafTbs = certificatePartsOf(leafDer, 'chain[0]');
    const poison = poisonOf(leafTbs);
    if (kind === 'precert') {
      if (poison === 'absent') throw new CtLogError('MISSING_POISON', 'chain[0]: not a precertificate (no CT poison extension 1.3.6.1.4.1.11129.2.4.3)');
      if (poison === 'malformed') throw new CtLogError('MISSING_POISON', 'chain[0]: the CT poison extension must be critical with a DER NULL value');
    } else if (poison !== 'absent') {
      throw new CtLogError('UNEXPECTED_POISON', 'chain[0]: a precertificate (CT poison extension) must be submitted with add-pre-chain');
    }
    const tail = this.#tail(chainDer.slice(1), leaf);
    linkOrThrow(leaf, tail.issuer, 0);
    return { leafDer, leafTbs, issuerSpki: tail.issuerSpki, chain: tail.chain };
  }

  /** chain[1..] verified up to an accepted root (from the cache when seen before); its first element issues chain[0]. */
  #tail(rest: readonly Buffer[], leaf: X509Certificate): VerifiedTail {
    if (rest.length === 0) {
      // A lone chain[0] "chains to a known root" itself (RFC 6962 §4.1): its issuer is a root.
      const root = this.#roots.find((r) => issuedBy(leaf, r.cert));
      if (!root) throw new CtLogError('UNKNOWN_ROOT', 'chain[0]: not issued by an accepted root, and no further certificates were given');
      return { issuer: root.cert, issuerSpki: spkiOf(root.der), chain: [root.der] };
    }
    const key = sha256(Buffer.concat(rest.map((d) => sha256(d)))).toString('hex');
    const hit = this.#tails.get(key);
    if (hit) return hit;
    const certs = rest.map((d, i) => parseCertificate(d, `chain[${i + 1}]`));
    for (let i = 0; i + 1 < certs.length; i++) linkOrThrow(certs[i]!, certs[i + 1]!, i + 1);
    const chain = [...rest];
    const last = certs[certs.length - 1]!;
    const lastDer = rest[rest.length - 1]!;
    if (!this.#roots.some((r) => r.der.equals(lastDer))) {
      const root = this.#roots.find((r) => issuedBy(last, r.cert));
      if (!root) throw new CtLogError('UNKNOWN_ROOT', `chain[${rest.length}]: the chain does not end at, and is not issued by, an accepted root`);
      // RFC 6962 §3.1: the stored chain ends with the accepted root.
      chain.push(root.der);
    }
    if (isPrecertSigningCert(certificatePartsOf(rest[0]!, 'chain[1]')))
      throw new CtLogError(
        'UNSUPPORTED_CHAIN',
        'chain[1]: Precertificate Signing Certificates (RFC 6962 §3.1) are not supported; sign the precertificate with the issuing CA key',
      );
    const v: VerifiedTail = { issuer: certs[0]!, issuerSpki: spkiOf(rest[0]!), chain };
    // Bounded, oldest first out: a flood of distinct tails costs verification, never memory.
    if (this.#tails.size >= TAIL_CACHE_SIZE) this.#tails.delete(this.#tails.keys().next().value!);
    this.#tails.set(key, v);
    return v;
  }
}

function parseCertificate(der: Buffer, what: string): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw new CtLogError('INVALID_CERTIFICATE', `${what}: not a DER X.509 certificate`, { cause });
  }
  // OpenSSL stops at the end of the first certificate; refuse anything after it.
  if (!cert.raw.equals(der)) throw new CtLogError('INVALID_CERTIFICATE', `${what}: trailing bytes after the certificate`);
  certificatePartsOf(der, what);
  return cert;
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  return linkProblem(child, issuer) === undefined;
}

function linkOrThrow(child: X509Certificate, issuer: X509Certificate, i: number): void {
  switch (linkProblem(child, issuer)) {
    case 'not-ca':
      throw new CtLogError('INVALID_CHAIN', `chain[${i + 1}]: not a CA certificate, so it cannot issue chain[${i}]`);
    case 'not-issued':
      throw new CtLogError('INVALID_CHAIN', `chain[${i}]: not issued by chain[${i + 1}] (issuer name or key identifier differs)`);
    case 'bad-signature':
      throw new CtLogError('INVALID_CHAIN', `chain[${i}]: its signature does not verify with the key of chain[${i + 1}]`);
  }
}

/**
 * The DER SubjectPublicKeyInfo of a certificate, verbatim (issuer_key_hash hashes these
 * bytes: ct-go RawSubjectPublicKeyInfo, sigstore-js issuer.publicKey).
 */
export function spkiOf(certDer: Buffer, what = 'certificate'): Buffer {
  return certificatePartsOf(certDer, what).spki;
}
