import { Metadata, Root, Signature, Snapshot, Targets, Timestamp, type Key } from '@tufjs/models';
import type { Signer } from '@sigstack/core';
import { TufError } from '../errors.js';
import { toTufKey } from './tuf-key.js';

export type AnySigned = Root | Targets | Snapshot | Timestamp;
export type RoleName = 'root' | 'targets' | 'snapshot' | 'timestamp';
export const ROLE_NAMES: readonly RoleName[] = ['root', 'targets', 'snapshot', 'timestamp'];

/**
 * The exact bytes a keyholder signs: the OLPC canonical JSON of `signed`, as
 * @tufjs/models computes it in Metadata.sign. Taking them from the library (through
 * a throwaway envelope) rather than re-implementing canonicalisation means that what
 * we sign is by construction what tuf-js verifies.
 */
export function signingPayload(signed: AnySigned): Buffer {
  let bytes: Buffer | undefined;
  new Metadata(signed).sign((data) => {
    bytes = Buffer.from(data);
    return new Signature({ keyID: '-', sig: '' });
  });
  if (!bytes) throw new TufError('INVALID_INPUT', 'metadata produced no signing payload');
  return bytes;
}

/** Signs `md` with `signer`, replacing an earlier signature by the same key. */
export async function signMetadata<T extends AnySigned>(md: Metadata<T>, signer: Signer): Promise<Key> {
  const key = toTufKey(signer.publicKey);
  const sig = await signer.sign(signingPayload(md.signed));
  md.signatures[key.keyID] = new Signature({ keyID: key.keyID, sig: sig.toString('hex') });
  return key;
}

/** Whether `key` made a valid signature on `md` (false when it did not sign at all). */
export function hasValidSignature(md: Metadata<AnySigned>, key: Key): boolean {
  if (!md.signatures[key.keyID]) return false;
  try {
    key.verifySignature(md);
    return true;
  } catch {
    return false;
  }
}

export interface ThresholdReport {
  role: RoleName;
  threshold: number;
  /** Listed key IDs with a valid signature. */
  valid: string[];
  /** Listed key IDs with a signature that does not verify. */
  invalid: string[];
  /** Listed key IDs that have not signed. */
  missing: string[];
  /** Signatures by keys the role does not list (ignored by clients). */
  unknown: string[];
  met: boolean;
}

/** Counts `md`'s valid signatures against `role` as listed in `root` (distinct keyids). */
export function checkThreshold(md: Metadata<AnySigned>, root: Root, role: RoleName): ThresholdReport {
  const r = root.roles[role];
  if (!r) throw new TufError('MALFORMED_METADATA', `root version ${root.version} lists no ${role} role`);
  const valid: string[] = [];
  const invalid: string[] = [];
  const missing: string[] = [];
  for (const id of new Set(r.keyIDs)) {
    const key = root.keys[id];
    if (!md.signatures[id]) missing.push(id);
    else if (key && hasValidSignature(md, key)) valid.push(id);
    else invalid.push(id);
  }
  const unknown = Object.keys(md.signatures).filter((id) => !r.keyIDs.includes(id));
  return { role, threshold: r.threshold, valid, invalid, missing, unknown, met: valid.length >= r.threshold };
}

/** Throws THRESHOLD_NOT_MET unless `md` carries `role`'s threshold of valid signatures under `root`. */
export function verifyThreshold(md: Metadata<AnySigned>, root: Root, role: RoleName, what = `${role} version ${md.signed.version}`): void {
  const rep = checkThreshold(md, root, role);
  if (!rep.met) {
    const bad = rep.invalid.length ? `; ${rep.invalid.length} signature(s) do not verify (tampered or wrong payload)` : '';
    throw new TufError('THRESHOLD_NOT_MET', `${what} has ${rep.valid.length} valid signature(s) of the ${rep.threshold} required by root version ${root.version}${bad}`);
  }
}
