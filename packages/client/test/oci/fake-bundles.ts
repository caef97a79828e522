// A small key-based stand-in for the signing core, implementing only the interfaces
// src/oci declares: real ECDSA P-256 signatures (so cosign's own signatures verify with
// cosign.pub), a made-up Rekor v1 entry with a fake SET (the transparency log is the
// signing core's business, not the image layouts').
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import { ClientError } from '../../src/errors.js';
import type { ImageBundleSigner, ImageBundleVerifier, ImageVerifiedBundle } from '../../src/oci/bundle-interfaces.js';

export function pae(type: string, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);
}

const LOG_ID = createHash('sha256').update('fake log').digest();

function fakeEntry(kind: string, body: object, index: number): SerializedBundle['verificationMaterial']['tlogEntries'][number] {
  const canonicalizedBody = Buffer.from(JSON.stringify({ apiVersion: '0.0.1', kind, spec: body })).toString('base64');
  return {
    logIndex: String(index),
    logId: { keyId: LOG_ID.toString('base64') },
    kindVersion: { kind, version: '0.0.1' },
    integratedTime: String(1_800_000_000 + index),
    inclusionPromise: { signedEntryTimestamp: createHash('sha256').update(canonicalizedBody).digest('base64') },
    inclusionProof: undefined,
    canonicalizedBody,
  };
}

export class FakeSigner implements ImageBundleSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  private index = 0;
  calls: { kind: 'message' | 'dsse'; payload: Buffer; payloadType?: string }[] = [];
  constructor(private readonly opts: { certificateDer?: Buffer; timestamp?: string } = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }
  private material(): Pick<SerializedBundle['verificationMaterial'], 'publicKey' | 'certificate' | 'x509CertificateChain'> {
    return this.opts.certificateDer
      ? { certificate: { rawBytes: this.opts.certificateDer.toString('base64') }, publicKey: undefined, x509CertificateChain: undefined }
      : { publicKey: { hint: 'fake-hint' }, certificate: undefined, x509CertificateChain: undefined };
  }
  private tsd(): SerializedBundle['verificationMaterial']['timestampVerificationData'] {
    return this.opts.timestamp ? { rfc3161Timestamps: [{ signedTimestamp: this.opts.timestamp }] } : undefined;
  }
  async signMessage(payload: Uint8Array): Promise<SerializedBundle> {
    this.calls.push({ kind: 'message', payload: Buffer.from(payload) });
    const sig = sign('sha256', payload, this.privateKey).toString('base64');
    const digest = createHash('sha256').update(payload).digest();
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { ...this.material(), tlogEntries: [fakeEntry('hashedrekord', { data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } } }, this.index++)], timestampVerificationData: this.tsd() } as SerializedBundle['verificationMaterial'],
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: sig },
      dsseEnvelope: undefined,
    };
  }
  async signDsse(payload: Uint8Array, payloadType: string): Promise<SerializedBundle> {
    this.calls.push({ kind: 'dsse', payload: Buffer.from(payload), payloadType });
    const sig = sign('sha256', pae(payloadType, payload), this.privateKey).toString('base64');
    return {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { ...this.material(), tlogEntries: [fakeEntry('dsse', { payloadHash: {} }, this.index++)], timestampVerificationData: this.tsd() } as SerializedBundle['verificationMaterial'],
      dsseEnvelope: { payload: Buffer.from(payload).toString('base64'), payloadType, signatures: [{ sig, keyid: '' }] },
      messageSignature: undefined,
    };
  }
}

/** Verifies the signature with one public key; requires a tlog entry with an inclusion promise (as the real core would need one). */
export class FakeVerifier implements ImageBundleVerifier {
  seen: SerializedBundle[] = [];
  constructor(private readonly key: KeyObject | string) {}
  async verify(bundle: SerializedBundle, payload?: Uint8Array): Promise<ImageVerifiedBundle> {
    this.seen.push(bundle);
    const key = typeof this.key === 'string' ? createPublicKey(this.key) : this.key;
    if (!bundle.verificationMaterial.tlogEntries[0]?.inclusionPromise) throw new ClientError('VERIFY_TLOG', 'no inclusion promise');
    if (bundle.messageSignature) {
      if (!payload) throw new ClientError('VERIFY_SIGNATURE', 'no payload');
      if (createHash('sha256').update(payload).digest('base64') !== bundle.messageSignature.messageDigest?.digest) throw new ClientError('VERIFY_DIGEST', 'message digest differs');
      if (!verify('sha256', payload, key, Buffer.from(bundle.messageSignature.signature, 'base64'))) throw new ClientError('VERIFY_SIGNATURE', 'signature does not match the key');
      return { payload, publicKeyHint: bundle.verificationMaterial.publicKey?.hint ?? '' };
    }
    const env = bundle.dsseEnvelope!;
    const body = Buffer.from(env.payload, 'base64');
    if (!env.signatures.some((s) => verify('sha256', pae(env.payloadType, body), key, Buffer.from(s.sig, 'base64')))) throw new ClientError('VERIFY_SIGNATURE', 'envelope signature does not match the key');
    return { payload: body, payloadType: env.payloadType, publicKeyHint: bundle.verificationMaterial.publicKey?.hint ?? '' };
  }
}
