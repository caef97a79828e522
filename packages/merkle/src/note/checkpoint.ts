import { LogError } from '../errors.js';
import { HASH_SIZE } from '../hash.js';
import { signNote, verifyNote, type NoteSigner, type NoteVerifier } from './signed-note.js';

/**
 * C2SP tlog-checkpoint: the body of a signed note
 *
 *     <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]*
 *
 * Rekor v1 uses origin `<hostname> - <treeID>`; Rekor v2 and static CT use the bare
 * log name. Sizes are limited to 2^53 − 1 (indices are JavaScript numbers).
 */
export interface CheckpointBody {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** Extension lines, without their newlines. Avoid emitting them (protocols.md §7.6). */
  extensions: string[];
}

/** The longest origin line accepted. */
export const MAX_ORIGIN_LENGTH = 1024;

const SIZE_RE = /^(?:0|[1-9][0-9]{0,15})$/;
const ROOT_RE = /^[A-Za-z0-9+/]{43}=$/;

export function formatCheckpointBody(cp: { origin: string; size: number; rootHash: Uint8Array; extensions?: readonly string[] }): string {
  checkOrigin(cp.origin);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw invalid(`bad checkpoint size ${cp.size}`);
  if (cp.rootHash.length !== HASH_SIZE) throw invalid(`root hash must be ${HASH_SIZE} bytes`);
  let s = `${cp.origin}\n${cp.size}\n${Buffer.from(cp.rootHash).toString('base64')}\n`;
  for (const e of cp.extensions ?? []) {
    if (e.length === 0 || e.includes('\n')) throw invalid('extension lines must be non-empty single lines');
    s += `${e}\n`;
  }
  return s;
}

/** Parses a checkpoint body (the text of a verified note). Throws INVALID_NOTE. */
export function parseCheckpointBody(text: string): CheckpointBody {
  if (!text.endsWith('\n')) throw invalid('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw invalid('checkpoint needs origin, size and root hash lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  checkOrigin(origin);
  if (!SIZE_RE.test(sizeLine)) throw invalid(`checkpoint size ${JSON.stringify(sizeLine)} is not a canonical decimal`);
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw invalid(`checkpoint size ${sizeLine} is too large`);
  if (!ROOT_RE.test(rootLine)) throw invalid('checkpoint root hash is not base64 of 32 bytes');
  const rootHash = Buffer.from(rootLine, 'base64');
  if (rootHash.toString('base64') !== rootLine) throw invalid('checkpoint root hash is not canonical base64');
  for (const e of extensions) if (e.length === 0) throw invalid('checkpoint has an empty extension line');
  return { origin, size, rootHash, extensions };
}

/** Signs a checkpoint body; returns the complete signed note. */
export async function signCheckpoint(
  cp: { origin: string; size: number; rootHash: Uint8Array; extensions?: readonly string[] },
  signers: readonly NoteSigner[],
): Promise<string> {
  return signNote(formatCheckpointBody(cp), signers);
}

/**
 * Verifies a signed checkpoint note with known keys (see verifyNote) and parses it.
 * With `origin`, also requires the origin line to equal it (as transparency-dev's
 * ParseCheckpoint and sigstore-go do). Throws INVALID_NOTE.
 */
export function verifyCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  opts: { origin?: string } = {},
): CheckpointBody & { text: string } {
  const v = verifyNote(note, verifiers);
  const body = parseCheckpointBody(v.text);
  if (opts.origin !== undefined && body.origin !== opts.origin)
    throw invalid(`checkpoint origin ${JSON.stringify(body.origin)} is not ${JSON.stringify(opts.origin)}`);
  return { ...body, text: v.text };
}

export function checkOrigin(origin: string): void {
  if (origin.length === 0 || origin.length > MAX_ORIGIN_LENGTH) throw invalid('checkpoint origin must be 1..1024 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(origin)) throw invalid('checkpoint origin contains control characters');
}

function invalid(message: string): LogError {
  return new LogError('INVALID_NOTE', message);
}
