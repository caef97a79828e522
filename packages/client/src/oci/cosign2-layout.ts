import { createHash, X509Certificate } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import { ClientError } from '../errors.js';
import { legacySignatureToBundle, pemToDers } from '../legacy/cosign-legacy-signature.js';
import { digestTag } from './image-reference.js';
import { goJson, sortKeys } from './go-json.js';
import {
  ANN_BUNDLE,
  ANN_CERTIFICATE,
  ANN_CHAIN,
  ANN_PREDICATE_TYPE,
  ANN_RFC3161,
  ANN_SIGNATURE,
  DSSE_ENVELOPE,
  OCI_CONFIG,
  OCI_MANIFEST,
  SIMPLE_SIGNING,
  SIMPLE_SIGNING_TYPE,
} from './media-types.js';
import { parseJson, toDescriptor, type Descriptor, type RegistryClient, type Repository } from './registry-client.js';

// cosign 2's registry layout: signatures in the image `sha256-<hex>.sig`, attestations
// in `sha256-<hex>.att`, each an OCI image whose layers are one signed payload each,
// with the signature, certificate, chain, Rekor SET bundle and RFC 3161 timestamp in
// the layer's annotations (cosign pkg/oci/static, pkg/oci/mutate, pkg/cosign/bundle).

export type Cosign2Kind = 'sig' | 'att';

/** Largest payload layer we read (cosign's payloads are a few KiB; attestations with SBOMs can be MiBs). */
export const MAX_COSIGN2_LAYER = 16 * 1024 * 1024;
/** More layers than this in one .sig/.att image is not something cosign writes. */
export const MAX_COSIGN2_LAYERS = 1000;

/**
 * The simple-signing payload cosign 2 signs for an image (sigstore/sigstore
 * pkg/signature/payload): `docker-reference` is the repository (`registry/path`),
 * `optional` holds the `-a key=value` annotations (a Go map: sorted keys) or null.
 */
export function simpleSigningPayload(dockerReference: string, digest: string, annotations?: Record<string, string>): Uint8Array {
  const optional = annotations && Object.keys(annotations).length > 0 ? sortKeys(annotations) : null;
  return Buffer.from(
    goJson({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: SIMPLE_SIGNING_TYPE },
      optional,
    }),
  );
}

export interface SimpleSigning {
  critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string }; type: string };
  optional: Record<string, unknown> | null;
}

/** Parses a simple-signing payload, naming what is missing. */
export function parseSimpleSigning(bytes: Uint8Array, where: string): SimpleSigning {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new ClientError('VERIFY_SIGNATURE', `${where}: the signed payload is not JSON`, { cause: e });
  }
  const c = (doc as { critical?: { image?: { 'docker-manifest-digest'?: unknown } } } | null)?.critical;
  if (typeof c?.image?.['docker-manifest-digest'] !== 'string') throw new ClientError('VERIFY_SIGNATURE', `${where}: the signed payload has no critical.image.docker-manifest-digest`);
  return doc as SimpleSigning;
}

/** cosign's PEM (cryptoutils.MarshalCertificateToPEM): 64-column base64, trailing newline. */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/**
 * The layer annotations cosign 2 writes for a signature made as `bundle` (a v0.3 bundle
 * from the signer): signature, certificate (keyless) and chain (given, as the v0.3
 * bundle holds only the leaf), the Rekor SET bundle (cosign's `bundle.RekorBundle`:
 * SignedEntryTimestamp + Payload{body, integratedTime, logIndex, logID in hex}) and the
 * RFC 3161 timestamp. For an attestation the signature is `""` (it is inside the
 * envelope) and the predicate type is added.
 */
export function cosign2Annotations(bundle: SerializedBundle, opts: { chainPem?: string; predicateType?: string } = {}): Record<string, string> {
  const ann: Record<string, string> = {};
  ann[ANN_SIGNATURE] = bundle.messageSignature ? bundle.messageSignature.signature : '';
  const vm = bundle.verificationMaterial;
  const certs = vm?.certificate ? [vm.certificate.rawBytes] : (vm?.x509CertificateChain?.certificates.map((c) => c.rawBytes) ?? []);
  if (certs.length > 0) {
    ann[ANN_CERTIFICATE] = derToPem(Buffer.from(certs[0]!, 'base64'));
    const chain = opts.chainPem ?? (certs.length > 1 ? certs.slice(1).map((c) => derToPem(Buffer.from(c, 'base64'))).join('') : undefined);
    if (chain) ann[ANN_CHAIN] = chain;
  }
  const entry = vm?.tlogEntries?.[0];
  if (entry) {
    if (!entry.inclusionPromise) throw new ClientError('BUNDLE_INVALID', 'the signer returned a transparency log entry without a signed entry timestamp, which cosign 2 needs in the .sig layer');
    ann[ANN_BUNDLE] = goJson({
      SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
      Payload: {
        body: entry.canonicalizedBody,
        integratedTime: Number(entry.integratedTime),
        logIndex: Number(entry.logIndex),
        logID: Buffer.from(entry.logId.keyId, 'base64').toString('hex'),
      },
    });
  }
  const ts = vm?.timestampVerificationData?.rfc3161Timestamps?.[0];
  if (ts) ann[ANN_RFC3161] = goJson({ SignedRFC3161Timestamp: ts.signedTimestamp });
  if (opts.predicateType !== undefined) ann[ANN_PREDICATE_TYPE] = opts.predicateType;
  return sortKeys(ann);
}

/**
 * The DSSE envelope as cosign 2 stores it in an .att layer. cosign 2 checks that the
 * layer's SHA-256 is the dsse entry's envelopeHash, which Rekor takes over the envelope
 * exactly as it was submitted: so the layer holds those bytes. cosign submits Go's
 * form (`keyid` always present); sigstore-js's witness submits protobuf JSON (empty
 * fields left out). The form whose hash the log recorded is the one written; with no
 * dsse entry to go by (intoto entries, no log), Go's.
 */
export function cosign2EnvelopeBytes(bundle: SerializedBundle): Uint8Array {
  const env = bundle.dsseEnvelope;
  if (!env) throw new ClientError('BUNDLE_INVALID', 'the signer returned no DSSE envelope for an attestation');
  const goForm = Buffer.from(goJson({ payloadType: env.payloadType, payload: env.payload, signatures: env.signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig })) }));
  const protoForm = Buffer.from(
    JSON.stringify({
      ...(env.payload ? { payload: env.payload } : {}),
      ...(env.payloadType ? { payloadType: env.payloadType } : {}),
      signatures: env.signatures.map((s) => ({ ...(s.sig ? { sig: s.sig } : {}), ...(s.keyid ? { keyid: s.keyid } : {}) })),
    }),
  );
  const recorded = recordedEnvelopeHash(bundle);
  if (recorded !== undefined) {
    for (const form of [goForm, protoForm]) if (createHash('sha256').update(form).digest('hex') === recorded) return form;
  }
  return goForm;
}

/** The envelopeHash of the bundle's dsse 0.0.1 entry, if it has one. */
function recordedEnvelopeHash(bundle: SerializedBundle): string | undefined {
  const entry = bundle.verificationMaterial?.tlogEntries?.[0];
  if (!entry || entry.kindVersion?.kind !== 'dsse') return undefined;
  try {
    const body = JSON.parse(Buffer.from(entry.canonicalizedBody, 'base64').toString('utf8')) as { spec?: { envelopeHash?: { value?: unknown } } };
    const v = body.spec?.envelopeHash?.value;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** go-containerregistry's config file for an image of these layers with no history (what cosign's .sig/.att images carry). */
function signatureImageConfig(layers: Descriptor[]): Uint8Array {
  return Buffer.from(
    goJson({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
}

export interface Cosign2Layer {
  descriptor: Descriptor;
  /** The layer bytes (simple-signing payload or DSSE envelope), digest-checked. */
  payload: Uint8Array;
}

/** The layers of `sha256-<hex>.<kind>` (none when the tag does not exist). */
export async function readCosign2Layers(client: RegistryClient, repo: Repository, digest: string, kind: Cosign2Kind): Promise<Cosign2Layer[]> {
  const tag = digestTag(digest, kind);
  const m = await client.getManifest(repo, tag);
  if (!m) return [];
  const where = `${repo.registry}/${repo.repository}:${tag}`;
  const layers = manifestLayers(m.bytes, where);
  if (layers.length > MAX_COSIGN2_LAYERS) throw new ClientError('REGISTRY_FAILED', `${where}: ${layers.length} layers, more than ${MAX_COSIGN2_LAYERS}`);
  const out: Cosign2Layer[] = [];
  for (const descriptor of layers) {
    if (descriptor.size > MAX_COSIGN2_LAYER) throw new ClientError('REGISTRY_FAILED', `${where}: layer ${descriptor.digest} is ${descriptor.size} bytes, more than ${MAX_COSIGN2_LAYER}`);
    out.push({ descriptor, payload: await client.readBlob(repo, descriptor.digest, MAX_COSIGN2_LAYER) });
  }
  return out;
}

function manifestLayers(bytes: Uint8Array, where: string): Descriptor[] {
  const doc = parseJson(bytes, where) as { layers?: unknown };
  if (!Array.isArray(doc.layers)) throw new ClientError('REGISTRY_FAILED', `${where}: the manifest has no layers list`);
  return doc.layers.map((l) => toDescriptor(l, where));
}

function sameLayer(a: Descriptor, b: Descriptor): boolean {
  if (a.digest !== b.digest || a.mediaType !== b.mediaType) return false;
  const ka = Object.keys(a.annotations ?? {});
  const kb = Object.keys(b.annotations ?? {});
  return ka.length === kb.length && ka.every((k) => a.annotations![k] === b.annotations?.[k]);
}

/**
 * Adds one layer to `sha256-<hex>.<kind>`, as cosign's mutate.AttachSignatureToEntity
 * does: the existing layers are kept as they are, an identical layer (same payload
 * digest, media type and annotations) is not added twice, and a fresh config and
 * manifest are written under the tag. The layer blob and config are uploaded before
 * the manifest, so a crash leaves at most unreferenced blobs, never a manifest
 * pointing at nothing. Two signers racing on the same tag can lose one signature
 * (tags have no compare-and-swap; cosign has the same gap). Returns the manifest digest.
 */
export async function appendCosign2Layer(client: RegistryClient, repo: Repository, imageDigest: string, kind: Cosign2Kind, payload: Uint8Array, annotations: Record<string, string>): Promise<{ manifestDigest: string; tag: string; added: boolean }> {
  const tag = digestTag(imageDigest, kind);
  const where = `${repo.registry}/${repo.repository}:${tag}`;
  const existing = await client.getManifest(repo, tag);
  const layers = existing ? manifestLayers(existing.bytes, where) : [];
  const uploaded = await client.uploadBlob(repo, payload);
  const layer: Descriptor = { mediaType: kind === 'sig' ? SIMPLE_SIGNING : DSSE_ENVELOPE, size: uploaded.size, digest: uploaded.digest, annotations: sortKeys(annotations) };
  if (existing && layers.some((l) => sameLayer(l, layer))) return { manifestDigest: existing.digest, tag, added: false };
  const all = [...layers, layer];
  const config = signatureImageConfig(all);
  const cfg = await client.uploadBlob(repo, config);
  const manifest = Buffer.from(
    goJson({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, size: cfg.size, digest: cfg.digest },
      layers: all.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest, ...(l.annotations ? { annotations: sortKeys(l.annotations) } : {}) })),
    }),
  );
  const { digest } = await client.putManifest(repo, tag, manifest, OCI_MANIFEST);
  return { manifestDigest: digest, tag, added: true };
}

/**
 * Turns a cosign 2 layer back into a Sigstore bundle for the verifier, as cosign 2 and
 * sigstore-go do: v0.1 with the SET as inclusion promise when there is a Rekor bundle
 * (no inclusion proof is stored in this layout), v0.3 with only timestamps otherwise.
 * The certificate and chain become the x509 chain; with no certificate the key comes
 * from the verifier's policy (empty hint).
 */
export function cosign2LayerToBundle(layer: Cosign2Layer, kind: Cosign2Kind, where: string): SerializedBundle {
  const ann = layer.descriptor.annotations ?? {};
  const certificatesDer: Buffer[] = [];
  if (ann[ANN_CERTIFICATE]) certificatesDer.push(...pemToDers(ann[ANN_CERTIFICATE], `${where} certificate`));
  if (ann[ANN_CHAIN]) certificatesDer.push(...pemToDers(ann[ANN_CHAIN], `${where} chain`));
  const common = {
    where,
    certificatesDer,
    ...(ann[ANN_BUNDLE] ? { rekorBundleJson: ann[ANN_BUNDLE] } : {}),
    ...(ann[ANN_RFC3161] ? { rfc3161Json: ann[ANN_RFC3161] } : {}),
  };
  if (kind === 'sig') {
    const signature = ann[ANN_SIGNATURE];
    if (!signature) throw new ClientError('BUNDLE_INVALID', `${where}: no ${ANN_SIGNATURE} annotation`);
    return legacySignatureToBundle({ ...common, content: { kind: 'message', signatureB64: signature, digest: createHash('sha256').update(layer.payload).digest() } });
  }
  return legacySignatureToBundle({ ...common, content: { kind: 'dsse', envelopeBytes: layer.payload } });
}
