import { createHash, verify, type KeyObject } from 'node:crypto';

/** A Rekor v1 checkpoint (protocols.md §6.6), parsed. */
export interface ParsedCheckpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** The signed text: the note lines up to and including the root hash line's "\n". */
  text: string;
  signatures: { name: string; keyHint: Buffer; signature: Buffer }[];
}

export function parseCheckpoint(note: string): ParsedCheckpoint {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error(`checkpoint has no blank line:\n${note}`);
  const text = note.slice(0, split + 1);
  const [origin, size, root] = text.split('\n');
  if (!origin || !/^\d+$/.test(size ?? '') || !root) throw new Error(`malformed checkpoint body:\n${note}`);
  const signatures = note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Error(`malformed checkpoint signature line ${JSON.stringify(line)}`);
      const blob = Buffer.from(m[2]!, 'base64');
      return { name: m[1]!, keyHint: blob.subarray(0, 4), signature: blob.subarray(4) };
    });
  return { origin, size: Number(size), rootHash: Buffer.from(root, 'base64'), text, signatures };
}

/**
 * Checks what rekor's verifier checks: at least one signature line, and every line
 * carries the key hint of `key` (first 4 bytes of SHA-256(SPKI)) and verifies over the text.
 */
export function verifyCheckpointSignature(cp: ParsedCheckpoint, key: KeyObject): void {
  const hint = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest().subarray(0, 4);
  if (cp.signatures.length === 0) throw new Error('checkpoint carries no signature');
  for (const s of cp.signatures) {
    if (!s.keyHint.equals(hint)) throw new Error(`checkpoint signature "${s.name}" has key hint ${s.keyHint.toString('hex')}, the log key's is ${hint.toString('hex')}`);
    if (!verify('sha256', Buffer.from(cp.text), key, s.signature)) throw new Error(`checkpoint signature "${s.name}" does not verify`);
  }
}
