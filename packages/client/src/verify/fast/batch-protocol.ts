import type { ClientErrorCode } from '../../errors.js';
import type { ArtifactInput, IdentityPolicy } from '../bundle-verifier.js';

/**
 * The messages between verifyBundles and its workers (structured clone: no classes,
 * no functions). A worker is told its trust once, then gets chunks of items.
 */
export interface WorkerInit {
  /** TrustedRoot in its protobuf JSON form. */
  trustedRoot: unknown;
  /** DER SubjectPublicKeyInfo of `--key`. */
  keySpki?: Uint8Array;
  identity?: IdentityPolicy;
}

/** One bundle to verify: its JSON (text or object, as read from a file or a registry) and the artifact. */
export interface WireItem {
  bundle: string | object;
  artifact: ArtifactInput;
}

export interface WireChunk {
  id: number;
  items: WireItem[];
}

export type WireResult =
  | { ok: true; fallback: boolean; identity?: { subjectAlternativeName?: string; issuer?: string }; timestamps: number[]; payloadType?: string }
  | { ok: false; code: ClientErrorCode | 'INTERNAL'; message: string };

export interface WireDone {
  id: number;
  results: WireResult[];
}
