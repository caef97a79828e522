import { bitLength, isSize, lowBits, popCount, shl, shr, testBit, trailingZeros, xor } from '../bits.js';
import { LogError } from '../errors.js';
import { EMPTY_ROOT, nodeHash } from '../hash.js';

/**
 * Where proofs get their hashes. `node(level, index)` is the root of the perfect
 * subtree over leaves [index·2^level, (index+1)·2^level). The builder only asks for
 * subtrees that are complete in the tree the proof is for, and those never change once
 * written, so any tree size at least that large can answer.
 */
export interface NodeSource {
  node(level: number, index: number): Buffer;
}

/** How many tree sizes keep their right-edge hashes cached (the latest sizes are hot). */
export const DEFAULT_RANGE_CACHE_SIZE = 64;

/**
 * Builds RFC 6962/9162 inclusion and consistency proofs, and roots, for any tree
 * size, from a NodeSource (transparency-dev/merkle's shape: the proof is a list of
 * complete-subtree nodes, and at most one "ephemeral" node that covers the tree's
 * incomplete right edge and is rehashed from the complete nodes under it).
 *
 * For a size n with set bits b0 < b1 < … the tree's right edge is the list of perfect
 * subtrees node(b, ⌊n/2^b⌋ − 1). `folds(n)[j]` is the hash of the j+1 smallest of them
 * combined right to left; the root of n and every ephemeral node of a proof in n are
 * entries of it, so proofs against the latest sizes do no hashing at all.
 */
export class ProofBuilder {
  readonly #source: NodeSource;
  readonly #folds = new Map<number, Buffer[]>();
  readonly #cacheSize: number;

  constructor(source: NodeSource, opts: { rangeCacheSize?: number } = {}) {
    this.#source = source;
    this.#cacheSize = opts.rangeCacheSize ?? DEFAULT_RANGE_CACHE_SIZE;
  }

  /** The audit path of leaf `index` in the tree of `size` leaves, leaf to root. */
  inclusion(index: number, size: number): Buffer[] {
    if (!isSize(index) || !isSize(size) || index >= size)
      throw new LogError('INVALID_RANGE', `leaf index ${index} is not inside a tree of size ${size}`);
    const src = this.#source;
    // Below the fork the path's siblings are complete subtrees; at the fork the path
    // to `index` and the path to the tree's end part ways.
    const inner = bitLength(xor(index, size)) - 1;
    const proof: Buffer[] = [];
    for (let l = 0; l < inner; l++) proof.push(src.node(l, xor(shr(index, l), 1)));
    this.#tail(proof, shr(index, inner), inner, size);
    return proof;
  }

  /** The RFC 9162 consistency proof from the tree of size1 leaves to the tree of size2. */
  consistency(size1: number, size2: number): Buffer[] {
    if (!isSize(size1) || !isSize(size2) || size1 > size2)
      throw new LogError('INVALID_RANGE', `no consistency proof from size ${size1} to size ${size2}`);
    if (size1 === 0 || size1 === size2) return [];
    // The largest perfect subtree that ends at size1: the proof is its inclusion proof
    // in size2, headed by the node itself unless it is the whole old tree (size1 a
    // power of two), whose root the verifier already has.
    const level = trailingZeros(size1);
    const index = shr(size1, level) - 1;
    const src = this.#source;
    const proof: Buffer[] = [];
    if (index !== 0) proof.push(src.node(level, index));
    const inner = bitLength(xor(index, shr(size2, level))) - 1;
    for (let l = 0; l < inner; l++) proof.push(src.node(level + l, xor(shr(index, l), 1)));
    this.#tail(proof, shr(index, inner), level + inner, size2);
    return proof;
  }

  /** MTH of the first `size` leaves. */
  rootAt(size: number): Buffer {
    if (!isSize(size)) throw new LogError('INVALID_RANGE', `${size} is not a tree size`);
    if (size === 0) return EMPTY_ROOT;
    const f = this.folds(size);
    return f[f.length - 1]!;
  }

  /**
   * Appends the proof's upper part for the fork node (f, forkIndex): the ephemeral
   * node covering [end of fork, size) if any, then the complete subtrees left of the
   * fork, nearest first.
   */
  #tail(proof: Buffer[], forkIndex: number, f: number, size: number): void {
    const right = lowBits(size, f);
    if (right > 0) proof.push(this.folds(size)[popCount(right) - 1]!);
    const begin = shl(forkIndex, f);
    const top = bitLength(begin);
    for (let b = f + 1; b < top; b++) if (testBit(begin, b)) proof.push(this.#source.node(b, shr(begin, b) - 1));
  }

  /** The right-edge folds of `size` (see the class comment); cached for recent sizes. */
  folds(size: number): Buffer[] {
    let f = this.#folds.get(size);
    if (f) return f;
    f = [];
    let acc: Buffer | undefined;
    const top = bitLength(size);
    for (let b = 0; b < top; b++) {
      if (!testBit(size, b)) continue;
      const n = this.#source.node(b, shr(size, b) - 1);
      acc = acc ? nodeHash(n, acc) : n;
      f.push(acc);
    }
    if (this.#folds.size >= this.#cacheSize) this.#folds.delete(this.#folds.keys().next().value!);
    this.#folds.set(size, f);
    return f;
  }

  /** Forgets cached folds (after recovery replaced the tree state). */
  clear(): void {
    this.#folds.clear();
  }
}
