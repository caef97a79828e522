import type { SerializedBundle } from '@sigstore/bundle';
import { ClientError } from '../errors.js';
import { goJson, sortKeys } from './go-json.js';
import { ANN_BUNDLE_CONTENT, ANN_BUNDLE_PREDICATE_TYPE, ANN_CREATED, COSIGN_SIGN_PREDICATE, OCI_EMPTY, OCI_MANIFEST, SIGSTORE_BUNDLE_V03 } from './media-types.js';
import { parseJson, toDescriptor, type Descriptor, type RegistryClient, type Repository } from './registry-client.js';

// cosign 3's layout (pkg/oci/remote/write.go WriteAttestationNewBundleFormat /
// WriteReferrer): each signature or attestation is a Sigstore bundle v0.3, stored as
// the one layer of an OCI 1.1 manifest whose `subject` is the image. Both `cosign sign`
// and `cosign attest` store a DSSE envelope over an in-toto statement; a signature is
// the statement with predicate type https://sigstore.dev/cosign/sign/v1, an empty
// predicate and the image digest (with the -a annotations) as its subject.

/** The largest bundle we read from a referrer (a bundle with an SBOM predicate can be large). */
export const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;
/** Referrers listed for one image beyond which we stop (a hostile registry could list millions). */
export const MAX_REFERRERS = 1000;
const BUNDLE_MEDIA_PREFIX = 'application/vnd.dev.sigstore.bundle';

/**
 * The statement cosign 3 signs for an image (cmd/cosign/cli/sign signDigestBundle):
 * in-toto v1, one subject with the digest only and the annotations (always present,
 * `{}` when none), predicate `{}`.
 */
export function cosignSignStatement(digest: string, annotations: Record<string, string> = {}): Uint8Array {
  const [alg, hex] = digest.split(':') as [string, string];
  return Buffer.from(goJson({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { [alg]: hex }, annotations: sortKeys(annotations) }], predicateType: COSIGN_SIGN_PREDICATE, predicate: {} }));
}

/**
 * The statement `cosign attest` signs (both versions): in-toto v0.1, the subject named
 * by the repository (`registry/path`) with the image digest.
 */
export function attestationStatement(name: string, digest: string, predicateType: string, predicate: unknown): Uint8Array {
  const [alg, hex] = digest.split(':') as [string, string];
  return Buffer.from(goJson({ _type: 'https://in-toto.io/Statement/v0.1', predicateType, subject: [{ name, digest: { [alg]: hex } }], predicate }));
}

/**
 * Attaches a v0.3 bundle to the image `subject` as cosign 3.1 does: the empty config
 * (`{}`, with the bundle media type as its artifactType), the bundle as the one layer,
 * annotations `dev.sigstore.bundle.content: dsse-envelope`,
 * `dev.sigstore.bundle.predicateType` and `org.opencontainers.image.created` (RFC 3339,
 * seconds), then the referrers tag index when the registry has no referrers API.
 * The index entry carries the manifest's artifactType and annotations, as the
 * distribution spec asks (go-containerregistry writes the config media type there).
 */
export async function writeBundleReferrer(client: RegistryClient, repo: Repository, subject: Descriptor, bundle: SerializedBundle, predicateType: string, now: Date = new Date()): Promise<Descriptor> {
  const bundleBytes = Buffer.from(JSON.stringify(bundle));
  const config = await client.uploadBlob(repo, Buffer.from('{}'));
  const layer = await client.uploadBlob(repo, bundleBytes);
  const annotations = sortKeys({
    [ANN_CREATED]: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    [ANN_BUNDLE_CONTENT]: bundle.dsseEnvelope ? 'dsse-envelope' : 'message-signature',
    [ANN_BUNDLE_PREDICATE_TYPE]: predicateType,
  });
  const manifest = Buffer.from(
    goJson({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_EMPTY, size: config.size, digest: config.digest, artifactType: SIGSTORE_BUNDLE_V03 },
      layers: [{ mediaType: SIGSTORE_BUNDLE_V03, size: layer.size, digest: layer.digest }],
      annotations,
      subject: { mediaType: subject.mediaType, size: subject.size, digest: subject.digest },
      artifactType: SIGSTORE_BUNDLE_V03,
    }),
  );
  return client.pushReferrer(repo, subject.digest, manifest, OCI_MANIFEST, { artifactType: SIGSTORE_BUNDLE_V03, annotations });
}

export interface ReferrerBundle {
  /** The referrer manifest's descriptor. */
  manifest: Descriptor;
  /** The referrer manifest's annotations (predicate type, content, created). */
  annotations: Record<string, string>;
  bundle: SerializedBundle;
  /** Where it came from, for messages: `registry/repo@digest`. */
  where: string;
}

/**
 * The Sigstore bundles attached to `digest`, from the referrers API or the tag
 * fallback, as cosign's GetBundles reads them: every referrer manifest whose subject is
 * the image and with a layer of a `application/vnd.dev.sigstore.bundle*` media type.
 * Manifests of other kinds are skipped; a manifest or bundle that does not read (bad
 * digest, oversized, not JSON) is a REGISTRY_FAILED / BUNDLE_INVALID error naming it.
 */
export async function readBundleReferrers(client: RegistryClient, repo: Repository, digest: string): Promise<ReferrerBundle[]> {
  const { manifests } = await client.referrers(repo, digest);
  if (manifests.length > MAX_REFERRERS) throw new ClientError('REGISTRY_FAILED', `${repo.registry}/${repo.repository}@${digest}: ${manifests.length} referrers, more than ${MAX_REFERRERS}`);
  const out: ReferrerBundle[] = [];
  for (const desc of manifests) {
    if (desc.artifactType && desc.artifactType !== OCI_EMPTY && !desc.artifactType.startsWith(BUNDLE_MEDIA_PREFIX)) continue;
    const where = `${repo.registry}/${repo.repository}@${desc.digest}`;
    const m = await client.getManifest(repo, desc.digest, [OCI_MANIFEST]);
    if (!m) continue;
    const doc = parseJson(m.bytes, where) as { subject?: unknown; layers?: unknown; annotations?: unknown };
    if (doc.subject === undefined || toDescriptor(doc.subject, where).digest !== digest) continue;
    if (!Array.isArray(doc.layers)) continue;
    const annotations = doc.annotations && typeof doc.annotations === 'object' ? (toDescriptor({ mediaType: 'x', digest: desc.digest, size: 0, annotations: doc.annotations }, where).annotations ?? {}) : {};
    for (const l of doc.layers.map((x) => toDescriptor(x, where))) {
      if (!l.mediaType.startsWith(BUNDLE_MEDIA_PREFIX)) continue;
      if (l.size > MAX_BUNDLE_BYTES) throw new ClientError('REGISTRY_FAILED', `${where}: bundle layer ${l.digest} is ${l.size} bytes, more than ${MAX_BUNDLE_BYTES}`);
      const bytes = await client.readBlob(repo, l.digest, MAX_BUNDLE_BYTES);
      const bundle = parseJson(bytes, `${where} bundle ${l.digest}`) as SerializedBundle;
      if (typeof bundle.mediaType !== 'string' || !bundle.mediaType.startsWith(BUNDLE_MEDIA_PREFIX) || typeof bundle.verificationMaterial !== 'object')
        throw new ClientError('BUNDLE_INVALID', `${where}: layer ${l.digest} is not a Sigstore bundle`);
      out.push({ manifest: desc, annotations, bundle, where });
    }
  }
  return out;
}
