import { isSize } from '../bits.js';
import { LogError } from '../errors.js';
import { HASH_SIZE, nodeHash } from '../hash.js';

/** No tree of 2^64 leaves or fewer needs a longer proof. */
export const MAX_PROOF_LENGTH = 64;

/**
 * The root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1–4). Throws
 * INVALID_PROOF when the proof has the wrong shape for (index, size); comparing the
 * result against a trusted root is the caller's job (see verifyInclusion).
 */
export function rootFromInclusion(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Buffer {
  if (!isSize(index) || !isSize(size) || index >= size)
    throw new LogError('INVALID_PROOF', `leaf index ${index} is not inside a tree of size ${size}`);
  checkHashes(leafHash, proof);
  // fn is the leaf's position and sn the last position, walked up level by level.
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) throw new LogError('INVALID_PROOF', `inclusion proof is too long for index ${index} in size ${size}`);
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        // fn is the last node of its level with no right sibling: it is promoted
        // unchanged until it becomes a right child (or reaches the left edge).
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new LogError('INVALID_PROOF', `inclusion proof is too short for index ${index} in size ${size}`);
  return r;
}

/**
 * Verifies that `leafHash` is at `index` in the tree of `size` leaves whose root is
 * `root` (RFC 9162 §2.1.3.2). Returns normally or throws LogError INVALID_PROOF.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  const computed = rootFromInclusion(leafHash, index, size, proof);
  if (root.length !== HASH_SIZE || !computed.equals(root))
    throw new LogError('INVALID_PROOF', `inclusion proof for index ${index} in size ${size} does not lead to the expected root`);
}

export function checkHashes(first: Uint8Array, proof: readonly Uint8Array[]): void {
  if (first.length !== HASH_SIZE) throw new LogError('INVALID_PROOF', `hash must be ${HASH_SIZE} bytes, got ${first.length}`);
  if (proof.length > MAX_PROOF_LENGTH) throw new LogError('INVALID_PROOF', `proof has ${proof.length} hashes, at most ${MAX_PROOF_LENGTH} allowed`);
  for (const p of proof)
    if (p.length !== HASH_SIZE) throw new LogError('INVALID_PROOF', `proof hashes must be ${HASH_SIZE} bytes, got ${p.length}`);
}
