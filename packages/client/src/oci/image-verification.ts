import type { SerializedBundle } from '@sigstore/bundle';
import { ClientError } from '../errors.js';
import { parseStatement, type Statement } from '../sign/in-toto-statement.js';
import type { ImageBundleVerifier, ImageVerifiedBundle } from './bundle-interfaces.js';
import { cosign2LayerToBundle, parseSimpleSigning, readCosign2Layers, type Cosign2Kind, type SimpleSigning } from './cosign2-layout.js';
import { readBundleReferrers } from './cosign3-layout.js';
import { digestTag } from './image-reference.js';
import { resolveImage, type ResolvedImage } from './image-resolve.js';
import type { ImageLayout } from './image-signing.js';
import { ANN_BUNDLE_PREDICATE_TYPE, COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD } from './media-types.js';
import { RegistryClient } from './registry-client.js';

export interface VerifyImageOptions {
  verifier: ImageBundleVerifier;
  /** Which layouts to read (default 'both': cosign 2's tags and cosign 3's referrers). */
  layout?: ImageLayout;
  registry?: RegistryClient;
}

export interface VerifyImageAttestationsOptions extends VerifyImageOptions {
  /** Keep only attestations whose statement has this predicate type (cosign's `--type`, as a URI). */
  predicateType?: string;
}

/** An in-toto statement (the one reader of statements is sign/in-toto-statement.ts). */
export type InTotoStatement = Statement;

interface VerifiedCommon {
  layout: 'cosign2' | 'cosign3';
  /** The image digest the signature is for. */
  digest: string;
  /** Where it was found: `registry/repo:sha256-<hex>.sig layer 0` or `registry/repo@<referrer digest>`. */
  source: string;
  identity?: ImageVerifiedBundle['identity'];
  publicKeyHint?: string;
  /** The bundle handed to the verifier (cosign 2 layers are rebuilt as v0.1/v0.3 bundles). */
  bundle: SerializedBundle;
  /** cosign 2: the layer annotations; cosign 3: the referrer manifest's annotations. */
  annotations: Record<string, string>;
}

export interface VerifiedImageSignature extends VerifiedCommon {
  /** The signed bytes: the simple-signing payload (cosign 2) or the in-toto statement (cosign 3). */
  payload: Uint8Array;
  /** cosign 2: the parsed simple-signing payload (`optional` holds the -a annotations). */
  simpleSigning?: SimpleSigning;
  /** cosign 3: the parsed statement (subject annotations hold the -a annotations). */
  statement?: InTotoStatement;
}

export interface VerifiedImageAttestation extends VerifiedCommon {
  /** The DSSE payload (the statement's bytes). */
  payload: Uint8Array;
  payloadType: string;
  statement: InTotoStatement;
  predicateType: string;
}

export interface ImageVerificationResult<T> {
  /** `registry/repository@digest`. */
  reference: string;
  digest: string;
  /** Every signature or attestation that verified (at least one). */
  verified: T[];
  /** Candidates that did not verify, with why (a signature by another key is normal here). */
  failures: { source: string; error: ClientError }[];
}

/**
 * Verifies the signatures of an image in both cosign layouts: each `.sig` layer is
 * rebuilt into a bundle and verified with its payload, and its simple-signing
 * `docker-manifest-digest` must be the image's; each cosign 3 bundle referrer with the
 * cosign sign predicate is verified and its statement subject must be the image's
 * digest. Resolves with what verified; throws NOT_FOUND when there is no signature,
 * and otherwise the first failure's code (the message lists every failure).
 */
export async function verifyImage(ref: string, opts: VerifyImageOptions): Promise<ImageVerificationResult<VerifiedImageSignature>> {
  const client = opts.registry ?? new RegistryClient();
  const img = await resolveImage(client, ref, false);
  const layout = opts.layout ?? 'both';
  const verified: VerifiedImageSignature[] = [];
  const failures: { source: string; error: ClientError }[] = [];
  let candidates = 0;
  if (layout !== 'cosign3') {
    for (const [i, layer] of (await readCosign2Layers(client, img.repo, img.digest, 'sig')).entries()) {
      candidates++;
      const source = cosign2Source(img, 'sig', i);
      await attempt(source, failures, async () => {
        const bundle = cosign2LayerToBundle(layer, 'sig', source);
        const result = await opts.verifier.verify(bundle, layer.payload);
        const ss = parseSimpleSigning(layer.payload, source);
        const named = ss.critical.image['docker-manifest-digest'];
        if (named !== img.digest) throw new ClientError('VERIFY_DIGEST', `${source}: the signature is for image ${named}, not ${img.digest} (copied from another image?)`);
        verified.push({ layout: 'cosign2', digest: img.digest, source, ...who(result), bundle, annotations: layer.descriptor.annotations ?? {}, payload: layer.payload, simpleSigning: ss });
      });
    }
  }
  if (layout !== 'cosign2') {
    for (const rb of await readBundleReferrers(client, img.repo, img.digest)) {
      const declared = rb.annotations[ANN_BUNDLE_PREDICATE_TYPE];
      if (declared !== undefined && declared !== COSIGN_SIGN_PREDICATE) continue;
      candidates++;
      await attempt(rb.where, failures, async () => {
        const result = await opts.verifier.verify(rb.bundle);
        const statement = checkStatement(result, img.digest, rb.where);
        if (statement.predicateType !== COSIGN_SIGN_PREDICATE) {
          if (declared === undefined) {
            candidates--; // an attestation without the annotation: not a signature
            return;
          }
          throw new ClientError('VERIFY_ATTESTATION', `${rb.where}: declared a cosign signature but the statement's predicate type is ${statement.predicateType}`);
        }
        verified.push({ layout: 'cosign3', digest: img.digest, source: rb.where, ...who(result), bundle: rb.bundle, annotations: rb.annotations, payload: result.payload, statement });
      });
    }
  }
  return settle(img, verified, failures, candidates, 'signatures');
}

/**
 * Verifies the attestations of an image in both layouts (`.att` layers, and cosign 3
 * referrers whose predicate is not the cosign signature one): each DSSE envelope is
 * verified, its statement must name the image digest among its subjects, and with
 * `predicateType` only statements of that type are returned (VERIFY_ATTESTATION when
 * attestations verified but none has it).
 */
export async function verifyImageAttestations(ref: string, opts: VerifyImageAttestationsOptions): Promise<ImageVerificationResult<VerifiedImageAttestation>> {
  const client = opts.registry ?? new RegistryClient();
  const img = await resolveImage(client, ref, false);
  const layout = opts.layout ?? 'both';
  const verified: VerifiedImageAttestation[] = [];
  const failures: { source: string; error: ClientError }[] = [];
  let candidates = 0;
  const accept = (v: VerifiedImageAttestation): void => {
    if (v.predicateType === COSIGN_SIGN_PREDICATE) return;
    verified.push(v);
  };
  if (layout !== 'cosign3') {
    for (const [i, layer] of (await readCosign2Layers(client, img.repo, img.digest, 'att')).entries()) {
      candidates++;
      const source = cosign2Source(img, 'att', i);
      await attempt(source, failures, async () => {
        const bundle = cosign2LayerToBundle(layer, 'att', source);
        const result = await opts.verifier.verify(bundle);
        const statement = checkStatement(result, img.digest, source);
        accept({ layout: 'cosign2', digest: img.digest, source, ...who(result), bundle, annotations: layer.descriptor.annotations ?? {}, payload: result.payload, payloadType: result.payloadType ?? IN_TOTO_PAYLOAD, statement, predicateType: statement.predicateType });
      });
    }
  }
  if (layout !== 'cosign2') {
    for (const rb of await readBundleReferrers(client, img.repo, img.digest)) {
      if (rb.annotations[ANN_BUNDLE_PREDICATE_TYPE] === COSIGN_SIGN_PREDICATE) continue;
      candidates++;
      await attempt(rb.where, failures, async () => {
        const result = await opts.verifier.verify(rb.bundle);
        const statement = checkStatement(result, img.digest, rb.where);
        accept({ layout: 'cosign3', digest: img.digest, source: rb.where, ...who(result), bundle: rb.bundle, annotations: rb.annotations, payload: result.payload, payloadType: result.payloadType ?? IN_TOTO_PAYLOAD, statement, predicateType: statement.predicateType });
      });
    }
  }
  const all = settle(img, verified, failures, candidates, 'attestations');
  if (opts.predicateType === undefined) return all;
  const matching = all.verified.filter((a) => a.predicateType === opts.predicateType);
  if (matching.length === 0)
    throw new ClientError('VERIFY_ATTESTATION', `${all.reference}: ${all.verified.length} attestation(s) verified, none with predicate type ${opts.predicateType} (found: ${[...new Set(all.verified.map((a) => a.predicateType))].join(', ')})`);
  return { ...all, verified: matching };
}

function cosign2Source(img: ResolvedImage, kind: Cosign2Kind, i: number): string {
  return `${img.ref.name}:${digestTag(img.digest, kind)} layer ${i}`;
}

function who(result: ImageVerifiedBundle): Pick<VerifiedCommon, 'identity' | 'publicKeyHint'> {
  return { ...(result.identity ? { identity: result.identity } : {}), ...(result.publicKeyHint !== undefined ? { publicKeyHint: result.publicKeyHint } : {}) };
}

/** Runs one candidate's checks; a ClientError is recorded as its failure, anything else is wrapped. */
async function attempt(source: string, failures: { source: string; error: ClientError }[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    failures.push({ source, error: e instanceof ClientError ? e : new ClientError('VERIFY_SIGNATURE', `${source}: ${(e as Error).message}`, { cause: e }) });
  }
}

/** The verified DSSE payload as an in-toto statement that names `digest`. */
function checkStatement(result: ImageVerifiedBundle, digest: string, where: string): InTotoStatement {
  let st: InTotoStatement;
  try {
    st = parseStatement(Buffer.from(result.payload), result.payloadType ?? IN_TOTO_PAYLOAD);
  } catch (e) {
    throw new ClientError('VERIFY_ATTESTATION', `${where}: ${(e as Error).message}`, { cause: e });
  }
  const [alg, hex] = digest.split(':') as [string, string];
  if (!st.subject.some((s) => typeof s?.digest === 'object' && s.digest !== null && s.digest[alg] === hex)) {
    const named = st.subject.map((s) => Object.entries(s?.digest ?? {}).map(([a, h]) => `${a}:${String(h)}`).join(',')).join('; ');
    throw new ClientError('VERIFY_DIGEST', `${where}: the statement is about ${named || 'no digest'}, not image ${digest} (copied from another image?)`);
  }
  return st;
}

function settle<T>(img: ResolvedImage, verified: T[], failures: { source: string; error: ClientError }[], candidates: number, what: string): ImageVerificationResult<T> {
  const reference = `${img.ref.name}@${img.digest}`;
  if (verified.length > 0) return { reference, digest: img.digest, verified, failures };
  if (candidates === 0 || failures.length === 0) throw new ClientError('NOT_FOUND', `no ${what} found for ${reference}`);
  const first = failures[0]!.error;
  const all = failures.map((f) => f.error.message).join('; ');
  throw new ClientError(first.code, `none of the ${failures.length} ${what} of ${reference} verified: ${all}`, { cause: first });
}
