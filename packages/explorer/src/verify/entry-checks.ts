import { bytesEqual, fromBase64, fromHex, toHex, utf8 } from '../bytes.js';
import { setPayload, type RekorEntry } from '../decode/entry.js';
import { verifyCheckpointSignature, verifyWithKey, type LogKey } from './log-keys.js';
import { leafHash, rootFromInclusionProof } from './merkle.js';
import { parseCheckpoint } from './note.js';

/** One check the page ran, as it shows it. `id` names it for tests and styles. */
export interface Check {
  id: 'uuid' | 'leaf-hash' | 'inclusion' | 'checkpoint-root' | 'checkpoint-signature' | 'set';
  ok: boolean;
  title: string;
  detail: string;
}

/**
 * Everything the page checks of a Rekor v1 entry, in the browser, from the entry
 * alone and the trusted log keys: the UUID is the leaf hash of the body; the inclusion
 * proof leads from that leaf to its root hash (RFC 9162); the checkpoint commits to
 * that root and size; the checkpoint is signed by a trusted log key; the signed entry
 * timestamp verifies. Nothing the server says about validity is taken on its word.
 */
export async function checkRekorEntry(e: RekorEntry, tlogKeys: readonly LogKey[]): Promise<Check[]> {
  const checks: Check[] = [];
  const leaf = await leafHash(fromBase64(e.body, 'entry body'));
  const uuidLeaf = e.uuid.slice(-64);
  checks.push(
    bytesEqual(leaf, fromHex(uuidLeaf, 'UUID'))
      ? { id: 'uuid', ok: true, title: 'entry UUID matches the body', detail: `SHA-256(0x00 ‖ body) = ${toHex(leaf)}` }
      : { id: 'uuid', ok: false, title: 'entry UUID does NOT match the body', detail: `leaf hash ${toHex(leaf)} ≠ ${uuidLeaf}` },
  );
  const p = e.verification?.inclusionProof;
  if (!p) {
    checks.push({ id: 'inclusion', ok: false, title: 'inclusion proof FAILED', detail: 'the entry has no inclusion proof' });
    return checks;
  }
  let root: Uint8Array | undefined;
  try {
    if (p.logIndex !== e.logIndex) throw new Error(`the proof is for index ${p.logIndex}, the entry is at ${e.logIndex}`);
    const computed = await rootFromInclusionProof(p.logIndex, p.treeSize, leaf, p.hashes.map((h) => fromHex(h, 'proof hash')));
    root = fromHex(p.rootHash, 'root hash');
    if (!bytesEqual(computed, root)) throw new Error(`the proof leads to ${toHex(computed)}, not to the root hash ${p.rootHash}`);
    checks.push({
      id: 'inclusion',
      ok: true,
      title: 'inclusion proof verified',
      detail: `leaf ${p.logIndex} of a tree of ${p.treeSize}, ${p.hashes.length} hashes, root ${p.rootHash}`,
    });
  } catch (err) {
    checks.push({ id: 'inclusion', ok: false, title: 'inclusion proof FAILED', detail: (err as Error).message });
    root = undefined;
  }
  try {
    const sig = await verifyCheckpointSignature(p.checkpoint, tlogKeys);
    const cp = sig.note ? parseCheckpoint(sig.note.text) : undefined;
    if (!cp) throw new Error(sig.detail);
    if (cp.size !== p.treeSize || !bytesEqual(cp.rootHash, fromHex(p.rootHash, 'root hash')))
      checks.push({ id: 'checkpoint-root', ok: false, title: 'checkpoint does NOT match the proof', detail: `checkpoint size ${cp.size}, root ${toHex(cp.rootHash)}` });
    else checks.push({ id: 'checkpoint-root', ok: !!root, title: root ? 'checkpoint commits to the proven root' : 'checkpoint root not reached by the proof', detail: `"${cp.origin}", size ${cp.size}` });
    checks.push(
      sig.ok
        ? { id: 'checkpoint-signature', ok: true, title: 'checkpoint signature verified', detail: sig.detail }
        : { id: 'checkpoint-signature', ok: false, title: 'checkpoint signature FAILED', detail: sig.detail },
    );
  } catch (err) {
    checks.push({ id: 'checkpoint-signature', ok: false, title: 'checkpoint signature FAILED', detail: (err as Error).message });
  }
  const set = e.verification?.signedEntryTimestamp;
  const key = tlogKeys.find((k) => toHex(k.logId) === e.logID);
  if (set && key) {
    const ok = await verifyWithKey(key, utf8(setPayload(e)), fromBase64(set, 'signed entry timestamp'));
    checks.push({ id: 'set', ok, title: ok ? 'signed entry timestamp verified' : 'signed entry timestamp FAILED', detail: `log ID ${e.logID.slice(0, 16)}…, integrated ${new Date(e.integratedTime * 1000).toISOString()}` });
  } else {
    checks.push({ id: 'set', ok: false, title: 'signed entry timestamp not checked', detail: key ? 'the entry has none' : `no trusted log has the ID ${e.logID}` });
  }
  return checks;
}
