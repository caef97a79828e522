/** What every entry kind/version produces from a proposed entry. */
export interface CanonicalEntry {
  kind: string;
  apiVersion: string;
  /** The RFC 8785 canonical body: exactly the Merkle leaf bytes upstream Rekor would store. */
  body: Buffer;
  /** Search-index keys as upstream's IndexKeys() makes them (lower-cased when stored). */
  indexKeys: string[];
}

/** Bounds on what one proposed entry may carry. */
export interface EntryLimits {
  /** Most DSSE signatures / verifiers in one entry. */
  maxSignatures: number;
  /** Largest DSSE envelope, in bytes. */
  maxEnvelopeBytes: number;
  /** Largest rekord artifact (data.content, decoded), in bytes. */
  maxArtifactBytes: number;
}

export const DEFAULT_ENTRY_LIMITS: EntryLimits = {
  maxSignatures: 16,
  maxEnvelopeBytes: 1024 * 1024,
  maxArtifactBytes: 3 * 1024 * 1024,
};

export type EntryCanonicalizer = (spec: Record<string, unknown>, limits: EntryLimits) => Promise<CanonicalEntry>;
