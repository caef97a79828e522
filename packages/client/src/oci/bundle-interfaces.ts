import type { SerializedBundle } from '@sigstore/bundle';

// The signing/verification core as the image code needs it. Declared here, with their
// consumer; the blob core (src/sign, src/verify) implements them.

/** Makes Sigstore bundles v0.3 (certificate or public-key hint, Rekor v1 entry, optional RFC 3161 timestamps). */
export interface ImageBundleSigner {
  /** messageSignature over the bytes (sha256); Rekor hashedrekord entry. */
  signMessage(payload: Uint8Array): Promise<SerializedBundle>;
  /** DSSE envelope over the payload; Rekor dsse entry (or intoto when asked). */
  signDsse(payload: Uint8Array, payloadType: string): Promise<SerializedBundle>;
}

export interface ImageBundleVerifier {
  /**
   * Verifies a bundle (any version v0.1-v0.3) against trust + identity policy; throws
   * ClientError naming the failed check. For messageSignature the payload bytes are the
   * signed artifact; for DSSE the payload is inside the envelope.
   */
  verify(bundle: SerializedBundle, payload?: Uint8Array): Promise<ImageVerifiedBundle>;
}

export interface ImageVerifiedBundle {
  identity?: { subjectAlternativeName?: string; issuer?: string };
  publicKeyHint?: string;
  /** For DSSE: the envelope payload. */
  payload: Uint8Array;
  payloadType?: string;
}
