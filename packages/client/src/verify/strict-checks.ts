import { timingSafeEqual, X509Certificate } from 'node:crypto';
import type { Bundle } from '@sigstore/bundle';
import type { TransparencyLogEntry, TrustedRoot } from '@sigstore/protobuf-specs';
import { ClientError } from '../errors.js';

/**
 * What the specification requires and sigstore-js's verifier does not check (found by
 * running sigstore-conformance's bundle-verification vectors, then confirmed by reading
 * @sigstore/verify): each function throws a coded ClientError naming the failed check.
 */

/** How far in the future an integrated time may be (clock skew between log and verifier). */
export const MAX_FUTURE_SKEW_SECONDS = 60;

/**
 * Every validity window in the trusted root has its start: a key's `validFor` without a
 * start is a malformed trust root, never "valid since forever" (sigstore-js reads a
 * missing start as unbounded).
 */
export function verifyTrustedRootStrict(root: TrustedRoot): void {
  const windows: [string, { start?: Date | undefined } | undefined][] = [
    ...root.tlogs.map((l, i) => [`tlogs[${i}] (${l.baseUrl})`, l.publicKey?.validFor] as [string, { start?: Date } | undefined]),
    ...root.ctlogs.map((l, i) => [`ctlogs[${i}] (${l.baseUrl})`, l.publicKey?.validFor] as [string, { start?: Date } | undefined]),
    ...root.certificateAuthorities.map((c, i) => [`certificateAuthorities[${i}] (${c.uri})`, c.validFor] as [string, { start?: Date } | undefined]),
    ...root.timestampAuthorities.map((c, i) => [`timestampAuthorities[${i}] (${c.uri})`, c.validFor] as [string, { start?: Date } | undefined]),
  ];
  for (const [what, validFor] of windows)
    if (validFor !== undefined && !(validFor.start instanceof Date && !Number.isNaN(validFor.start.getTime())))
      throw new ClientError('TRUST_INVALID', `trusted root: ${what}: validFor has no start (a validity window must say when it begins)`);
}

/**
 * The bundle's own certificates never include a trust anchor: a root in the bundle is
 * either redundant or an attempt to make the bundle carry its own trust. A certificate
 * that is a CA and signed by itself is refused.
 */
export function verifyNoRootInBundle(bundle: Bundle): void {
  const vm = bundle.verificationMaterial.content;
  const raws = vm.$case === 'x509CertificateChain' ? vm.x509CertificateChain.certificates.map((c) => c.rawBytes) : vm.$case === 'certificate' ? [vm.certificate.rawBytes] : [];
  raws.forEach((raw, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(raw));
    } catch (cause) {
      throw new ClientError('VERIFY_CERTIFICATE', `certificate ${i} in the bundle is not an X.509 certificate: ${(cause as Error).message}`, { cause });
    }
    if (cert.ca && cert.checkIssued(cert) && cert.verify(cert.publicKey))
      throw new ClientError('VERIFY_CERTIFICATE', `the bundle carries a root certificate (${cert.subject.replace(/\n/g, ', ')}): trust anchors come from the trusted root, never from the bundle`);
  });
}

/** A transparency log entry as the protobuf types it. */
type TlogEntry = TransparencyLogEntry;

/**
 * Log entries, checked before sigstore-js sees them. Returns the bundle to hand to
 * sigstore-js (the same object unless an inclusion proof without a checkpoint was set
 * aside; see below).
 * - no two entries are the same entry (same log, same index);
 * - indexes are non-negative, the integrated time is not in the future;
 * - an inclusion proof is consistent with its checkpoint: the signed checkpoint's size
 *   and root hash are the proof's tree size and root hash (sigstore-js proves the leaf
 *   against the checkpoint and ignores the proof's own fields, so a bundle could show
 *   one tree and prove another);
 * - a v0.1 inclusion proof without a checkpoint proves nothing (no signed tree head): it
 *   is set aside when the entry has a SET, which then proves inclusion; without a SET
 *   the entry is refused (sigstore-js throws a TypeError on it).
 */
export function verifyTlogEntriesStrict(bundle: Bundle, now: Date): Bundle {
  const seen = new Set<string>();
  let changed = false;
  const entries = bundle.verificationMaterial.tlogEntries.map((e: TlogEntry, i): TlogEntry => {
    const what = `transparency log entry ${i}`;
    const logIndex = toBigInt(e.logIndex, `${what}: logIndex`);
    const key = `${Buffer.from(e.logId?.keyId ?? []).toString('hex')}/${logIndex}`;
    if (seen.has(key)) throw new ClientError('BUNDLE_INVALID', `${what}: the same log entry appears twice (log index ${logIndex})`);
    seen.add(key);
    const integrated = toBigInt(e.integratedTime, `${what}: integratedTime`);
    if (integrated > BigInt(Math.floor(now.getTime() / 1000) + MAX_FUTURE_SKEW_SECONDS))
      throw new ClientError('VERIFY_TLOG', `${what}: integrated time ${new Date(Number(integrated) * 1000).toISOString()} is in the future`);
    const proof = e.inclusionProof;
    if (!proof) return e;
    const proofIndex = toBigInt(proof.logIndex, `${what}: inclusionProof.logIndex`);
    const treeSize = toBigInt(proof.treeSize, `${what}: inclusionProof.treeSize`);
    if (proofIndex >= treeSize) throw new ClientError('VERIFY_TLOG', `${what}: inclusion proof index ${proofIndex} is outside its tree of size ${treeSize}`);
    const envelope = proof.checkpoint?.envelope;
    if (!envelope) {
      if (e.inclusionPromise) {
        changed = true;
        const { inclusionProof: _unverifiable, ...rest } = e;
        return rest as TlogEntry;
      }
      throw new ClientError('VERIFY_TLOG', `${what}: the inclusion proof has no checkpoint (signed tree head) and there is no SET: inclusion cannot be verified`);
    }
    const cp = parseCheckpointHead(envelope, what);
    if (cp.size !== treeSize) throw new ClientError('VERIFY_TLOG', `${what}: the checkpoint is for a tree of size ${cp.size}, the inclusion proof for size ${treeSize}`);
    const rootHash = Buffer.from(proof.rootHash);
    if (rootHash.length !== cp.rootHash.length || !timingSafeEqual(rootHash, cp.rootHash))
      throw new ClientError('VERIFY_TLOG', `${what}: the checkpoint's root hash ${cp.rootHash.toString('base64')} is not the inclusion proof's ${rootHash.toString('base64')}`);
    return e;
  });
  if (!changed) return bundle;
  return { ...bundle, verificationMaterial: { ...bundle.verificationMaterial, tlogEntries: entries as Bundle['verificationMaterial']['tlogEntries'] } };
}

/** The checkpoint's body (c2sp.org/tlog-checkpoint): origin, size, base64 root hash, then extension lines. */
function parseCheckpointHead(envelope: string, what: string): { origin: string; size: bigint; rootHash: Buffer } {
  const end = envelope.indexOf('\n\n');
  const lines = (end < 0 ? envelope : envelope.slice(0, end)).split('\n');
  const [origin, size, hash] = lines;
  if (!origin || size === undefined || hash === undefined || !/^[0-9]{1,20}$/.test(size) || !/^[A-Za-z0-9+/]+={0,2}$/.test(hash))
    throw new ClientError('VERIFY_TLOG', `${what}: malformed checkpoint (origin, tree size and root hash lines expected)`);
  return { origin, size: BigInt(size), rootHash: Buffer.from(hash, 'base64') };
}

function toBigInt(v: string | number | bigint | undefined, what: string): bigint {
  const s = typeof v === 'bigint' ? v.toString() : String(v ?? '0');
  if (!/^[0-9]{1,20}$/.test(s)) throw new ClientError('BUNDLE_INVALID', `${what}: ${JSON.stringify(String(v))} is not a non-negative integer`);
  return BigInt(s);
}
