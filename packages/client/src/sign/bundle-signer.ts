import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { bundleToJSON, toDSSEBundle, toMessageSignatureBundle, type Bundle, type SerializedBundle } from '@sigstore/bundle';
import type { Witness } from '@sigstore/sign';
import { cjsExports } from '../cjs-exports.js';
import { ClientError } from '../errors.js';
import type { SigningServices } from '../trust/signing-config.js';
import { digestFile } from './artifact-digest.js';
import { preAuthEncoding } from './dsse-pae.js';
import { KeyHolder } from './key-holder.js';
import { RekorV2KeyWitness } from './rekor-v2-key-witness.js';
import type { TokenSigningKey } from '../keys/pkcs11-key.js';

/**
 * With a key (`--key`: a key file's private key, or a key on a PKCS#11 token from
 * openPkcs11SigningKey), or keyless: a certificate from Fulcio for an ephemeral key,
 * bound to an identity token.
 */
export type SigningIdentity = { kind: 'key'; key: import('node:crypto').KeyObject | TokenSigningKey } | { kind: 'keyless'; token: () => Promise<string> };

export interface BundleSignerOptions {
  identity: SigningIdentity;
  services: SigningServices;
  /** cosign's `--tlog-upload` (default true): a signature with no log entry verifies only with a timestamp. */
  tlogUpload?: boolean;
  /** Rekor v1 entry kind for DSSE envelopes: `dsse` (cosign's default) or `intoto`. */
  rekorEntryType?: 'dsse' | 'intoto';
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

/** Ed25519 signs whole messages: files up to this size are read into memory for it. */
const MAX_ED25519_FILE = 64 * 1024 * 1024;

/**
 * Makes Sigstore bundles v0.3: the signature (streamed over files), the key or the
 * Fulcio certificate, the Rekor entry with its inclusion proof, and RFC 3161
 * timestamps. sigstore-js supplies the service clients (FulcioSigner, RekorWitness,
 * TSAWitness) and the bundle shape; what it lacks, and we add, is streaming (its
 * builders hash and sign a Buffer) and one certificate for many signatures (an image
 * index signed with --recursive gets one certificate, as with cosign).
 */
export class BundleSigner {
  private readonly holder: KeyHolder;
  private certificate?: Promise<string>;
  private witnessList?: Promise<Witness[]>;

  private constructor(private readonly opts: BundleSignerOptions) {
    this.holder = opts.identity.kind === 'key' ? new KeyHolder(opts.identity.key) : KeyHolder.ephemeral();
  }

  /**
   * sigstore-js's service clients, loaded on first use: they bring an HTTP stack whose
   * loading costs more than a verification, and `verify-blob` never needs it.
   */
  private witnesses(): Promise<Witness[]> {
    return (this.witnessList ??= this.makeWitnesses());
  }

  private async makeWitnesses(): Promise<Witness[]> {
    const { RekorWitness, TSAWitness } = cjsExports(await import('@sigstore/sign'));
    const opts = this.opts;
    const timeout = opts.timeoutMs ?? 30_000;
    const retry = { retries: 1 };
    const witnesses: Witness[] = [];
    if (opts.tlogUpload !== false) {
      const rekor = opts.services.rekor!;
      // A keyed signature to Rekor v2: the key as a publicKey verifier (sigstore-js sends a certificate).
      if (rekor.majorApiVersion === 2 && opts.identity.kind === 'key') witnesses.push(new RekorV2KeyWitness({ rekorBaseURL: rekor.url, timeoutMs: timeout }));
      else
        witnesses.push(
          new RekorWitness({ rekorBaseURL: rekor.url, majorApiVersion: rekor.majorApiVersion, entryType: opts.rekorEntryType ?? 'dsse', fetchOnConflict: true, timeout, retry }),
        );
    }
    if (opts.services.tsaUrl) witnesses.push(new TSAWitness({ tsaBaseURL: opts.services.tsaUrl, timeout, retry }));
    return witnesses;
  }

  /** Releases the signing key (a token key's sessions); the signer signs no more. */
  close(): void {
    this.holder.close();
  }

  /** Checks that the services the identity needs are there, naming what is missing. */
  static create(opts: BundleSignerOptions): BundleSigner {
    if (opts.identity.kind === 'keyless' && !opts.services.fulcioUrl)
      throw new ClientError('USAGE', 'keyless signing needs a CA: pass --fulcio-url or --signing-config, or run initialize against a mirror whose signing config names one');
    if (opts.tlogUpload !== false && !opts.services.rekor)
      throw new ClientError('USAGE', 'no transparency log to upload to: pass --rekor-url or --signing-config, or run initialize (--tlog-upload=false signs without one)');
    if (opts.tlogUpload === false && !opts.services.tsaUrl && opts.identity.kind === 'keyless')
      throw new ClientError('USAGE', 'a keyless signature with --tlog-upload=false needs a timestamp: pass --timestamp-server-url');
    return new BundleSigner(opts);
  }

  /** The signing certificate (PEM) of keyless signing, fetched once. */
  async certificatePem(): Promise<string | undefined> {
    if (this.opts.identity.kind !== 'keyless') return undefined;
    const identity = this.opts.identity;
    this.certificate ??= (async () => {
      const { FulcioSigner } = cjsExports(await import('@sigstore/sign'));
      const fulcio = new FulcioSigner({
        fulcioBaseURL: this.opts.services.fulcioUrl!,
        identityProvider: { getToken: identity.token },
        keyHolder: this.holder,
        timeout: this.opts.timeoutMs ?? 30_000,
        retry: { retries: 1 },
      });
      // FulcioSigner signs what it is given with our key after getting the
      // certificate; the certificate is all we take from it (the artifact is signed
      // by us, streamed).
      try {
        const sig = await fulcio.sign(Buffer.alloc(0));
        if (sig.key.$case !== 'x509Certificate') throw new Error('the CA returned no certificate');
        return sig.key.certificate;
      } catch (cause) {
        throw serviceError(cause, 'certificate from the CA');
      }
    })();
    return this.certificate;
  }

  /** A message signature over a file, streamed. */
  async signFile(path: string): Promise<SerializedBundle> {
    let digest: Buffer;
    let signature: Buffer;
    if (this.holder.isEd25519) {
      const st = await stat(path).catch((cause) => {
        throw new ClientError('ARTIFACT_INVALID', `${path}: ${(cause as Error).message}`, { cause });
      });
      if (st.size > MAX_ED25519_FILE) throw new ClientError('KEY_UNSUPPORTED', `Ed25519 keys sign whole messages: ${path} is larger than ${MAX_ED25519_FILE} bytes`);
      const data = await readFile(path);
      return this.signMessage(data);
    }
    if (this.holder.privateKey) {
      ({ digest, signature } = (await digestFile(path, 'sha256', this.holder.privateKey)) as { digest: Buffer; signature: Buffer });
    } else {
      // A token key: the file is hashed here, only its digest goes to the token.
      ({ digest } = await digestFile(path, 'sha256'));
      signature = await this.holder.signDigest(digest);
    }
    return this.finishMessage(digest, signature);
  }

  /** A message signature over bytes in memory (cosign's simple-signing payload of an image). */
  async signMessage(payload: Uint8Array): Promise<SerializedBundle> {
    return this.finishMessage(createHash('sha256').update(payload).digest(), await this.holder.signBytes(payload));
  }

  /** A DSSE envelope over the payload (an in-toto statement). */
  async signDsse(payload: Uint8Array, payloadType: string): Promise<SerializedBundle> {
    const body = Buffer.from(payload);
    const signature = await this.holder.signBytes(preAuthEncoding(payloadType, body));
    const cert = await this.certificatePem();
    const bundle = toDSSEBundle({ artifact: body, artifactType: payloadType, signature, ...this.keyMaterial(cert), certificateChain: false });
    // The envelope's keyid stays empty, as cosign writes it: Go's DSSE verifier skips a
    // signature whose keyid differs from the one it computes for the key, and cosign
    // computes none.
    for (const sig of bundle.content.dsseEnvelope.signatures) sig.keyid = '';
    return this.witness(bundle, cert);
  }

  private async finishMessage(digest: Buffer, signature: Buffer): Promise<SerializedBundle> {
    const cert = await this.certificatePem();
    const bundle = toMessageSignatureBundle({ digest, signature, ...this.keyMaterial(cert), certificateChain: false });
    return this.witness(bundle, cert);
  }

  private keyMaterial(certPem: string | undefined): { certificate?: Buffer; keyHint?: string } {
    if (certPem) return { certificate: pemToDer(certPem) };
    return { keyHint: this.holder.hint };
  }

  private async witness(bundle: Bundle, certPem: string | undefined): Promise<SerializedBundle> {
    const key = certPem ?? this.holder.publicKeyPem;
    let materials;
    try {
      const witnesses = await this.witnesses();
      materials = await Promise.all(witnesses.map((w) => w.testify(bundle.content, key)));
    } catch (cause) {
      throw serviceError(cause, 'transparency log or timestamp authority');
    }
    bundle.verificationMaterial.tlogEntries = materials.flatMap((m) => m.tlogEntries ?? []);
    bundle.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: materials.flatMap((m) => m.rfc3161Timestamps ?? []) };
    return bundleToJSON(bundle);
  }
}


function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new ClientError('SERVICE_FAILED', 'the CA returned a certificate that is not PEM');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

function serviceError(cause: unknown, what: string): ClientError {
  if (cause instanceof ClientError) return cause;
  const e = cause as { message?: string; code?: string; cause?: { message?: string } };
  const detail = [e.message, e.cause?.message].filter(Boolean).join(': ');
  return new ClientError('SERVICE_FAILED', `${what}: ${detail || String(cause)}`, { cause });
}
