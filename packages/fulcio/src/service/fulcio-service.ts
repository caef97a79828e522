import { toPem, type Clock } from '@sigstack/core';
import { randomSerial } from '@sigstack/x509';
import type { CertificateAuthority } from '../ca/certificate-authority.js';
import type { CtLogClient } from '../ca/ct-log-client.js';
import { FulcioError, type FulcioErrorCode } from '../errors.js';
import { OidcError, type IdentityVerifier, type Principal } from '@sigstack/oidc';
import { verifyKeyProof, type KeyProof } from './certificate-request.js';

/** Lifetime of a leaf: 10 minutes, like public-good Fulcio (protocols.md §4.5, §4.8). */
export const DEFAULT_CERT_VALIDITY_SECONDS = 600;

/** The subset of a pino/fastify logger the service uses. */
export interface FulcioLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FulcioServiceOptions {
  ca: CertificateAuthority;
  identity: IdentityVerifier;
  ctLog: CtLogClient;
  /** The stack's one clock: notBefore must agree with Rekor's integratedTime and the TSA's genTime (protocols.md §12.6). */
  clock: Clock;
  /** Leaf lifetime. Default DEFAULT_CERT_VALIDITY_SECONDS. */
  certValiditySeconds?: number;
  logger?: FulcioLogger;
}

/** One signingCert request, as both API versions reduce to it. */
export interface SigningCertificateRequest {
  /** The OIDC identity token; empty or absent is TOKEN_MISSING. */
  token: string | undefined;
  key: KeyProof;
}

/** An issued certificate. */
export interface SigningCertificate {
  /** DER, `[leaf, intermediate, root]`. */
  chainDer: Buffer[];
  /** PEM (each with a trailing newline), `[leaf, intermediate, root]`. */
  chainPem: string[];
  /** The TLS-encoded SCT embedded in the leaf. */
  sct: Buffer;
  principal: Principal;
}

/**
 * The CA service (protocols.md §4.10): token → principal → key and proof of
 * possession → precertificate → CT log → final certificate with the SCT embedded.
 * Nothing is issued, and nothing reaches the CT log, unless every check before it
 * passed; every failure is a FulcioError with its code.
 */
export class FulcioService {
  #ca: CertificateAuthority;
  readonly #identity: IdentityVerifier;
  readonly #ctLog: CtLogClient;
  readonly #clock: Clock;
  readonly #validityMs: number;
  readonly #logger: FulcioLogger | undefined;

  constructor(opts: FulcioServiceOptions) {
    const seconds = opts.certValiditySeconds ?? DEFAULT_CERT_VALIDITY_SECONDS;
    if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new RangeError(`certValiditySeconds must be a positive integer, got ${seconds}`);
    this.#ca = opts.ca;
    this.#identity = opts.identity;
    this.#ctLog = opts.ctLog;
    this.#clock = opts.clock;
    this.#validityMs = seconds * 1000;
    this.#logger = opts.logger;
  }

  /** The issuing CA now. */
  get ca(): CertificateAuthority {
    return this.#ca;
  }

  /**
   * A rotation: certificates from now on are issued by `ca` (a new intermediate).
   * A request already under way finishes with the CA it started with, so its
   * precertificate, final certificate and chain agree.
   */
  replaceCa(ca: CertificateAuthority): void {
    this.#ca = ca;
  }

  async createSigningCertificate(req: SigningCertificateRequest): Promise<SigningCertificate> {
    if (req.token === undefined || req.token === '') throw new FulcioError('TOKEN_MISSING', 'no OIDC identity token was presented (Authorization: Bearer <token>)');
    const principal = await this.#identity.verify(req.token).catch((e: unknown) => {
      throw toFulcioError(e);
    });
    const key = await verifyKeyProof(req.key, principal.challenge);

    const ca = this.#ca;
    const notBefore = Math.floor(this.#clock.now() / 1000) * 1000;
    const precert = await ca.createPrecertificate({
      serial: randomSerial(),
      notBefore,
      notAfter: notBefore + this.#validityMs,
      spkiDer: key.spkiDer,
      san: principal.san,
      extensions: principal.extensions,
    });

    let sct: Buffer;
    try {
      sct = await this.#ctLog.addPreChain([precert.der, ...ca.chainDer]);
    } catch (cause) {
      this.#logger?.error({ err: cause, issuer: principal.issuer }, 'CT log add-pre-chain failed');
      // CT_LOG_BUSY (the CtLogClient contract) is not a failure of this request: the
      // client should come back (sigstore-go and sigstore-js retry 503 with backoff).
      if (cause instanceof FulcioError && (cause.code === 'CT_LOG_FAILED' || cause.code === 'CT_LOG_BUSY')) throw cause;
      throw new FulcioError('CT_LOG_FAILED', `the CT log did not accept the precertificate: ${(cause as Error).message}`, { cause });
    }
    const leaf = await ca.issueFinalCertificate(precert, [sct]);
    this.#logger?.info({ issuer: principal.issuer, subject: principal.subject, san: principal.san.value }, 'issued signing certificate');
    return {
      chainDer: [leaf, ...ca.chainDer],
      chainPem: [toPem('CERTIFICATE', leaf), ...ca.chainPem],
      sct,
      principal,
    };
  }
}

/**
 * The identity side's refusals, re-coded as this personality's own: the codes keep
 * their names (TOKEN_EXPIRED stays TOKEN_EXPIRED), so Fulcio's status table maps
 * them (401, or 503 for DISCOVERY_FAILED) and the original stays as `cause`.
 */
function toFulcioError(e: unknown): unknown {
  if (!(e instanceof OidcError)) return e;
  const code: FulcioErrorCode = e.code === 'DEV_ISSUER_NOT_STARTED' || e.code === 'DEV_TOKEN_REQUEST_INVALID' ? 'TOKEN_INVALID' : e.code;
  return new FulcioError(code, e.message, { cause: e });
}
