import { createHash, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Bundle } from '@sigstore/bundle';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import type { SignedEntity, VerificationPolicy, Verifier } from '@sigstore/verify';
import { cjsExports } from '../cjs-exports.js';
import { parseVerificationKey, verifyPrehashedSignature, type HashAlgorithm } from '@sigstack/core';
import { ClientError, type ClientErrorCode } from '../errors.js';
import { digestAlgorithmOf, digestFile, type DigestAlgorithm } from '../sign/artifact-digest.js';
import { verifyNoRootInBundle, verifyTlogEntriesStrict, verifyTrustedRootStrict } from './strict-checks.js';
import { FastBundleVerifier } from './fast/fast-verifier.js';

/** Who must have signed, for keyless verification (cosign's --certificate-* flags). */
export interface IdentityPolicy {
  /** Exact subject alternative name (email, URI). */
  subject?: string;
  /** Unanchored regular expression over the SAN, as cosign's --certificate-identity-regexp. */
  subjectRegExp?: string;
  /** Exact OIDC issuer (the certificate's issuer extension). */
  issuer?: string;
  issuerRegExp?: string;
}

/** What is verified against the bundle's signature. */
export type ArtifactInput =
  | { kind: 'file'; path: string }
  | { kind: 'digest'; algorithm: 'sha256'; digest: Buffer }
  | { kind: 'bytes'; data: Uint8Array }
  /** DSSE: the signed payload is inside the envelope. */
  | { kind: 'none' };

export interface VerifierOptions {
  trustedRoot: TrustedRoot;
  /** `--key`: the signer's public key; then the bundle must carry a key hint, not a certificate. */
  key?: KeyObject;
  /** Required for keyless bundles. */
  identity?: IdentityPolicy;
  /** The verifier's clock (an integrated time later than this is refused); the system clock by default. */
  now?: () => Date;
}

export interface VerifiedBundle {
  bundle: Bundle;
  identity?: { subjectAlternativeName?: string; issuer?: string };
  /** DSSE: the envelope's payload and its type. */
  payload?: Buffer;
  payloadType?: string;
  /** The times the signature was proven to exist (log integration, RFC 3161). */
  timestamps: Date[];
}

/** Files up to this size are read whole when the key cannot verify over a digest (Ed25519). */
const MAX_WHOLE_FILE = 64 * 1024 * 1024;

/**
 * Verifies Sigstore bundles with sigstore-js's verifier (certificate chain and
 * validity at the proven time, SCTs, Rekor inclusion proof or SET and checkpoint, RFC
 * 3161 timestamps, the signature, the identity), made once per trust root so that a
 * batch of bundles pays for parsing the trust material once. What we add:
 * - artifacts are streamed (a message signature is checked over the digest of the
 *   file, never over a Buffer of it), and may be given as a `sha256:` digest;
 * - the bundle's own message digest must equal the artifact's (sigstore-js checks the
 *   signature, not the digest field);
 * - identity regular expressions on the issuer as well as the subject;
 * - a key-signed bundle verifies only against the given key, and a certificate-signed
 *   one only against an identity policy: never one in place of the other;
 * - the checks of strict-checks.ts, where the specification is stricter than
 *   sigstore-js (trusted root windows, no root certificate in the bundle, log entries
 *   consistent with their checkpoints, no duplicate or future entries).
 */
export class BundleVerifier {
  /** sigstore-js's verifier, made on first use: the shapes the real clients make never need it, and loading it costs a CLI run more than the verification. */
  private slow?: Promise<{ verifier: Verifier; sigstore: typeof import('@sigstore/verify') }>;
  private readonly policy: VerificationPolicy | undefined;
  /** Our own path for the shapes the real clients make: ~30x sigstore-js's throughput (verify/fast/). */
  private readonly fast: FastBundleVerifier;

  constructor(private readonly opts: VerifierOptions) {
    verifyTrustedRootStrict(opts.trustedRoot);
    const key = opts.key;
    this.policy = opts.identity ? toPolicy(opts.identity) : undefined;
    if (!key && !opts.identity) throw new ClientError('USAGE', 'verification needs a key (--key) or an identity (--certificate-identity and --certificate-oidc-issuer)');
    this.fast = new FastBundleVerifier(opts);
  }

  /**
   * Bundles of the shapes cosign, sigstore-go, sigstore-js and this client make (v0.1 to
   * v0.3, Rekor v1 hashedrekord/dsse/intoto entries) take our own path, which a
   * differential test holds to the same verdicts as sigstore-js's (and stricter where
   * documented); anything else takes sigstore-js's.
   */
  async verify(original: Bundle, artifact: ArtifactInput): Promise<VerifiedBundle> {
    if (this.fast.supports(original)) return this.fast.verify(original, artifact);
    return this.verifyWithSigstoreJs(original, artifact);
  }

  private sigstoreJs(): Promise<{ verifier: Verifier; sigstore: typeof import('@sigstore/verify') }> {
    return (this.slow ??= (async () => {
      const sigstore = cjsExports(await import('@sigstore/verify'));
      const key = this.opts.key;
      const material = key ? sigstore.toTrustMaterial(this.opts.trustedRoot, () => ({ publicKey: key, validFor: () => true })) : sigstore.toTrustMaterial(this.opts.trustedRoot);
      return { sigstore, verifier: new sigstore.Verifier(material, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }) };
    })());
  }

  /** sigstore-js's verifier with our additions (see the class comment). */
  async verifyWithSigstoreJs(original: Bundle, artifact: ArtifactInput): Promise<VerifiedBundle> {
    const { sigstore, verifier } = await this.sigstoreJs();
    const bundle = verifyTlogEntriesStrict(original, this.opts.now?.() ?? new Date());
    verifyNoRootInBundle(bundle);
    const material = bundle.verificationMaterial.content.$case;
    if (this.opts.key && material !== 'publicKey')
      throw new ClientError('VERIFY_SIGNATURE', 'the bundle carries a certificate, not a key signature: verify it with --certificate-identity and --certificate-oidc-issuer');
    if (!this.opts.key && material === 'publicKey') throw new ClientError('VERIFY_SIGNATURE', 'the bundle was signed with a key: verify it with --key');

    let entity: SignedEntity;
    try {
      entity = sigstore.toSignedEntity(bundle, artifact.kind === 'bytes' ? Buffer.from(artifact.data) : undefined);
    } catch (cause) {
      throw new ClientError('BUNDLE_INVALID', `bundle: ${(cause as Error).message}`, { cause });
    }
    if (bundle.content.$case === 'messageSignature') {
      if (artifact.kind === 'none') throw new ClientError('USAGE', 'a message-signature bundle needs the artifact (a file or a sha256: digest)');
      entity = { ...entity, signature: await this.messageContent(bundle, artifact) };
    } else if (artifact.kind !== 'none' && artifact.kind !== 'digest' && artifact.kind !== 'file') {
      throw new ClientError('USAGE', 'a DSSE bundle carries its payload: verify it as an attestation');
    }

    let signer;
    try {
      signer = verifier.verify(entity, this.policy);
    } catch (cause) {
      throw toClientError(cause, sigstore);
    }
    const issuer = signer.identity?.extensions?.issuer;
    if (this.opts.identity?.issuerRegExp !== undefined && !new RegExp(this.opts.identity.issuerRegExp).test(issuer ?? ''))
      throw new ClientError('VERIFY_IDENTITY', `certificate issuer "${issuer ?? ''}" does not match --certificate-oidc-issuer-regexp ${this.opts.identity.issuerRegExp}`);

    const out: VerifiedBundle = { bundle: original, timestamps: [] };
    if (signer.identity) out.identity = { ...(signer.identity.subjectAlternativeName !== undefined ? { subjectAlternativeName: signer.identity.subjectAlternativeName } : {}), ...(issuer !== undefined ? { issuer } : {}) };
    if (bundle.content.$case === 'dsseEnvelope') {
      out.payload = Buffer.from(bundle.content.dsseEnvelope.payload);
      out.payloadType = bundle.content.dsseEnvelope.payloadType;
    }
    for (const e of bundle.verificationMaterial.tlogEntries) if (e.integratedTime) out.timestamps.push(new Date(Number(e.integratedTime) * 1000));
    return out;
  }

  /**
   * The signature content of a message signature, checked over the artifact's digest:
   * the digest is computed once (streamed for files) with the bundle's algorithm.
   */
  private async messageContent(bundle: Bundle, artifact: Exclude<ArtifactInput, { kind: 'none' }>): Promise<SignedEntity['signature']> {
    if (bundle.content.$case !== 'messageSignature') throw new Error('unreachable');
    const ms = bundle.content.messageSignature;
    const algorithm = digestAlgorithmOf(ms.messageDigest?.algorithm);
    let digest: Buffer;
    let wholeData: Buffer | undefined;
    if (artifact.kind === 'digest') {
      if (algorithm !== 'sha256') throw new ClientError('VERIFY_DIGEST', `the bundle's digest is ${algorithm}; a sha256: digest cannot be compared with it`);
      digest = artifact.digest;
    } else if (artifact.kind === 'bytes') {
      wholeData = Buffer.from(artifact.data);
      digest = createHash(algorithm).update(wholeData).digest();
    } else {
      digest = (await digestFile(artifact.path, algorithm)).digest;
      if (this.opts.key?.asymmetricKeyType === 'ed25519') wholeData = await readWhole(artifact.path);
    }
    const bundleDigest = Buffer.from(ms.messageDigest?.digest ?? []);
    if (bundleDigest.length > 0 && !equal(bundleDigest, digest))
      throw new ClientError('VERIFY_DIGEST', `the artifact's ${algorithm} digest ${digest.toString('hex')} is not the one signed (${bundleDigest.toString('hex')}): the artifact was changed or is another one`);
    const signature = Buffer.from(ms.signature);
    return {
      signature,
      compareSignature: (s: Buffer) => equal(s, signature),
      compareDigest: (d: Buffer) => equal(d, digest),
      compareSignedDigest: (d: Buffer) => equal(d, digest),
      verifySignature: (key: KeyObject) => verifyOverDigest(key, algorithm, digest, signature, wholeData),
    };
  }
}

function verifyOverDigest(key: KeyObject, algorithm: HashAlgorithm, digest: Buffer, signature: Buffer, whole: Buffer | undefined): boolean {
  if (key.asymmetricKeyType === 'ed25519') {
    if (!whole) throw new ClientError('KEY_UNSUPPORTED', 'an Ed25519 signature is checked over the whole artifact, not a digest');
    return cryptoVerifyWhole(key, whole, signature);
  }
  const vk = parseVerificationKey(key.export({ type: 'spki', format: 'der' }));
  return verifyPrehashedSignature(vk, algorithm, digest, signature);
}

function cryptoVerifyWhole(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  return cryptoVerify(null, data, key, signature);
}

async function readWhole(path: string): Promise<Buffer> {
  const st = await stat(path);
  if (st.size > MAX_WHOLE_FILE) throw new ClientError('KEY_UNSUPPORTED', `Ed25519 signatures are checked over whole files: ${path} is larger than ${MAX_WHOLE_FILE} bytes`);
  return readFile(path);
}


function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function toPolicy(id: IdentityPolicy): VerificationPolicy {
  const p: VerificationPolicy = {};
  if (id.subject !== undefined) p.subjectAlternativeName = id.subject;
  else if (id.subjectRegExp !== undefined) p.subjectAlternativeName = new RegExp(id.subjectRegExp);
  if (id.issuer !== undefined) p.extensions = { issuer: id.issuer };
  return p;
}

const CODES: Record<string, ClientErrorCode> = {
  TLOG_ERROR: 'VERIFY_TLOG',
  TLOG_INCLUSION_PROOF_ERROR: 'VERIFY_TLOG',
  TLOG_INCLUSION_PROMISE_ERROR: 'VERIFY_TLOG',
  TLOG_MISSING_INCLUSION_ERROR: 'VERIFY_TLOG',
  TLOG_BODY_ERROR: 'VERIFY_TLOG',
  CERTIFICATE_ERROR: 'VERIFY_CERTIFICATE',
  PUBLIC_KEY_ERROR: 'VERIFY_SIGNATURE',
  SIGNATURE_ERROR: 'VERIFY_SIGNATURE',
  TIMESTAMP_ERROR: 'VERIFY_TIMESTAMP',
  UNTRUSTED_SIGNER_ERROR: 'VERIFY_IDENTITY',
};

const WHAT: Record<ClientErrorCode | string, string> = {
  VERIFY_TLOG: 'transparency log',
  VERIFY_CERTIFICATE: 'certificate',
  VERIFY_SIGNATURE: 'signature',
  VERIFY_TIMESTAMP: 'timestamp',
  VERIFY_IDENTITY: 'identity',
};

/** sigstore-js's verification errors, as our codes with a message naming the check. */
function toClientError(cause: unknown, sigstore: typeof import('@sigstore/verify')): ClientError {
  if (cause instanceof ClientError) return cause;
  if (cause instanceof sigstore.VerificationError || cause instanceof sigstore.PolicyError) {
    const code = CODES[cause.code] ?? 'VERIFY_SIGNATURE';
    let message = cause.message;
    if (/expected \d+ SCTs/.test(message)) message = `no valid SCT from a trusted CT log (${message})`;
    if (/expected \d+ timestamps, got 0/.test(message)) message = `no timestamp proves when it was signed (${message})`;
    const inner = (cause as { cause?: { message?: string } }).cause?.message;
    return new ClientError(code, `${WHAT[code] ?? 'verification'}: ${message}${inner ? `: ${inner}` : ''}`, { cause });
  }
  if (cause instanceof Error) return new ClientError('VERIFY_SIGNATURE', `verification failed: ${cause.message}`, { cause });
  return new ClientError('VERIFY_SIGNATURE', `verification failed: ${String(cause)}`);
}
