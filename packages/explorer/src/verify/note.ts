import { ExplorerError, fromBase64 } from '../bytes.js';

/** C2SP signed-note: the text, then a blank line, then one `— <name> <base64(hint ‖ sig)>` line per signature. */
export interface NoteSignature {
  name: string;
  keyHint: Uint8Array;
  signature: Uint8Array;
}

export interface Note {
  /** The signed text, with its final newline. */
  text: string;
  signatures: NoteSignature[];
}

/** C2SP tlog-checkpoint body. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

/** A note larger than this is refused before parsing (the server's own limit is 256 KiB). */
export const MAX_NOTE_BYTES = 256 * 1024;
const MAX_SIGNATURES = 64;
const SIG_PREFIX = '\u2014 ';

export function parseNote(note: string): Note {
  if (note.length > MAX_NOTE_BYTES) throw new ExplorerError('BAD_NOTE', `note is larger than ${MAX_NOTE_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(note)) throw new ExplorerError('BAD_NOTE', 'note contains control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new ExplorerError('BAD_NOTE', 'note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) throw new ExplorerError('BAD_NOTE', 'signature lines must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new ExplorerError('BAD_NOTE', `more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIG_PREFIX)) throw new ExplorerError('BAD_NOTE', 'a signature line does not start with an em dash');
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.lastIndexOf(' ');
    if (sp <= 0) throw new ExplorerError('BAD_NOTE', 'a signature line has no key name');
    const bytes = fromBase64(rest.slice(sp + 1), 'note signature');
    if (bytes.length < 5) throw new ExplorerError('BAD_NOTE', 'a note signature is too short');
    return { name: rest.slice(0, sp), keyHint: bytes.slice(0, 4), signature: bytes.slice(4) };
  });
  return { text, signatures };
}

/** Origin, size, root hash and extension lines of a checkpoint's text. */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new ExplorerError('BAD_CHECKPOINT', 'a checkpoint has at least three lines');
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  if (!origin) throw new ExplorerError('BAD_CHECKPOINT', 'the checkpoint origin is empty');
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine)))
    throw new ExplorerError('BAD_CHECKPOINT', 'the checkpoint size is not a decimal number');
  const rootHash = fromBase64(rootLine, 'checkpoint root hash');
  if (rootHash.length !== 32) throw new ExplorerError('BAD_CHECKPOINT', 'the checkpoint root hash is not 32 bytes');
  return { origin, size: Number(sizeLine), rootHash, extensions: lines.slice(3, -1) };
}

/** The cosignature/v1 timestamp (C2SP tlog-cosignature: u64 seconds ‖ 64-byte Ed25519 signature), if the signature has that shape. */
export function cosignatureTime(sig: Uint8Array): number | undefined {
  if (sig.length !== 72) return undefined;
  let t = 0;
  for (let i = 0; i < 8; i++) t = t * 256 + sig[i]!;
  return Number.isSafeInteger(t) ? t : undefined;
}
