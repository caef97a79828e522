import { createHash, verify as cryptoVerify } from 'node:crypto';
import type { TransparencyLogEntry } from '@sigstore/protobuf-specs';
import { fromPem } from '@sigstack/core';
import { ClientError } from '../../errors.js';
import { inWindow, type TrustedLog } from './trust-anchors.js';

/** What the log entry's body must match: the bundle's signed content and its signer. */
export interface SignedContent {
  signature: Buffer;
  /** messageSignature: the artifact digest (hex) and its algorithm name as Rekor writes it. */
  digest?: { algorithm: string; hex: string };
  /** DSSE: hex SHA-256 of the envelope's payload. */
  payloadHashHex?: string;
  /** DER of the signing certificate, or of the key's SubjectPublicKeyInfo. */
  signerDer: Buffer;
  signerKind: 'certificate' | 'key';
}

function bad(what: string, why: string): ClientError {
  return new ClientError('VERIFY_TLOG', `transparency log: ${what}: ${why}`);
}

/** The Rekor v1 kinds whose bodies we compare (others fall back to sigstore-js). */
export const SUPPORTED_KINDS = new Set(['hashedrekord/0.0.1', 'dsse/0.0.1', 'intoto/0.0.2']);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const b64 = (v: unknown): Buffer => Buffer.from(str(v), 'base64');

/** The body's signer (base64 of a PEM certificate or public key) is the bundle's. */
function sameSigner(what: string, pemB64: unknown, c: SignedContent): void {
  let der: Buffer | undefined;
  try {
    der = fromPem(b64(pemB64).toString('utf8'))[0]?.der;
  } catch {
    der = undefined;
  }
  if (!der || !der.equals(c.signerDer)) throw bad(what, c.signerKind === 'certificate' ? "the entry's certificate is not the bundle's" : "the entry was logged with another public key than the one given (--key): not signed by that key");
}

/**
 * Compares the entry's canonicalized body with the bundle (sigstore-js's checks, plus
 * the signer: the body's certificate or key must be the bundle's, as sigstore-go
 * requires). Returns nothing; throws VERIFY_TLOG naming the mismatch.
 */
export function verifyEntryBody(e: TransparencyLogEntry, c: SignedContent, what: string): void {
  const kv = `${e.kindVersion?.kind}/${e.kindVersion?.version}`;
  let body: Json;
  try {
    body = obj(JSON.parse(Buffer.from(e.canonicalizedBody).toString('utf8')));
  } catch {
    throw bad(what, 'the canonicalized body is not JSON');
  }
  if (`${str(body.kind)}/${str(body.apiVersion)}` !== kv) throw bad(what, `the body is ${str(body.kind)}/${str(body.apiVersion)}, the entry says ${kv}`);
  const spec = obj(body.spec);
  switch (kv) {
    case 'hashedrekord/0.0.1': {
      const sig = obj(spec.signature);
      if (!b64(sig.content).equals(c.signature)) throw bad(what, 'signature mismatch');
      const hash = obj(obj(spec.data).hash);
      if (!c.digest || str(hash.value) !== c.digest.hex || str(hash.algorithm) !== c.digest.algorithm) throw bad(what, 'digest mismatch');
      sameSigner(what, obj(sig.publicKey).content, c);
      return;
    }
    case 'dsse/0.0.1': {
      const sigs = Array.isArray(spec.signatures) ? spec.signatures.map(obj) : [];
      if (sigs.length !== 1) throw bad(what, 'signature count mismatch');
      if (!b64(sigs[0]!.signature).equals(c.signature)) throw bad(what, 'signature mismatch');
      if (str(obj(spec.payloadHash).value) !== c.payloadHashHex || str(obj(spec.payloadHash).algorithm) !== 'sha256') throw bad(what, 'DSSE payload hash mismatch');
      sameSigner(what, sigs[0]!.verifier, c);
      return;
    }
    case 'intoto/0.0.2': {
      const content = obj(spec.content);
      const sigs = Array.isArray(obj(content.envelope).signatures) ? (obj(content.envelope).signatures as unknown[]).map(obj) : [];
      if (sigs.length !== 1) throw bad(what, 'signature count mismatch');
      // intoto 0.0.2 stores the signature base64-encoded twice.
      if (!Buffer.from(b64(sigs[0]!.sig).toString('utf8'), 'base64').equals(c.signature)) throw bad(what, 'signature mismatch');
      if (str(obj(content.payloadHash).value) !== c.payloadHashHex) throw bad(what, 'DSSE payload hash mismatch');
      sameSigner(what, sigs[0]!.publicKey, c);
      return;
    }
    default:
      throw bad(what, `unsupported entry kind ${kv}`);
  }
}

/** The trusted logs an entry may come from: same log ID, key valid at `time` (ms) if given. */
export function logsFor(e: TransparencyLogEntry, tlogs: TrustedLog[], time: number | undefined): TrustedLog[] {
  const id = Buffer.from(e.logId?.keyId ?? []);
  return tlogs.filter((l) => l.logId.equals(id) && (time === undefined || inWindow(l.window, time)));
}

/**
 * The SET (inclusion promise): the log's signature over the canonical JSON of
 * {body, integratedTime, logID, logIndex} (keys in that order, the body base64, the
 * log ID hex), with a log key valid at the integrated time.
 */
export function verifySet(e: TransparencyLogEntry, tlogs: TrustedLog[], what: string): void {
  const set = Buffer.from(e.inclusionPromise?.signedEntryTimestamp ?? []);
  const time = Number(e.integratedTime) * 1000;
  const payload = Buffer.from(
    `{"body":"${Buffer.from(e.canonicalizedBody).toString('base64')}","integratedTime":${BigInt(e.integratedTime)},"logID":"${Buffer.from(e.logId?.keyId ?? []).toString('hex')}","logIndex":${BigInt(e.logIndex)}}`,
  );
  const ok = logsFor(e, tlogs, time).some((l) => {
    try {
      return cryptoVerify(l.hash, payload, l.key, set);
    } catch {
      return false;
    }
  });
  if (!ok) throw bad(what, 'the inclusion promise (SET) does not verify with a trusted log key valid at the integrated time');
}

/** A checkpoint proven by a log's signature: the tree it names. */
interface VerifiedCheckpoint {
  size: bigint;
  root: Buffer;
}

/** Checkpoints are shared by every entry of a tree: verified once per exact text and log. */
const MAX_CACHED_CHECKPOINTS = 4096;

export class CheckpointCache {
  private readonly map = new Map<string, VerifiedCheckpoint | string>();

  /**
   * Verifies the signed note (c2sp.org/signed-note) as sigstore-js does: a signature
   * line whose key hint is the first 4 bytes of the log ID and whose name is part of
   * the log's base URL must verify with the log's key; then parses origin, size and
   * root hash. Throws VERIFY_TLOG.
   */
  verify(envelope: string, log: TrustedLog, what: string): VerifiedCheckpoint {
    const key = `${log.index}\n${envelope}`;
    let v = this.map.get(key);
    if (v === undefined) {
      v = checkpointOf(envelope, log);
      if (this.map.size >= MAX_CACHED_CHECKPOINTS) this.map.delete(this.map.keys().next().value as string);
      this.map.set(key, v);
    }
    if (typeof v === 'string') throw bad(what, v);
    return v;
  }
}

function checkpointOf(envelope: string, log: TrustedLog): VerifiedCheckpoint | string {
  const split = envelope.indexOf('\n\n');
  if (split < 0) return 'the checkpoint has no signature block';
  const text = envelope.slice(0, split + 1);
  const lines = text.slice(0, -1).split('\n');
  const [, size, root] = lines;
  if (lines.length < 3 || !lines[0] || !/^[0-9]{1,20}$/.test(size ?? '') || !/^[A-Za-z0-9+/]{43}=$/.test(root ?? '')) return 'malformed checkpoint (origin, tree size and root hash lines expected)';
  const hint = log.logId.subarray(0, 4);
  const msg = Buffer.from(text, 'utf8');
  let verified = false;
  for (const line of envelope.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) continue;
    const sig = Buffer.from(m[2]!, 'base64');
    if (sig.length < 5 || !sig.subarray(0, 4).equals(hint) || !log.baseUrl.includes(m[1]!)) continue;
    try {
      if (cryptoVerify(log.hash, msg, log.key, sig.subarray(4))) verified = true;
    } catch {
      // not this key's algorithm: the next line may be
    }
    if (verified) break;
  }
  if (!verified) return 'the checkpoint is not signed by the trusted log';
  return { size: BigInt(size!), root: Buffer.from(root!, 'base64') };
}

const leafHash = (body: Uint8Array): Buffer => createHash('sha256').update(Buffer.from([0])).update(body).digest();
const nodeHash = (l: Buffer, r: Uint8Array): Buffer => createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to (undefined if the proof has the wrong shape). */
export function rootFromProof(body: Uint8Array, index: bigint, size: bigint, hashes: readonly Uint8Array[]): Buffer | undefined {
  if (index < 0n || index >= size || hashes.length > 64 || hashes.some((h) => h.length !== 32)) return undefined;
  let fn = index;
  let sn = size - 1n;
  let r = leafHash(body);
  for (const p of hashes) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(Buffer.from(p), r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) ((fn >>= 1n), (sn >>= 1n));
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

/** Inclusion proof + checkpoint: the entry is in the tree the trusted log signed. */
export function verifyInclusionProof(e: TransparencyLogEntry, tlogs: TrustedLog[], checkpoints: CheckpointCache, what: string): void {
  const proof = e.inclusionProof!;
  const envelope = proof.checkpoint?.envelope;
  if (!envelope) throw bad(what, 'the inclusion proof has no checkpoint');
  const time = e.integratedTime && e.integratedTime !== '0' ? Number(e.integratedTime) * 1000 : undefined;
  const logs = logsFor(e, tlogs, time);
  if (logs.length === 0) throw bad(what, `log ${Buffer.from(e.logId?.keyId ?? []).toString('hex')} is not a trusted log${time !== undefined ? ' valid at the integrated time' : ''}`);
  let lastError: ClientError | undefined;
  for (const log of logs) {
    try {
      const cp = checkpoints.verify(envelope, log, what);
      if (cp.size !== BigInt(proof.treeSize) || !cp.root.equals(Buffer.from(proof.rootHash))) throw bad(what, "the checkpoint's tree is not the inclusion proof's");
      const root = rootFromProof(e.canonicalizedBody, BigInt(proof.logIndex), cp.size, proof.hashes);
      if (!root || !root.equals(cp.root)) throw bad(what, 'the inclusion proof does not lead to the checkpoint root hash');
      return;
    } catch (err) {
      lastError = err as ClientError;
    }
  }
  throw lastError!;
}
