import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { leafHash } from './merkle.js';

/** What a transparency-log entry inside a client's output file says about itself. */
export interface EntryFacts {
  kind: string;
  apiVersion: string;
  logIndex: number;
  /** hex SHA-256(SPKI) of the log key, as the client recorded it. */
  logID: string;
  /** 64-hex leaf hash of the canonical body: the entry's UUID. */
  uuid: string;
  body: Record<string, unknown>;
}

function facts(bodyB64: string, logIndex: number | string, logIDHex: string): EntryFacts {
  const raw = Buffer.from(bodyB64, 'base64');
  const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  return {
    kind: String(body.kind),
    apiVersion: String(body.apiVersion),
    logIndex: Number(logIndex),
    logID: logIDHex,
    uuid: leafHash(raw).toString('hex'),
    body,
  };
}

/** cosign's legacy `--bundle` file: {base64Signature, cert, rekorBundle:{SignedEntryTimestamp, Payload}} (protocols.md §11.2). */
export function readLegacyBundle(path: string): EntryFacts & { set: string } {
  const b = JSON.parse(readFileSync(path, 'utf8'));
  const p = b.rekorBundle?.Payload;
  if (!p || !b.rekorBundle.SignedEntryTimestamp) throw new Error(`${path} has no rekorBundle: ${JSON.stringify(b).slice(0, 300)}`);
  return { ...facts(p.body, p.logIndex, p.logID), set: b.rekorBundle.SignedEntryTimestamp };
}

/** The single tlog entry of a Sigstore protobuf bundle (dev.sigstore.bundle.v1, protocols.md §11.1). */
export function readSigstoreBundle(path: string): EntryFacts & { mediaType: string; kindVersion: { kind: string; version: string }; checkpoint?: string; hasPromise: boolean; treeSize?: number } {
  const b = JSON.parse(readFileSync(path, 'utf8'));
  const entries = b.verificationMaterial?.tlogEntries ?? [];
  if (entries.length !== 1) throw new Error(`${path}: expected one tlog entry, got ${entries.length}`);
  const e = entries[0];
  return {
    ...facts(e.canonicalizedBody, e.logIndex, Buffer.from(e.logId.keyId, 'base64').toString('hex')),
    mediaType: b.mediaType,
    kindVersion: e.kindVersion,
    checkpoint: e.inclusionProof?.checkpoint?.envelope,
    treeSize: e.inclusionProof ? Number(e.inclusionProof.treeSize) : undefined,
    hasPromise: Boolean(e.inclusionPromise?.signedEntryTimestamp),
  };
}

/** hex SHA-256 of the DER SPKI in a PEM public key file: a Rekor log ID. */
export function logIdOf(pemPath: string): string {
  return createHash('sha256').update(createPublicKey(readFileSync(pemPath)).export({ type: 'spki', format: 'der' })).digest('hex');
}
