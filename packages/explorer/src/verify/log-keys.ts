import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesEqual, concat, ExplorerError, sha256, utf8 } from '../bytes.js';
import { parseNote, type Note, type NoteSignature } from './note.js';

/** A log public key from trusted_root.json, ready to verify checkpoints and signed entry timestamps. */
export interface LogKey {
  /** 'tlog' (Rekor v1 or v2) or 'ctlog'. */
  kind: 'tlog' | 'ctlog';
  baseUrl: string;
  algorithm: 'ecdsa-p256-sha256' | 'ed25519';
  /** DER SubjectPublicKeyInfo, as in the trusted root. */
  spki: Uint8Array;
  /** The trusted root's log ID (SHA-256 of the SPKI for Rekor v1 and CT logs). */
  logId: Uint8Array;
}

const P256_SPKI_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';
const ED25519_SPKI_PREFIX = '302a300506032b6570032100';

function hexPrefix(b: Uint8Array, n: number): string {
  return Array.from(b.slice(0, n), (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The raw public key inside an SPKI of the named algorithm (65-byte P-256 point or 32-byte Ed25519 key). */
export function rawKeyOf(key: Pick<LogKey, 'algorithm' | 'spki'>): Uint8Array {
  if (key.algorithm === 'ecdsa-p256-sha256') {
    if (key.spki.length !== 91 || hexPrefix(key.spki, 26) !== P256_SPKI_PREFIX) throw new ExplorerError('BAD_TRUSTED_ROOT', 'not a P-256 SubjectPublicKeyInfo');
    return key.spki.slice(26);
  }
  if (key.spki.length !== 44 || hexPrefix(key.spki, 12) !== ED25519_SPKI_PREFIX) throw new ExplorerError('BAD_TRUSTED_ROOT', 'not an Ed25519 SubjectPublicKeyInfo');
  return key.spki.slice(12);
}

/**
 * The 4-byte key hint a log's checkpoint signature carries for this key under the
 * signature line's `name`: for ECDSA (Rekor v1, CT), the first bytes of SHA-256 of the
 * SPKI; for Ed25519 (C2SP, Rekor v2), of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key).
 */
export async function noteKeyHint(key: LogKey, name: string): Promise<Uint8Array> {
  const id = key.algorithm === 'ed25519' ? await sha256(concat(utf8(name), new Uint8Array([0x0a, 0x01]), rawKeyOf(key))) : await sha256(key.spki);
  return id.slice(0, 4);
}

/** ECDSA P-256 (DER signature, SHA-256 via WebCrypto, high-S accepted as Go and OpenSSL sign both) or Ed25519, with @noble/curves. */
export async function verifyWithKey(key: LogKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    if (key.algorithm === 'ed25519') return signature.length === 64 && ed25519.verify(signature, message, rawKeyOf(key));
    return p256.verify(signature, await sha256(message), rawKeyOf(key), { format: 'der', lowS: false, prehash: false });
  } catch {
    return false;
  }
}

export interface CheckpointSignatureResult {
  ok: boolean;
  /** What the page shows: which key verified, or why nothing did. */
  detail: string;
  note?: Note;
  /** The signature that verified, and the key it verified with. */
  signature?: NoteSignature;
  key?: LogKey;
  /** Signatures by keys the page does not hold (witness cosignatures, other logs). */
  others: NoteSignature[];
}

/**
 * C2SP rules: signatures by unknown keys are ignored; a signature whose name and hint
 * match a trusted key must verify (a failing one fails the note); at least one must.
 */
export async function verifyCheckpointSignature(noteText: string, keys: readonly LogKey[]): Promise<CheckpointSignatureResult> {
  let note: Note;
  try {
    note = parseNote(noteText);
  } catch (e) {
    return { ok: false, detail: (e as Error).message, others: [] };
  }
  const others: NoteSignature[] = [];
  let good: { signature: NoteSignature; key: LogKey } | undefined;
  const msg = utf8(note.text);
  for (const s of note.signatures) {
    let matched: LogKey | undefined;
    for (const k of keys) if (bytesEqual(await noteKeyHint(k, s.name), s.keyHint)) matched = k;
    if (!matched) {
      others.push(s);
      continue;
    }
    if (!(await verifyWithKey(matched, msg, s.signature)))
      return { ok: false, detail: `the signature by "${s.name}" does not verify with the ${matched.kind} key of ${matched.baseUrl}`, note, others };
    good ??= { signature: s, key: matched };
  }
  if (!good) return { ok: false, detail: 'no signature by a key of the trusted root', note, others };
  return { ok: true, detail: `signed by "${good.signature.name}" with the ${good.key.algorithm} key of ${good.key.baseUrl}`, note, ...good, others };
}
