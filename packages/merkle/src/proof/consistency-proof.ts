import { isSize } from '../bits.js';
import { LogError } from '../errors.js';
import { HASH_SIZE, nodeHash } from '../hash.js';
import { checkHashes } from './inclusion-proof.js';

/**
 * Verifies that the tree of `size1` leaves with root `root1` is a prefix of the tree
 * of `size2` leaves with root `root2` (RFC 9162 §2.1.4.2). Returns normally or throws
 * LogError INVALID_PROOF.
 *
 * Edge cases follow transparency-dev/merkle: equal sizes need an empty proof and equal
 * roots; size1 = 0 is consistent with anything and needs an empty proof.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  if (!isSize(size1) || !isSize(size2) || size1 > size2)
    throw new LogError('INVALID_PROOF', `sizes ${size1} and ${size2} do not make a consistency proof`);
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE)
    throw new LogError('INVALID_PROOF', `roots must be ${HASH_SIZE} bytes`);
  if (size1 === size2) {
    if (proof.length > 0) throw new LogError('INVALID_PROOF', 'proof between equal sizes must be empty');
    if (!Buffer.from(root1).equals(root2)) throw new LogError('INVALID_PROOF', `roots of size ${size1} differ`);
    return;
  }
  if (size1 === 0) {
    if (proof.length > 0) throw new LogError('INVALID_PROOF', 'proof from the empty tree must be empty');
    return;
  }
  // Step 1: an empty path cannot prove anything between different non-empty sizes.
  if (proof.length === 0) throw new LogError('INVALID_PROOF', 'empty consistency proof');
  checkHashes(root1, proof);

  // Step 2: when size1 is a power of two its root is a node of the larger tree and is
  // not sent; it seeds the walk instead.
  const path: readonly Uint8Array[] = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4: skip the levels where the old tree's last node is a right child.
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = fr;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) throw new LogError('INVALID_PROOF', `consistency proof is too long for sizes ${size1} → ${size2}`);
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  if (sn !== 0) throw new LogError('INVALID_PROOF', `consistency proof is too short for sizes ${size1} → ${size2}`);
  if (!fr.equals(root1)) throw new LogError('INVALID_PROOF', `consistency proof does not lead to the root of size ${size1}`);
  if (!sr.equals(root2)) throw new LogError('INVALID_PROOF', `consistency proof does not lead to the root of size ${size2}`);
}

function isPowerOfTwo(x: number): boolean {
  return x > 0 && 2 ** Math.round(Math.log2(x)) === x;
}
