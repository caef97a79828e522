import { hash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { digest, OID, systemClock, toPem, type Clock, type Signer } from '@sigstack/core';
import { objectIdentifier, octetString, oidContent, sequence, timeChoice, trustedRootAuthority, type DistinguishedName, type TrustedRootAuthority } from '@sigstack/x509';
import { encodeAccuracy, type Accuracy } from '../asn1/accuracy.js';
import { encodeAttribute, encodeSignedAttributes } from '../asn1/attribute.js';
import { DEFAULT_POLICY_OID } from '../asn1/oids.js';
import { FAIL_INFO_OF } from '../asn1/pki-status-info.js';
import { encodeTimeStampToken } from '../asn1/signed-data.js';
import { encodeCertificateSet, encodeIssuerAndSerialNumber, encodeSignerInfo } from '../asn1/signer-info.js';
import { encodeSigningCertificateV2 } from '../asn1/signing-certificate-v2.js';
import { encodeGrantedResponse, encodeRejectionResponse } from '../asn1/time-stamp-resp.js';
import { encodeTstInfo } from '../asn1/tst-info.js';
import { TsaError } from '../errors.js';
import { verifyTsaChain } from '../x509/tsa-chain.js';
import { parseDerRequest, parseJsonRequest, type RequestFormat, type TimestampRequest } from './timestamp-request.js';

/** Default accuracy written into every TSTInfo: ±1 s, as upstream and public-good write. */
export const DEFAULT_ACCURACY: Readonly<Accuracy> = { seconds: 1 };

export interface TimestampAuthorityOptions {
  /** The TSA signing key (ECDSA P-256 or P-384; clients verify only ecdsa-with-SHA*). */
  signer: Signer;
  /** DER certificates, leaf first, root last; the leaf certifies `signer`. */
  chain: Buffer[];
  /** The stack's clock: genTime comes from it. Default: the system clock. */
  clock?: Clock;
  /** The one policy we issue under and accept in requests. Default DEFAULT_POLICY_OID. */
  policyOid?: string;
  /** TSTInfo accuracy. Default DEFAULT_ACCURACY (1 s). */
  accuracy?: Accuracy;
  /**
   * Certificates in a token whose request set certReq: false (default) → the leaf
   * only, as public-good does; true → the whole chain (upstream
   * `--include-chain-in-response`). Tokens for requests without certReq carry none.
   */
  includeChain?: boolean;
  /** Randomness for serial numbers (tests inject it). Default node:crypto randomBytes. */
  randomBytes?: (n: number) => Buffer;
}

/** A TSA's entry in trusted_root.json `timestampAuthorities[]` (protocols.md §9.1–9.2). */
export type TrustedRootTimestampAuthority = TrustedRootAuthority;

/** What the TSA answers to one request body. */
export type TimestampReply =
  | { granted: true; der: Buffer; request: TimestampRequest }
  /** An RFC 3161 rejection (no token) for a well-formed DER request; `error` names the problem. */
  | { granted: false; der: Buffer; error: TsaError };

/**
 * The RFC 3161 timestamp authority: validates requests and issues signed
 * TimeStampResp tokens (protocols.md §8.3). Pure logic: no HTTP, no files.
 *
 * Everything constant is encoded once here (sid, ESSCertIDv2, the tsa name, the
 * certificate sets, algorithm identifiers), so a request costs one TSTInfo
 * encoding, two digests, one signature and a few buffer copies.
 */
export class TimestampAuthority {
  /** Certificates, DER, leaf first. */
  readonly chainDer: readonly Buffer[];
  /** The chain as PEM, leaf first (GET /api/v1/timestamp/certchain). */
  readonly chainPem: string;
  readonly policyOid: string;
  /** Leaf validity, ms since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  readonly rootSubject: DistinguishedName;

  readonly #signer: Signer;
  readonly #clock: Clock;
  readonly #random: (n: number) => Buffer;
  #randomPool: Buffer = Buffer.alloc(0);
  readonly #digest: 'sha256' | 'sha384';
  readonly #accuracy: Buffer;
  readonly #tsaName: Buffer;
  readonly #sid: Buffer;
  readonly #digestAlgorithm: Buffer;
  readonly #signatureAlgorithm: Buffer;
  readonly #contentTypeAttr: Buffer;
  readonly #signingCertificateAttr: Buffer;
  readonly #certificates: Buffer;

  constructor(opts: TimestampAuthorityOptions) {
    const signer = opts.signer;
    if (signer.algorithm !== 'ecdsa-p256-sha256' && signer.algorithm !== 'ecdsa-p384-sha384')
      throw new TsaError('UNSUPPORTED_KEY', `the TSA key must be ECDSA P-256 or P-384 (sigstore-js verifies only ecdsa-with-SHA* signers), got ${signer.algorithm}`);
    this.policyOid = opts.policyOid ?? DEFAULT_POLICY_OID;
    try {
      oidContent(this.policyOid);
    } catch {
      throw new TsaError('INVALID_OPTIONS', `policyOid "${this.policyOid}" is not a dotted OID`);
    }
    const chain = opts.chain.map((c) => Buffer.from(c));
    const info = verifyTsaChain(chain, signer);
    this.chainDer = Object.freeze(chain);
    this.chainPem = chain.map((c) => toPem('CERTIFICATE', c)).join('');
    this.notBefore = info.notBefore;
    this.notAfter = info.notAfter;
    this.rootSubject = info.rootSubject;
    this.#signer = signer;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.randomBytes ?? nodeRandomBytes;

    // CMS digest = the Signer's digest: Signer.sign hashes with it (P-256 → SHA-256,
    // P-384 → SHA-384), so SignerInfo.digestAlgorithm, messageDigest and the
    // ecdsa-with-SHA* OID all follow the key.
    const p384 = signer.algorithm === 'ecdsa-p384-sha384';
    this.#digest = p384 ? 'sha384' : 'sha256';
    this.#digestAlgorithm = sequence(objectIdentifier(p384 ? OID.sha384 : OID.sha256));
    this.#signatureAlgorithm = sequence(objectIdentifier(p384 ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256));
    try {
      this.#accuracy = encodeAccuracy(opts.accuracy ?? DEFAULT_ACCURACY);
    } catch (cause) {
      throw new TsaError('INVALID_OPTIONS', `accuracy: ${(cause as Error).message}`, { cause });
    }
    const leaf = info.leaf;
    this.#tsaName = leaf.subject;
    this.#sid = encodeIssuerAndSerialNumber(leaf.issuer, leaf.serialContent);
    this.#contentTypeAttr = encodeAttribute(OID.contentType, objectIdentifier(OID.tstInfo));
    this.#signingCertificateAttr = encodeAttribute(
      OID.signingCertificateV2,
      encodeSigningCertificateV2({ certHash: digest('sha256', chain[0]!), issuer: leaf.issuer, serialNumber: leaf.serialContent }),
    );
    this.#certificates = encodeCertificateSet(opts.includeChain ? chain : [chain[0]!]);
  }

  /** Parses and validates a request body in the given format (throws TsaError). */
  parseRequest(body: Buffer, format: RequestFormat): TimestampRequest {
    return format === 'der' ? parseDerRequest(body, this.policyOid) : parseJsonRequest(body, this.policyOid);
  }

  /**
   * Answers one request body. A well-formed DER request that asks for something we
   * refuse (hash, digest length, policy, extensions, version) gets an RFC 3161
   * rejection response (`granted: false`), as RFC 3161 §2.4.2 prescribes; every
   * other failure throws TsaError (the route answers JSON).
   */
  async respond(body: Buffer, format: RequestFormat): Promise<TimestampReply> {
    let request: TimestampRequest;
    try {
      request = this.parseRequest(body, format);
    } catch (e) {
      const failInfo = e instanceof TsaError ? FAIL_INFO_OF[e.code] : undefined;
      if (format === 'der' && failInfo) return { granted: false, der: encodeRejectionResponse(failInfo, (e as TsaError).message), error: e as TsaError };
      throw e;
    }
    return { granted: true, der: await this.issue(request), request };
  }

  /** Issues a granted DER TimeStampResp for a validated request. */
  async issue(req: TimestampRequest): Promise<Buffer> {
    const genTime = Math.floor(this.#clock.now() / 1000) * 1000;
    if (genTime < this.notBefore || genTime > this.notAfter)
      throw new TsaError(
        'CERTIFICATE_NOT_VALID',
        `the TSA certificate is not valid at ${new Date(genTime).toISOString()} (valid ${new Date(this.notBefore).toISOString()} to ${new Date(this.notAfter).toISOString()})`,
      );
    const tstInfo = encodeTstInfo({
      policy: req.policy ?? this.policyOid,
      messageImprint: req.messageImprint,
      serialNumber: this.#serialNumber(),
      genTime,
      accuracy: this.#accuracy,
      ...(req.nonce ? { nonce: req.nonce } : {}),
      tsaName: this.#tsaName,
    });
    const signedAttrs = encodeSignedAttributes([
      this.#contentTypeAttr,
      encodeAttribute(OID.signingTime, timeChoice(genTime)),
      encodeAttribute(OID.messageDigest, octetString(hash(this.#digest, tstInfo, 'buffer'))),
      this.#signingCertificateAttr,
    ]);
    let signature: Buffer;
    try {
      signature = await this.#signer.sign(signedAttrs);
    } catch (cause) {
      // The cause (HSM/KMS details) goes to the log through the error handler, not to the caller.
      throw new TsaError('SIGNING_FAILED', 'the TSA signer failed; no timestamp was issued', { cause });
    }
    const signerInfo = encodeSignerInfo({
      sid: this.#sid,
      digestAlgorithm: this.#digestAlgorithm,
      signedAttrs,
      signatureAlgorithm: this.#signatureAlgorithm,
      signature,
    });
    const token = encodeTimeStampToken({
      digestAlgorithm: this.#digestAlgorithm,
      tstInfo,
      ...(req.certReq ? { certificates: this.#certificates } : {}),
      signerInfo,
    });
    return encodeGrantedResponse(token);
  }

  /**
   * This TSA's `timestampAuthorities[]` entry for trusted_root.json: the root's
   * subject, `uri` (by convention the full timestamp URL; sigstore-go uses it to
   * count each TSA once), the chain leaf first (sigstore-js matches the signer
   * against certificates[0]), and validFor.start = the leaf's notBefore, which
   * precedes every genTime we can issue.
   */
  trustedRootEntry(uri: string): TrustedRootTimestampAuthority {
    return trustedRootAuthority({ chainDer: this.chainDer, uri, subject: this.rootSubject, startMs: this.notBefore });
  }

  /**
   * A positive serial of exactly 20 octets (RFC 3161: up to 160 bits; RFC 5280's
   * 20-octet cap): 158 random bits, top bit clear (positive) and the next set (so
   * the encoding never shrinks).
   */
  #serialNumber(): Buffer {
    // Drawn from a pool: one 20-byte randomBytes call costs ~5 µs, a 4 KiB one barely more.
    if (this.#randomPool.length < SERIAL_LENGTH) this.#randomPool = this.#random(SERIAL_LENGTH * 256);
    const b = Buffer.from(this.#randomPool.subarray(0, SERIAL_LENGTH));
    this.#randomPool = this.#randomPool.subarray(SERIAL_LENGTH);
    b[0] = (b[0]! & 0x3f) | 0x40;
    return b;
  }
}

const SERIAL_LENGTH = 20;
