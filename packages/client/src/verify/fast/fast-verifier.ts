import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { defaultHashFor, OID, parseVerificationKey, verifyPrehashedSignature, type HashAlgorithm, type VerificationKey } from '@sigstack/core';
import { ClientError } from '../../errors.js';
import { digestAlgorithmOf, digestFile, type DigestAlgorithm } from '../../sign/artifact-digest.js';
import { preAuthEncoding } from '../../sign/dsse-pae.js';
import type { ArtifactInput, IdentityPolicy, VerifiedBundle, VerifierOptions } from '../bundle-verifier.js';
import { verifyNoRootInBundle, verifyTlogEntriesStrict, verifyTrustedRootStrict } from '../strict-checks.js';
import { allowsUsage, certificateIdentity, readCertificateInfo, type CertificateInfo } from './certificate-info.js';
import { verifyEmbeddedScts } from './sct.js';
import { parseTimestampToken, verifyTimestampToken } from './timestamp-token.js';
import { CheckpointCache, SUPPORTED_KINDS, verifyEntryBody, verifyInclusionProof, verifySet, type SignedContent } from './tlog-entry.js';
import { createTrustAnchors, inWindow, type TrustAnchors, type TrustedAuthority } from './trust-anchors.js';

/** Signing certificates verified so far (keyed by their DER): a signer reuses one for many bundles. */
const MAX_CACHED_LEAVES = 4096;
/** Files up to this size are read whole when the key cannot verify over a digest (Ed25519). */
const MAX_WHOLE_FILE = 64 * 1024 * 1024;

/** What is known of a signing certificate once it has been checked (none of it depends on time). */
interface LeafRecord {
  info: CertificateInfo;
  identity: { subjectAlternativeName?: string; issuer?: string };
  /** The trusted CAs (chain not broken) whose first certificate issued it. */
  issuers: TrustedAuthority[];
  /** Why the certificate is refused whatever the time (chain, SCT, usage), if it is. */
  problem?: ClientError;
  vk?: VerificationKey;
}

/** The bundle shapes this verifier implements; anything else goes to sigstore-js. */
const MEDIA_TYPES = new Set([
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  'application/vnd.dev.sigstore.bundle.v0.3+json',
]);

/**
 * Sigstore bundle verification of our own, for the shapes real clients produce
 * (bundles v0.1–v0.3, Fulcio certificate or public key, Rekor v1 hashedrekord 0.0.1 /
 * dsse 0.0.1 / intoto 0.0.2 entries with inclusion proof + checkpoint and/or SET,
 * RFC 3161 timestamps), following the Sigstore client rules as sigstore-js and
 * sigstore-go apply them, on node:crypto with what is shared across bundles computed
 * once: the trust root's keys and chains (at construction), signing certificates
 * (chain, SCTs, identity: per certificate), checkpoints (per exact text). Same inputs,
 * outputs and error codes as BundleVerifier; `supports` says whether a bundle is one
 * of these shapes (BundleVerifier falls back to sigstore-js otherwise).
 *
 * Where it is stricter than sigstore-js (each is what sigstore-go or the specification
 * requires): the log entry's certificate or key must be the bundle's; SAN `subject` is
 * compared exactly (sigstore-js matches it as an unanchored regular expression); an
 * extended key usage, when present, must allow code signing (leaf) or time-stamping
 * (TSA); the RFC 3161 response status must be granted; a log key must be valid at the
 * integrated time for an inclusion proof too; the hashedrekord digest algorithm must be
 * the bundle's.
 */
export class FastBundleVerifier {
  private readonly anchors: TrustAnchors;
  private readonly checkpoints = new CheckpointCache();
  private readonly leaves = new Map<string, LeafRecord>();
  private readonly keySpki: Buffer | undefined;
  private readonly keyVk: VerificationKey | undefined;
  private readonly subjectRe: RegExp | undefined;
  private readonly issuerRe: RegExp | undefined;

  constructor(private readonly opts: VerifierOptions) {
    verifyTrustedRootStrict(opts.trustedRoot);
    if (!opts.key && !opts.identity) throw new ClientError('USAGE', 'verification needs a key (--key) or an identity (--certificate-identity and --certificate-oidc-issuer)');
    this.anchors = createTrustAnchors(opts.trustedRoot);
    if (opts.key) {
      this.keySpki = opts.key.export({ type: 'spki', format: 'der' });
      this.keyVk = opts.key.asymmetricKeyType === 'ed25519' ? undefined : parseVerificationKey(this.keySpki);
    }
    const id: IdentityPolicy | undefined = opts.identity;
    if (id?.subject === undefined && id?.subjectRegExp !== undefined) this.subjectRe = new RegExp(id.subjectRegExp);
    if (id?.issuerRegExp !== undefined) this.issuerRe = new RegExp(id.issuerRegExp);
  }

  /** The trusted root this verifier was made for (the batch API sends it to its workers). */
  get trustedRoot(): TrustedRoot {
    return this.opts.trustedRoot;
  }

  /** Whether `bundle` is a shape this verifier implements (else: verify it with sigstore-js). */
  supports(bundle: Bundle): boolean {
    if (!MEDIA_TYPES.has(bundle.mediaType)) return false;
    const c = bundle.content;
    if (c.$case === 'dsseEnvelope' && c.dsseEnvelope.signatures.length !== 1) return false;
    if (c.$case === 'messageSignature' && ![0, 1, 2, 3].includes(c.messageSignature.messageDigest?.algorithm ?? 0)) return false;
    return bundle.verificationMaterial.tlogEntries.every((e) => SUPPORTED_KINDS.has(`${e.kindVersion?.kind}/${e.kindVersion?.version}`));
  }

  async verify(original: Bundle, artifact: ArtifactInput): Promise<VerifiedBundle> {
    if (artifact.kind === 'file' && original.content.$case === 'messageSignature') {
      const ms = original.content.messageSignature;
      const algorithm = digestAlgorithmOf(ms.messageDigest?.algorithm);
      const { digest } = await digestFile(artifact.path, algorithm);
      const whole = this.opts.key?.asymmetricKeyType === 'ed25519' ? await readWhole(artifact.path) : undefined;
      return this.verifySync(original, whole ? { kind: 'bytes', data: whole } : { kind: 'digest', algorithm: 'sha256', digest }, algorithm);
    }
    return this.verifySync(original, artifact);
  }

  /**
   * Verifies without I/O (an artifact given as bytes or a digest, or a DSSE bundle):
   * what the batch workers call. `digestAlgorithm` says which algorithm a `digest`
   * artifact is in when it came from a file.
   */
  verifySync(original: Bundle, artifact: ArtifactInput, digestAlgorithm?: DigestAlgorithm): VerifiedBundle {
    const now = this.opts.now?.() ?? new Date();
    const bundle = verifyTlogEntriesStrict(original, now);
    const vm = bundle.verificationMaterial;
    const material = vm.content.$case;
    if (this.opts.key && material !== 'publicKey')
      throw new ClientError('VERIFY_SIGNATURE', 'the bundle carries a certificate, not a key signature: verify it with --certificate-identity and --certificate-oidc-issuer');
    if (!this.opts.key && material === 'publicKey') throw new ClientError('VERIFY_SIGNATURE', 'the bundle was signed with a key: verify it with --key');

    // The signed content and the artifact.
    let signature: Buffer;
    let signed: SignedBytes;
    const content: Omit<SignedContent, 'signerDer' | 'signerKind'> = { signature: Buffer.alloc(0) };
    const out: VerifiedBundle = { bundle: original, timestamps: [] };
    if (bundle.content.$case === 'messageSignature') {
      const ms = bundle.content.messageSignature;
      signature = Buffer.from(ms.signature);
      const algorithm = digestAlgorithmOf(ms.messageDigest?.algorithm);
      let digest: Buffer;
      let data: Buffer | undefined;
      if (artifact.kind === 'none') throw new ClientError('USAGE', 'a message-signature bundle needs the artifact (a file or a sha256: digest)');
      if (artifact.kind === 'digest') {
        if (algorithm !== (digestAlgorithm ?? 'sha256')) throw new ClientError('VERIFY_DIGEST', `the bundle's digest is ${algorithm}; a sha256: digest cannot be compared with it`);
        digest = artifact.digest;
      } else if (artifact.kind === 'bytes') {
        data = Buffer.from(artifact.data.buffer, artifact.data.byteOffset, artifact.data.byteLength);
        digest = createHash(algorithm).update(data).digest();
      } else throw new ClientError('USAGE', 'a file artifact is verified with verify(), not verifySync()');
      const bundleDigest = Buffer.from(ms.messageDigest?.digest ?? []);
      if (bundleDigest.length > 0 && !bundleDigest.equals(digest))
        throw new ClientError('VERIFY_DIGEST', `the artifact's ${algorithm} digest ${digest.toString('hex')} is not the one signed (${bundleDigest.toString('hex')}): the artifact was changed or is another one`);
      content.digest = { algorithm, hex: digest.toString('hex') };
      signed = { ...(data ? { data } : { digest }), algorithm };
    } else {
      if (artifact.kind === 'bytes') throw new ClientError('USAGE', 'a DSSE bundle carries its payload: verify it as an attestation');
      const env = bundle.content.dsseEnvelope;
      signature = Buffer.from(env.signatures[0]?.sig ?? []);
      const payload = Buffer.from(env.payload);
      content.payloadHashHex = createHash('sha256').update(payload).digest('hex');
      signed = { data: preAuthEncoding(env.payloadType, payload), algorithm: 'sha256', dsse: true };
      out.payload = payload;
      out.payloadType = env.payloadType;
    }
    content.signature = signature;

    // Timestamps: each log entry's integrated time proven by a SET, each RFC 3161 token.
    const times: number[] = [];
    for (const e of vm.tlogEntries) if (e.inclusionPromise && e.integratedTime && e.integratedTime !== '0') times.push(Number(e.integratedTime) * 1000);
    const tokens = vm.timestampVerificationData?.rfc3161Timestamps ?? [];
    const seenTokens = new Set<string>();
    for (const ts of tokens) {
      const raw = Buffer.from(ts.signedTimestamp);
      const key = raw.toString('base64');
      if (seenTokens.has(key)) throw new ClientError('VERIFY_TIMESTAMP', 'timestamp: the same RFC 3161 timestamp appears twice');
      seenTokens.add(key);
      times.push(verifyTimestampToken(parseTimestampToken(raw), signature, this.anchors.tsas).getTime());
    }
    if (times.length === 0) throw new ClientError('VERIFY_TIMESTAMP', 'timestamp: no timestamp proves when it was signed (no SET-backed log entry, no RFC 3161 timestamp)');

    // The signer: the certificate valid at every proven time, or the given key.
    let key: KeyObject;
    let vk: VerificationKey | undefined;
    let signerDer: Buffer;
    if (vm.content.$case === 'publicKey') {
      key = this.opts.key!;
      vk = this.keyVk;
      signerDer = this.keySpki!;
    } else {
      const certs = vm.content.$case === 'certificate' ? [vm.content.certificate] : vm.content.x509CertificateChain.certificates;
      const leafDer = Buffer.from(certs[0]?.rawBytes ?? []);
      const leaf = this.leaf(leafDer);
      if (certs.length > 1) verifyNoRootInBundle(bundle);
      if (leaf.problem) throw leaf.problem;
      for (const t of times) {
        const at = new Date(t).toISOString();
        if (t < leaf.info.notBefore || t > leaf.info.notAfter) throw new ClientError('VERIFY_CERTIFICATE', `certificate: the signing certificate is not valid at ${at} (valid ${new Date(leaf.info.notBefore).toISOString()} to ${new Date(leaf.info.notAfter).toISOString()})`);
        if (!leaf.issuers.some((ca) => inWindow(ca.window, t) && ca.chain.every((c) => c.notBefore <= t && t <= c.notAfter)))
          throw new ClientError('VERIFY_CERTIFICATE', `certificate: no trusted certificate authority valid at ${at} issued the signing certificate`);
      }
      key = leaf.info.publicKey;
      vk = leaf.vk;
      signerDer = leafDer;
      out.identity = leaf.identity;
      this.checkIdentity(leaf.identity);
    }

    // Log entries: each matches the bundle and is proven included (SET and/or checkpointed proof).
    if (vm.tlogEntries.length === 0) throw new ClientError('VERIFY_TLOG', 'transparency log: the bundle has no log entry');
    const seen = new Set<string>();
    const full: SignedContent = { ...content, signerDer, signerKind: vm.content.$case === 'publicKey' ? 'key' : 'certificate' };
    vm.tlogEntries.forEach((e, i) => {
      const what = `entry ${i} (log index ${e.logIndex})`;
      verifyEntryBody(e, full, what);
      if (!e.inclusionPromise && !e.inclusionProof) throw new ClientError('VERIFY_TLOG', `transparency log: ${what}: inclusion could not be verified (no inclusion proof, no SET)`);
      if (e.inclusionPromise) verifySet(e, this.anchors.tlogs, what);
      if (e.inclusionProof) verifyInclusionProof(e, this.anchors.tlogs, this.checkpoints, what);
      const id = `${Buffer.from(e.logId?.keyId ?? []).toString('hex')}:${Buffer.from(e.canonicalizedBody).toString('base64')}`;
      if (seen.has(id)) throw new ClientError('VERIFY_TLOG', `transparency log: ${what}: duplicate log entry`);
      seen.add(id);
    });

    // The artifact signature.
    if (!verifyArtifactSignature(key, vk, signed, signature)) throw new ClientError('VERIFY_SIGNATURE', 'signature: the signature does not verify with the signing key over the artifact');

    out.timestamps = times.map((t) => new Date(t));
    return out;
  }

  private checkIdentity(identity: { subjectAlternativeName?: string; issuer?: string }): void {
    const id = this.opts.identity;
    if (!id) return;
    const san = identity.subjectAlternativeName;
    if (id.subject !== undefined && san !== id.subject) throw new ClientError('VERIFY_IDENTITY', `identity: certificate identity "${san ?? ''}" is not ${id.subject}`);
    if (this.subjectRe && (san === undefined || !this.subjectRe.test(san))) throw new ClientError('VERIFY_IDENTITY', `identity: certificate identity "${san ?? ''}" does not match ${id.subjectRegExp}`);
    if (id.issuer !== undefined && identity.issuer !== id.issuer) throw new ClientError('VERIFY_IDENTITY', `identity: certificate issuer "${identity.issuer ?? ''}" is not ${id.issuer}`);
    if (this.issuerRe && !this.issuerRe.test(identity.issuer ?? '')) throw new ClientError('VERIFY_IDENTITY', `certificate issuer "${identity.issuer ?? ''}" does not match --certificate-oidc-issuer-regexp ${id.issuerRegExp}`);
  }

  /** The signing certificate's time-independent checks, done once per certificate. */
  private leaf(der: Buffer): LeafRecord {
    const cacheKey = der.toString('base64');
    const hit = this.leaves.get(cacheKey);
    if (hit) return hit;
    let info: CertificateInfo;
    try {
      info = readCertificateInfo(der);
    } catch (cause) {
      throw new ClientError('VERIFY_CERTIFICATE', `certificate: the signing certificate cannot be read: ${(cause as Error).message}`, { cause });
    }
    const rec: LeafRecord = { info, identity: {}, issuers: [] };
    try {
      verifyNoRootInBundle({ verificationMaterial: { content: { $case: 'certificate', certificate: { rawBytes: der } } } } as unknown as Bundle);
      rec.identity = certificateIdentity(info);
      if (!allowsUsage(info, OID.codeSigning)) throw new ClientError('VERIFY_CERTIFICATE', 'certificate: the signing certificate is not for code signing (extended key usage)');
      const all = this.anchors.cas.filter((ca) => ca.chain[0] && info.x509.checkIssued(ca.chain[0].x509));
      rec.issuers = all.filter((ca) => !ca.broken && info.x509.verify(ca.chain[0]!.publicKey));
      if (rec.issuers.length === 0) throw new ClientError('VERIFY_CERTIFICATE', `certificate: no trusted certificate authority issued the signing certificate${all.find((c) => c.broken) ? ` (${all.find((c) => c.broken)!.broken})` : ''}`);
      const scts = verifyEmbeddedScts(info, rec.issuers[0]!.chain[0]!, this.anchors.ctlogs);
      if (scts === 0) throw new ClientError('VERIFY_CERTIFICATE', 'certificate: no valid SCT from a trusted CT log (the certificate has no SCT)');
      if (info.publicKey.asymmetricKeyType !== 'ed25519') rec.vk = parseVerificationKey(info.parts.spki);
    } catch (cause) {
      rec.problem = cause instanceof ClientError ? cause : new ClientError('VERIFY_CERTIFICATE', `certificate: ${(cause as Error).message}`, { cause });
    }
    if (this.leaves.size >= MAX_CACHED_LEAVES) this.leaves.delete(this.leaves.keys().next().value as string);
    this.leaves.set(cacheKey, rec);
    return rec;
  }
}

/** What the artifact signature covers: the artifact (or the DSSE PAE) itself, or its digest. */
interface SignedBytes {
  data?: Buffer;
  digest?: Buffer;
  algorithm: DigestAlgorithm;
  dsse?: boolean;
}

function verifyArtifactSignature(key: KeyObject, vk: VerificationKey | undefined, signed: SignedBytes, signature: Buffer): boolean {
  try {
    const ed = key.asymmetricKeyType === 'ed25519';
    // A message is signed with the bundle's digest algorithm; a DSSE PAE with the key's default (Go/sigstore).
    if (signed.data) return cryptoVerify(ed ? null : signed.dsse && vk ? defaultHashFor(vk.kind) : signed.algorithm, signed.data, key, signature);
    if (ed || !vk) return false;
    return verifyPrehashedSignature(vk, signed.algorithm as HashAlgorithm, signed.digest!, signature);
  } catch {
    return false;
  }
}



async function readWhole(path: string): Promise<Buffer> {
  const { readFile, stat } = await import('node:fs/promises');
  const st = await stat(path);
  if (st.size > MAX_WHOLE_FILE) throw new ClientError('KEY_UNSUPPORTED', `Ed25519 signatures are checked over whole files: ${path} is larger than ${MAX_WHOLE_FILE} bytes`);
  return readFile(path);
}
