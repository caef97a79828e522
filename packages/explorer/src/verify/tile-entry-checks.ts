import { bytesEqual, toHex } from '../bytes.js';
import type { Check } from './entry-checks.js';
import type { CheckpointSignatureResult } from './log-keys.js';
import { leafHash, rootFromInclusionProof } from './merkle.js';
import type { Checkpoint } from './note.js';
import { inclusionProofFromTiles, tilePath, tileWidth, type TileReader } from './tile-proof.js';

/**
 * What the page checks of an entry read from a log's tiles (the CT log, Rekor v2):
 * the checkpoint is signed by a trusted log key (already verified by the caller, whose
 * result is passed in, so the signature is checked once); the leaf hash computed here
 * from the entry bundle's bytes is the one the log's level-0 tile holds; the inclusion
 * proof built from the hash tiles leads from that leaf to the root of that checkpoint.
 * The tiles are not trusted: a changed tile gives another root.
 */
export async function checkTileEntry(
  entry: Uint8Array,
  index: number,
  cp: Checkpoint,
  sig: CheckpointSignatureResult,
  read: TileReader,
): Promise<Check[]> {
  const checks: Check[] = [
    sig.ok
      ? { id: 'checkpoint-signature', ok: true, title: 'checkpoint signature verified', detail: sig.detail }
      : { id: 'checkpoint-signature', ok: false, title: 'checkpoint signature FAILED', detail: sig.detail },
  ];
  const leaf = await leafHash(entry);
  try {
    const tile = await read(tilePath(0, Math.floor(index / 256), tileWidth(0, Math.floor(index / 256), cp.size)));
    const at = (index % 256) * 32;
    const listed = tile.subarray(at, at + 32);
    checks.push(
      bytesEqual(listed, leaf)
        ? { id: 'leaf-hash', ok: true, title: 'leaf hash matches the entry', detail: `SHA-256(0x00 ‖ entry) = ${toHex(leaf)}, as in the log's level-0 tile` }
        : { id: 'leaf-hash', ok: false, title: 'leaf hash does NOT match the entry', detail: `SHA-256(0x00 ‖ entry) = ${toHex(leaf)}, the tile lists ${toHex(listed)}` },
    );
  } catch (e) {
    checks.push({ id: 'leaf-hash', ok: false, title: 'leaf hash not checked', detail: (e as Error).message });
  }
  try {
    const proof = await inclusionProofFromTiles(index, cp.size, read);
    const root = await rootFromInclusionProof(index, cp.size, leaf, proof);
    checks.push(
      bytesEqual(root, cp.rootHash)
        ? { id: 'inclusion', ok: true, title: 'inclusion proof verified', detail: `built from the hash tiles: leaf ${index} of a tree of ${cp.size}, ${proof.length} hashes, root ${toHex(root)}` }
        : { id: 'inclusion', ok: false, title: 'inclusion proof FAILED', detail: `the proof built from the tiles leads to ${toHex(root)}, not to the checkpoint root ${toHex(cp.rootHash)}` },
    );
  } catch (e) {
    checks.push({ id: 'inclusion', ok: false, title: 'inclusion proof FAILED', detail: (e as Error).message });
  }
  const proven = checks.find((c) => c.id === 'inclusion')!.ok;
  checks.push({
    id: 'checkpoint-root',
    ok: proven && sig.ok,
    title: proven && sig.ok ? 'the signed checkpoint commits to the proven root' : 'the signed checkpoint does NOT commit to this entry',
    detail: `"${cp.origin}", size ${cp.size}, root ${toHex(cp.rootHash)}`,
  });
  return checks;
}
