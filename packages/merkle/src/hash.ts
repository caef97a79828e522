import { createHash, hash as oneShot } from 'node:crypto';

/**
 * RFC 6962 §2.1 / RFC 9162 §2.1.1 hashing, always SHA-256 (sigstore-go rejects any
 * other tree hash). These are on every hot path (integration, proofs, tile expansion),
 * so node hashing reuses one scratch buffer and node:crypto's one-shot hash.
 */

/** Length of every tree hash. */
export const HASH_SIZE = 32;

/** MTH({}) = SHA-256(""): the root of the empty tree. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const scratch = Buffer.alloc(1 + 2 * HASH_SIZE);
scratch[0] = 0x01;
const leafScratch = Buffer.alloc(1 + 4096);
leafScratch[0] = 0x00;

const hasOneShot = typeof oneShot === 'function';

/** SHA-256(0x00 ‖ leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  if (hasOneShot && leaf.length < leafScratch.length) {
    leafScratch.set(leaf, 1);
    return oneShot('sha256', leafScratch.subarray(0, 1 + leaf.length), 'buffer') as unknown as Buffer;
  }
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (hasOneShot && left.length === HASH_SIZE && right.length === HASH_SIZE) {
    scratch.set(left, 1);
    scratch.set(right, 1 + HASH_SIZE);
    return oneShot('sha256', scratch, 'buffer') as unknown as Buffer;
  }
  return createHash('sha256').update(scratch.subarray(0, 1)).update(left).update(right).digest();
}
