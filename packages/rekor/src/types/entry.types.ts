/** What every entry kind/version produces from a proposed entry. */
export interface CanonicalEntry {
  kind: string;
  apiVersion: string;
  /**
   * The RFC 8785 canonical body: exactly the bytes upstream Rekor would store as the
   * Merkle leaf (its `Canonicalize()` output after `jsoncanonicalizer.Transform`).
   */
  body: Buffer;
  /**
   * Search-index keys, in the order upstream's `IndexKeys()` yields them, lower-cased
   * (upstream lower-cases when it writes the index) and without duplicates.
   */
  indexKeys: string[];
}

/** Bounds on what one proposed entry may carry. Every field is a positive integer. */
export interface EntryLimits {
  /** Most DSSE signatures (and dsse verifiers) in one entry. */
  maxSignatures: number;
  /** Largest DSSE envelope, in bytes: for dsse and intoto 0.0.1 the envelope JSON string, for intoto 0.0.2 the payload field once decoded (the envelope's own base64 text). */
  maxEnvelopeBytes: number;
  /** Largest rekord artifact (spec.data.content, decoded), in bytes. */
  maxArtifactBytes: number;
  /** Largest public key or certificate (decoded PEM text), in bytes. */
  maxKeyBytes: number;
}

/** One kind/version: validates a proposed `spec` and returns the canonical entry. */
export type EntryCanonicalizer = (spec: Record<string, unknown>, limits: EntryLimits) => Promise<CanonicalEntry>;
