import { toPem, type Signer } from '@sigstack/core';
import { signatureAlgorithmOf, trustedRootAuthority, type DistinguishedName, type TrustedRootAuthority } from '@sigstack/x509';
import { FulcioError } from '../errors.js';
import { verifyCaChain } from './ca-chain.js';
import { CT_POISON_EXT, LeafProfile, sctListExtension, type LeafParts, type LeafSpec } from './leaf-profile.js';

/** A `certificateAuthorities[]` entry of trusted_root.json (protocols.md §9.1, §9.2). */
export type TrustedRootCertificateAuthority = TrustedRootAuthority;

export interface CertificateAuthorityOptions {
  /** The intermediate's key (file, HSM, ...). */
  signer: Signer;
  /** DER, `[intermediate, root]`. */
  chain: readonly Buffer[];
  /** When the root key is at hand (development), its SPKI, checked against the root certificate. */
  rootKeyDer?: Buffer;
}

/** A precertificate and the encoded parts its final certificate is built from. */
export interface Precertificate {
  der: Buffer;
  parts: LeafParts;
}

/**
 * The issuing CA: the intermediate's signer and the `[intermediate, root]` chain,
 * checked once (ca-chain.ts) and pre-encoded once (leaf-profile.ts), so issuing a
 * certificate costs the per-certificate fields and two signatures.
 */
export class CertificateAuthority {
  /** DER, `[intermediate, root]`. */
  readonly chainDer: readonly Buffer[];
  /** PEM (Go encoding, trailing newline each), `[intermediate, root]`. */
  readonly chainPem: readonly string[];
  /** Intermediate validity, ms since the epoch: every leaf must lie within it. */
  readonly notBefore: number;
  readonly notAfter: number;
  readonly rootSubject: DistinguishedName;
  readonly signer: Signer;
  readonly #profile: LeafProfile;
  readonly #signSync: ((data: Uint8Array) => Buffer) | undefined;

  constructor(opts: CertificateAuthorityOptions) {
    const info = verifyCaChain(opts.chain, opts.signer, opts.rootKeyDer);
    this.signer = opts.signer;
    this.chainDer = Object.freeze(opts.chain.map((c) => Buffer.from(c)));
    this.chainPem = Object.freeze(this.chainDer.map((c) => toPem('CERTIFICATE', c)));
    this.notBefore = info.notBefore;
    this.notAfter = info.notAfter;
    this.rootSubject = info.rootSubject;
    this.#signSync = opts.signer.signSync && opts.signer.algorithm !== 'ecdsa-p384-sha384' ? opts.signer.signSync.bind(opts.signer) : undefined;
    this.#profile = new LeafProfile(info.issuerNameDer, info.issuerKeyId, signatureAlgorithmOf(opts.signer));
  }

  /**
   * Builds and signs the precertificate: the leaf profile plus the critical CT poison
   * extension, last (protocols.md §4.10 step 2–3). Throws CA_UNAVAILABLE when the
   * leaf would not lie within the intermediate's validity (the clock or the chain is
   * wrong: no client could verify it) or the signer fails.
   */
  async createPrecertificate(spec: LeafSpec): Promise<Precertificate> {
    if (spec.notBefore < this.notBefore || spec.notAfter > this.notAfter)
      throw new FulcioError(
        'CA_UNAVAILABLE',
        `a certificate valid ${new Date(spec.notBefore).toISOString()}–${new Date(spec.notAfter).toISOString()} would not lie within the intermediate's validity (${new Date(this.notBefore).toISOString()}–${new Date(this.notAfter).toISOString()})`,
      );
    const parts = this.#profile.parts(spec);
    const der = await this.#sign(this.#profile.tbs(parts, CT_POISON_EXT));
    return { der, parts };
  }

  /**
   * The final certificate: the precertificate's fields and extensions, byte for byte,
   * with the poison replaced by the SCT list (protocols.md §4.10 step 5).
   */
  async issueFinalCertificate(precert: Precertificate, scts: readonly Buffer[]): Promise<Buffer> {
    let ext: Buffer;
    try {
      ext = sctListExtension(scts);
    } catch (cause) {
      throw new FulcioError('CT_LOG_FAILED', `the CT log returned an unusable SCT: ${(cause as Error).message}`, { cause });
    }
    return this.#sign(this.#profile.tbs(precert.parts, ext));
  }

  /**
   * The trusted_root.json entry for this CA: the root's subject, the chain
   * intermediate first and root last, valid from the intermediate's notBefore (no
   * leaf is older).
   */
  trustedRootEntry(uri: string): TrustedRootCertificateAuthority {
    return trustedRootAuthority({ chainDer: this.chainDer, uri, subject: this.rootSubject, startMs: this.notBefore });
  }

  /**
   * Signs a TBS. A P-256 signature costs ~20 µs, less than a thread-pool round trip,
   * so it is made synchronously when the backend can (file keys). A P-384 signature
   * costs ~550 µs on OpenSSL 3.0 (no optimised P-384 code): two per certificate on the
   * event loop would cap the whole process near 900 certificates/s, so those go to
   * the thread pool, where they use every core.
   */
  async #sign(tbs: Buffer): Promise<Buffer> {
    let signature: Buffer;
    try {
      signature = this.#signSync ? this.#signSync(tbs) : await this.signer.sign(tbs);
    } catch (cause) {
      throw new FulcioError('CA_UNAVAILABLE', `the CA signing key failed: ${(cause as Error).message}`, { cause });
    }
    return this.#profile.certificate(tbs, signature);
  }
}
