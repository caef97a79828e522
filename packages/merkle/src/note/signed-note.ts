import { LogError } from '../errors.js';

/**
 * C2SP signed-note (c2sp.org/signed-note):
 *
 *     <text, every line ending in \n>
 *     <blank line>
 *     — <key name> <base64(4-byte key ID ‖ signature)>\n     (one or more)
 *
 * The signed message is the text including its final newline, not the blank line.
 * The text is separated from the signatures by the *last* blank line. Notes are UTF-8
 * with no control characters other than newline.
 */

/** Notes larger than this are rejected before parsing (16 post-quantum signatures fit). */
export const MAX_NOTE_BYTES = 256 * 1024;
/** At most this many signature lines (C2SP: verifiers must accept at least 16). */
export const MAX_NOTE_SIGNATURES = 64;

const EM_DASH = '\u2014';
const SIG_PREFIX = `${EM_DASH} `;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Control characters other than \n are forbidden anywhere in a note.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Signs note text. Implementations: note-signer.ts (ECDSA/Rekor v1 style, Ed25519/C2SP). */
export interface NoteSigner {
  /** Key name written in the signature line. No spaces, no '+'. */
  readonly name: string;
  /** First 4 bytes of `keyId`, written before the signature. */
  readonly keyHint: Buffer;
  /** The full key ID (Rekor v2's `logId.keyId`, the trusted root's checkpointKeyId). */
  readonly keyId: Buffer;
  /** Signs the note text (the message) and returns the raw signature bytes. */
  sign(msg: Buffer): Promise<Buffer>;
}

/** Verifies signatures of one key. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyHint: Buffer;
  readonly keyId: Buffer;
  verify(msg: Buffer, signature: Buffer): boolean;
}

export interface NoteSignature {
  name: string;
  /** The 4-byte key ID prefix. */
  keyHint: Buffer;
  signature: Buffer;
}

export interface Note {
  /** The signed text, ending in \n. */
  text: string;
  signatures: NoteSignature[];
}

export interface VerifiedNote extends Note {
  /** The signatures that verified with a known key. */
  verified: NoteSignature[];
}

/** Parses a signed note strictly (no verification). Throws INVALID_NOTE. */
export function parseNote(input: string | Uint8Array): Note {
  const note = typeof input === 'string' ? input : decodeUtf8(input);
  if (Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) throw invalid(`note is larger than ${MAX_NOTE_BYTES} bytes`);
  if (CONTROL.test(note)) throw invalid('note contains control characters');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw invalid('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) throw invalid('signature lines must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw invalid(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map(parseSignatureLine);
  checkText(text);
  return { text, signatures };
}

/** The note text followed by its signature lines. */
export function formatNote(note: Note): string {
  checkText(note.text);
  if (note.signatures.length === 0) throw invalid('a note needs at least one signature');
  let out = `${note.text}\n`;
  for (const s of note.signatures) {
    checkKeyName(s.name);
    if (s.keyHint.length !== 4) throw invalid('key hint must be 4 bytes');
    out += `${SIG_PREFIX}${s.name} ${Buffer.concat([s.keyHint, s.signature]).toString('base64')}\n`;
  }
  return out;
}

/** Signs `text` with each signer, in order, and returns the signed note. */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  checkText(text);
  const msg = Buffer.from(text, 'utf8');
  const signatures: NoteSignature[] = [];
  for (const s of signers) signatures.push({ name: s.name, keyHint: s.keyHint, signature: await s.sign(msg) });
  return formatNote({ text, signatures });
}

/**
 * Parses and verifies a note (C2SP rules): signatures from unknown keys (no verifier
 * with the same name *and* key hint) are ignored; a signature from a known key that
 * fails rejects the whole note; at least one known signature must verify.
 * Throws INVALID_NOTE.
 */
export function verifyNote(input: string | Uint8Array, verifiers: readonly NoteVerifier[]): VerifiedNote {
  const note = parseNote(input);
  const msg = Buffer.from(note.text, 'utf8');
  const verified: NoteSignature[] = [];
  for (const s of note.signatures) {
    const v = verifiers.find((k) => k.name === s.name && k.keyHint.equals(s.keyHint));
    if (!v) continue;
    if (!v.verify(msg, s.signature)) throw invalid(`signature by ${s.name} does not verify`);
    verified.push(s);
  }
  if (verified.length === 0) throw invalid('no signature by a known key');
  return { ...note, verified };
}

/** Key names are non-empty and contain no Unicode space and no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !CONTROL.test(name) && !name.includes('\n');
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) throw invalid('signature line does not start with an em dash and a space');
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw invalid('signature line has no signature');
  const name = rest.slice(0, space);
  const b64 = rest.slice(space + 1);
  checkKeyName(name);
  if (!BASE64.test(b64)) throw invalid(`signature by ${name} is not canonical base64`);
  const raw = Buffer.from(b64, 'base64');
  if (raw.length < 5 || raw.toString('base64') !== b64) throw invalid(`signature by ${name} is too short or not canonical`);
  return { name, keyHint: raw.subarray(0, 4), signature: raw.subarray(4) };
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n')) throw invalid('note text must end with a newline');
  if (CONTROL.test(text)) throw invalid('note text contains control characters');
  if (Buffer.byteLength(text, 'utf8') > MAX_NOTE_BYTES) throw invalid(`note text is larger than ${MAX_NOTE_BYTES} bytes`);
}

function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) throw invalid(`invalid key name ${JSON.stringify(name)}`);
}

function decodeUtf8(b: Uint8Array): string {
  if (b.length > MAX_NOTE_BYTES) throw invalid(`note is larger than ${MAX_NOTE_BYTES} bytes`);
  try {
    return UTF8.decode(b);
  } catch (cause) {
    throw new LogError('INVALID_NOTE', 'note is not valid UTF-8', { cause });
  }
}

function invalid(message: string): LogError {
  return new LogError('INVALID_NOTE', message);
}
