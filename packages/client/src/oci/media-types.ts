// Media types and annotation keys of the cosign registry layouts and the OCI specs.

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** OCI 1.1's empty descriptor: the two bytes `{}`. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

/** cosign 2: the layer of a `.sig` artifact, the simple-signing payload. */
export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
/** cosign 2: the layer of a `.att` artifact, a DSSE envelope. */
export const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
/** cosign 3: a Sigstore bundle attached as a referrer (artifactType and layer). */
export const SIGSTORE_BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';

export const ANN_SIGNATURE = 'dev.cosignproject.cosign/signature';
export const ANN_CERTIFICATE = 'dev.sigstore.cosign/certificate';
export const ANN_CHAIN = 'dev.sigstore.cosign/chain';
export const ANN_BUNDLE = 'dev.sigstore.cosign/bundle';
export const ANN_RFC3161 = 'dev.sigstore.cosign/rfc3161timestamp';
export const ANN_PREDICATE_TYPE = 'predicateType';
export const ANN_BUNDLE_CONTENT = 'dev.sigstore.bundle.content';
export const ANN_BUNDLE_PREDICATE_TYPE = 'dev.sigstore.bundle.predicateType';
export const ANN_CREATED = 'org.opencontainers.image.created';

/** cosign 3's predicate type for an image signature (an in-toto statement in a DSSE envelope). */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export const MANIFEST_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST] as const;
