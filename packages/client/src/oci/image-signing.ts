import { ClientError } from '../errors.js';
import type { ImageBundleSigner } from './bundle-interfaces.js';
import { appendCosign2Layer, cosign2Annotations, cosign2EnvelopeBytes, simpleSigningPayload } from './cosign2-layout.js';
import { attestationStatement, cosignSignStatement, writeBundleReferrer } from './cosign3-layout.js';
import { resolveImage } from './image-resolve.js';
import { COSIGN_SIGN_PREDICATE, DOCKER_MANIFEST_LIST, IN_TOTO_PAYLOAD, OCI_INDEX } from './media-types.js';
import { indexManifests, RegistryClient, type Descriptor, type Repository } from './registry-client.js';

/** Where signatures go: cosign 2's `.sig`/`.att` tags, cosign 3's bundle referrers, or both. */
export type ImageLayout = 'cosign2' | 'cosign3' | 'both';

/** cosign 3.1's default. */
export const DEFAULT_IMAGE_LAYOUT: ImageLayout = 'cosign3';
/** Nested indexes deeper than this are refused when signing recursively. */
const MAX_INDEX_DEPTH = 4;

export interface ImageWriteOptions {
  signer: ImageBundleSigner;
  /** Default DEFAULT_IMAGE_LAYOUT ('cosign3'). */
  layout?: ImageLayout;
  /** The CA chain (PEM, intermediates then root) for cosign 2's `dev.sigstore.cosign/chain` annotation (keyless). */
  certificateChainPem?: string;
  /** Default: a RegistryClient with the docker config.json credentials. */
  registry?: RegistryClient;
  /** Clock for cosign 3's `org.opencontainers.image.created`. */
  now?: () => Date;
}

export interface SignImageOptions extends ImageWriteOptions {
  /** cosign's `--recursive`: sign an index and every manifest in it. */
  recursive?: boolean;
  /** cosign's `-a key=value`: in the simple-signing `optional` (cosign 2) and the statement subject's annotations (cosign 3). */
  annotations?: Record<string, string>;
}

export interface AttestImageOptions extends ImageWriteOptions {
  /** The in-toto predicate type URI (the CLI maps cosign's `--type` names to URIs). */
  predicateType: string;
  /** The predicate, as it goes into the statement (the CLI wraps `custom` predicates as cosign does). */
  predicate: unknown;
}

export interface WrittenSignature {
  /** `registry/repository@digest` of the signed manifest. */
  reference: string;
  digest: string;
  /** cosign 2: the tag written (`sha256-<hex>.sig` / `.att`). */
  cosign2Tag?: string;
  /** cosign 3: the referrer manifest written. */
  referrer?: Descriptor;
}

export interface ImageWriteResult {
  /** One entry per signed manifest (the index first, then its manifests, with --recursive). */
  signed: WrittenSignature[];
  /** cosign's tag warning when the reference named a tag, to print on stderr. */
  warnings: string[];
}

/**
 * Signs an image by digest, as `cosign sign` does: cosign 2's simple-signing payload
 * (messageSignature, hashedrekord) appended to `sha256-<hex>.sig`, and/or cosign 3's
 * in-toto statement (DSSE, dsse entry) attached as a bundle referrer. A tag is resolved
 * to its digest first and yields cosign's warning. With `recursive`, an index and every
 * manifest in it are signed (the subject's repository and docker-reference are the same).
 */
export async function signImage(ref: string, opts: SignImageOptions): Promise<ImageWriteResult> {
  const client = opts.registry ?? new RegistryClient();
  const layout = opts.layout ?? DEFAULT_IMAGE_LAYOUT;
  const img = await resolveImage(client, ref, layout !== 'cosign2' || opts.recursive === true);
  const targets: { digest: string; descriptor?: Descriptor }[] = opts.recursive && img.descriptor ? await walk(client, img.repo, img.descriptor, 0) : [{ digest: img.digest, ...(img.descriptor ? { descriptor: img.descriptor } : {}) }];
  const signed: WrittenSignature[] = [];
  for (const target of targets) {
    const out: WrittenSignature = { reference: `${img.ref.name}@${target.digest}`, digest: target.digest };
    if (layout !== 'cosign3') {
      const payload = simpleSigningPayload(img.ref.name, target.digest, opts.annotations);
      const bundle = await opts.signer.signMessage(payload);
      const ann = cosign2Annotations(bundle, opts.certificateChainPem !== undefined ? { chainPem: opts.certificateChainPem } : {});
      out.cosign2Tag = (await appendCosign2Layer(client, img.repo, target.digest, 'sig', payload, ann)).tag;
    }
    if (layout !== 'cosign2') {
      const bundle = await opts.signer.signDsse(cosignSignStatement(target.digest, opts.annotations), IN_TOTO_PAYLOAD);
      out.referrer = await writeBundleReferrer(client, img.repo, target.descriptor!, bundle, COSIGN_SIGN_PREDICATE, opts.now?.());
    }
    signed.push(out);
  }
  return { signed, warnings: img.tagWarning ? [img.tagWarning] : [] };
}

/**
 * Attests an image, as `cosign attest` does: an in-toto v0.1 statement naming the
 * repository and the image digest, signed once as a DSSE envelope, stored as an `.att`
 * layer (cosign 2) and/or as a bundle referrer (cosign 3).
 */
export async function attestImage(ref: string, opts: AttestImageOptions): Promise<ImageWriteResult> {
  if (typeof opts.predicateType !== 'string' || opts.predicateType.length === 0) throw new ClientError('USAGE', 'an attestation needs a predicate type');
  const client = opts.registry ?? new RegistryClient();
  const layout = opts.layout ?? DEFAULT_IMAGE_LAYOUT;
  const img = await resolveImage(client, ref, layout !== 'cosign2');
  const statement = attestationStatement(img.ref.name, img.digest, opts.predicateType, opts.predicate);
  const bundle = await opts.signer.signDsse(statement, IN_TOTO_PAYLOAD);
  const out: WrittenSignature = { reference: `${img.ref.name}@${img.digest}`, digest: img.digest };
  if (layout !== 'cosign3') {
    const ann = cosign2Annotations(bundle, { predicateType: opts.predicateType, ...(opts.certificateChainPem !== undefined ? { chainPem: opts.certificateChainPem } : {}) });
    out.cosign2Tag = (await appendCosign2Layer(client, img.repo, img.digest, 'att', cosign2EnvelopeBytes(bundle), ann)).tag;
  }
  if (layout !== 'cosign2') out.referrer = await writeBundleReferrer(client, img.repo, img.descriptor!, bundle, opts.predicateType, opts.now?.());
  return { signed: [out], warnings: img.tagWarning ? [img.tagWarning] : [] };
}

/** The manifest and, for an index, every manifest under it (depth-first, as cosign's walk). */
async function walk(client: RegistryClient, repo: Repository, desc: Descriptor, depth: number): Promise<{ digest: string; descriptor: Descriptor }[]> {
  const out = [{ digest: desc.digest, descriptor: desc }];
  if (desc.mediaType !== OCI_INDEX && desc.mediaType !== DOCKER_MANIFEST_LIST) return out;
  if (depth >= MAX_INDEX_DEPTH) throw new ClientError('REGISTRY_FAILED', `${repo.registry}/${repo.repository}@${desc.digest}: indexes nested deeper than ${MAX_INDEX_DEPTH}`);
  const m = await client.getManifest(repo, desc.digest);
  if (!m) throw new ClientError('NOT_FOUND', `${repo.registry}/${repo.repository}@${desc.digest} not found`);
  for (const child of indexManifests(m.bytes, `${repo.registry}/${repo.repository}@${desc.digest}`)) out.push(...(await walk(client, repo, child, depth + 1)));
  return out;
}
