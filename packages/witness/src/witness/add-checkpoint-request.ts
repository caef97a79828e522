import { HASH_SIZE } from '@sigstack/merkle';
import { WitnessError } from '../errors.js';

/**
 * The C2SP tlog-witness add-checkpoint request body:
 *
 *     old <size>\n
 *     <base64 hash>\n            (0..63 consistency proof lines)
 *     \n
 *     <checkpoint: a signed note>
 */
export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The checkpoint note as sent (verified later, against the origin's keys). */
  checkpoint: string;
}

/** C2SP: the client MUST NOT send more than 63 consistency proof lines. */
export const MAX_PROOF_LINES = 63;

const OLD_LINE = /^old (0|[1-9][0-9]{0,15})$/;
const HASH_LINE = /^[A-Za-z0-9+/]{43}=$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a request body strictly. Throws MALFORMED_REQUEST naming what is wrong. */
export function parseAddCheckpointRequest(body: Uint8Array): AddCheckpointRequest {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch (cause) {
    throw new WitnessError('MALFORMED_REQUEST', 'the request body is not UTF-8', { cause });
  }
  let pos = 0;
  const nextLine = (what: string): string => {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) throw malformed(`the request ends before ${what} (every line ends in a newline)`);
    const line = text.slice(pos, nl);
    pos = nl + 1;
    return line;
  };
  const first = OLD_LINE.exec(nextLine('the old size line'));
  if (!first) throw malformed('the first line must be "old <size>" (decimal, no leading zeros)');
  const oldSize = Number(first[1]);
  if (!Number.isSafeInteger(oldSize)) throw malformed('the old size is too large');
  const proof: Buffer[] = [];
  for (;;) {
    const line = nextLine('the blank line after the proof');
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) throw malformed(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    if (!HASH_LINE.test(line)) throw malformed(`consistency proof line ${proof.length + 1} is not the base64 of a ${HASH_SIZE}-byte hash`);
    const hash = Buffer.from(line, 'base64');
    if (hash.toString('base64') !== line) throw malformed(`consistency proof line ${proof.length + 1} is not canonical base64`);
    proof.push(hash);
  }
  const checkpoint = text.slice(pos);
  if (checkpoint.length === 0) throw malformed('the request has no checkpoint after the blank line');
  return { oldSize, proof, checkpoint };
}

/** The request body for `checkpoint` (a signed note), from `oldSize` with `proof`. */
export function formatAddCheckpointRequest(oldSize: number, proof: readonly Uint8Array[], checkpoint: string): string {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw new WitnessError('INVALID_OPTIONS', `bad old size ${oldSize}`);
  if (proof.length > MAX_PROOF_LINES) throw new WitnessError('INVALID_OPTIONS', `a consistency proof has at most ${MAX_PROOF_LINES} hashes`);
  let s = `old ${oldSize}\n`;
  for (const h of proof) s += `${Buffer.from(h).toString('base64')}\n`;
  return `${s}\n${checkpoint}`;
}

function malformed(message: string): WitnessError {
  return new WitnessError('MALFORMED_REQUEST', message);
}
