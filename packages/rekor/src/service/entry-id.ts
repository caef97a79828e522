import { RekorError } from '../errors.js';

/**
 * Rekor v1 identifiers (protocols.md §6.4):
 * - UUID    = 64 lower-hex characters, the RFC 6962 leaf hash of the canonical body;
 * - entryID = 16 hex characters of the tree ID, then the UUID (80 characters).
 * rekor-cli parses the tree part, so it must be a non-zero positive int64.
 */
export interface ParsedEntryId {
  uuid: string;
  treeId?: bigint;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX80 = /^[0-9a-f]{80}$/;

export function parseEntryId(id: string): ParsedEntryId {
  const s = id.toLowerCase();
  if (HEX64.test(s)) return { uuid: s };
  if (HEX80.test(s)) {
    const treeId = BigInt('0x' + s.slice(0, 16));
    if (treeId === 0n || treeId > 0x7fffffffffffffffn) throw new RekorError('INVALID_ID', `entry ID ${id} has an invalid tree ID`);
    return { uuid: s.slice(16), treeId };
  }
  throw new RekorError('INVALID_ID', `"${truncate(id)}" is not a valid entry UUID (64 hex characters) or entry ID (80 hex characters)`);
}

export function formatEntryId(treeId: bigint, uuid: string): string {
  return treeId.toString(16).padStart(16, '0') + uuid;
}

/** A random positive, non-zero int63 as upstream Trillian assigns tree IDs. */
export function randomTreeId(random: (n: number) => Buffer): bigint {
  for (;;) {
    const id = random(8).readBigUInt64BE() & 0x7fffffffffffffffn;
    if (id !== 0n) return id;
  }
}

function truncate(s: string): string {
  return s.length > 100 ? s.slice(0, 100) + '…' : s;
}
