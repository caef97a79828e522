import { ClientError } from '../errors.js';
import { parseImageReference, type ImageReference } from './image-reference.js';
import type { Descriptor, RegistryClient, Repository } from './registry-client.js';

/** cosign's warning for a tag (internal/ui TagReferenceMessage), as `cosign sign` prints it on stderr (the caller adds the final newline). */
export function tagReferenceWarning(ref: string): string {
  return `WARNING: Image reference ${ref} uses a tag, not a digest, to identify the image to sign.
    This can lead you to sign a different image than the intended one. Please use a
    digest (example.com/ubuntu@sha256:abc123...) rather than tag
    (example.com/ubuntu:latest) for the input to cosign. The ability to refer to
    images by tag will be removed in a future release.
`;
}

export interface ResolvedImage {
  ref: ImageReference;
  repo: Repository;
  digest: string;
  /** The image's descriptor, when the registry has it. */
  descriptor?: Descriptor;
  /** Set when `ref` named a tag. */
  tagWarning?: string;
}

/** Parses `refStr` and resolves a tag to its digest (HEAD). With a digest, the registry is asked only when `needDescriptor`. */
export async function resolveImage(client: RegistryClient, refStr: string, needDescriptor: boolean): Promise<ResolvedImage> {
  const ref = parseImageReference(refStr);
  const repo = { registry: ref.registry, repository: ref.repository };
  if (ref.digest && !needDescriptor) return { ref, repo, digest: ref.digest };
  const target = ref.digest ?? ref.tag ?? 'latest';
  const descriptor = await client.headManifest(repo, target);
  if (!descriptor) throw new ClientError('NOT_FOUND', `image ${refStr} not found in ${ref.registry}/${ref.repository}`);
  return { ref, repo, digest: descriptor.digest, descriptor, ...(ref.digest ? {} : { tagWarning: tagReferenceWarning(refStr) }) };
}
