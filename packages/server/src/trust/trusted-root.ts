/**
 * dev.sigstore.trustroot.v1.TrustedRoot as protobuf-JSON (protocols.md §9.1–9.2).
 * Go clients parse it strictly: no field may be added that the proto lacks, and the
 * media type must be the old `+json;version=0.1` string that sigstore-go accepts.
 */
export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

export interface ValidFor {
  start: string;
  end?: string;
}

export interface TransparencyLogInstance {
  baseUrl: string;
  hashAlgorithm: 'SHA2_256';
  publicKey: { rawBytes: string; keyDetails: string; validFor: ValidFor };
  logId: { keyId: string };
  /** Rekor v2: the C2SP checkpoint key ID, equal to logId (sigstore-js prefers it to logId). */
  checkpointKeyId?: { keyId: string };
}

export interface CertificateAuthorityJson {
  subject: { organization?: string; commonName?: string };
  uri: string;
  certChain: { certificates: { rawBytes: string }[] };
  validFor: ValidFor;
}

export interface TrustedRootJson {
  mediaType: string;
  tlogs: TransparencyLogInstance[];
  certificateAuthorities: CertificateAuthorityJson[];
  ctlogs: TransparencyLogInstance[];
  timestampAuthorities: CertificateAuthorityJson[];
}

export function createTrustedRoot(parts: Partial<Omit<TrustedRootJson, 'mediaType'>>): TrustedRootJson {
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: parts.tlogs ?? [],
    certificateAuthorities: parts.certificateAuthorities ?? [],
    ctlogs: parts.ctlogs ?? [],
    timestampAuthorities: parts.timestampAuthorities ?? [],
  };
}

/** keyDetails enum name for a signing algorithm of ours. */
export function keyDetailsOf(alg: 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'ed25519'): string {
  return alg === 'ecdsa-p256-sha256' ? 'PKIX_ECDSA_P256_SHA_256' : alg === 'ecdsa-p384-sha384' ? 'PKIX_ECDSA_P384_SHA_384' : 'PKIX_ED25519';
}

/** RFC 3339 UTC with whole seconds, as protojson writes Timestamps. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
