import { bytesEqual, concat, ExplorerError, sha256 } from '../bytes.js';

/** RFC 6962 §2.1: the hash of a leaf is SHA-256(0x00 ‖ leaf). */
export function leafHash(leaf: Uint8Array): Promise<Uint8Array> {
  return sha256(new Uint8Array([0]), leaf);
}

/** RFC 6962 §2.1: an interior node is SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(concat(new Uint8Array([1]), left, right));
}

/** More proof hashes than any tree of 2^63 leaves needs: a longer proof is refused before hashing. */
export const MAX_PROOF_HASHES = 63;

/**
 * RFC 9162 §2.1.3.2: the root that an inclusion proof of `leaf` at `index` in a tree
 * of `size` leaves leads to. Throws BAD_PROOF when the proof has the wrong shape for
 * (index, size); the caller compares the result with the root it trusts. Sizes are
 * JavaScript numbers: exact up to 2^53, beyond any log here, and division is used
 * rather than bit operators (which are 32-bit).
 */
export async function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Promise<Uint8Array> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new ExplorerError('BAD_PROOF', `index ${index} is not inside a tree of size ${size}`);
  if (proof.length > MAX_PROOF_HASHES) throw new ExplorerError('BAD_PROOF', `a proof of ${proof.length} hashes is too long`);
  for (const p of proof) if (p.length !== 32) throw new ExplorerError('BAD_PROOF', 'every proof hash must be 32 bytes');
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new ExplorerError('BAD_PROOF', 'the proof has more hashes than the tree needs');
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ExplorerError('BAD_PROOF', 'the proof has fewer hashes than the tree needs');
  return r;
}

/** Whether the proof leads from `leaf` to `root`. */
export async function inclusionProofHolds(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): Promise<boolean> {
  return bytesEqual(await rootFromInclusionProof(index, size, leaf, proof), root);
}
