import { nodeHash } from '@sigstack/merkle';
import { MonitorError } from '../errors.js';

/**
 * The right edge of a tree of `size` leaves: the roots of its perfect subtrees, one per
 * set bit of `size`, left to right (largest first). Appending leaf hashes to it and
 * folding gives the root of the larger tree, so a monitor that holds the edge of the
 * verified tree can check that the entries a log serves are the leaves of its next tree
 * (the entries are otherwise only as good as the log's word).
 */
export class CompactRange {
  #size: number;
  readonly #nodes: Buffer[];

  private constructor(size: number, nodes: Buffer[]) {
    this.#size = size;
    this.#nodes = nodes;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * The edge of the old tree, read off a consistency proof that verified
   * (merkle's verifyConsistency): the nodes RFC 9162 §2.1.4.2 folds in from the left
   * while rebuilding the old root are exactly that edge. Checked: they must be one per
   * set bit of size1 and fold to root1.
   */
  static fromConsistencyProof(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array): CompactRange {
    if (size1 === 0) return new CompactRange(0, []);
    const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
    let fn = size1 - 1;
    let sn = size2 - 1;
    while (fn % 2 === 1) {
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    const rightToLeft: Buffer[] = [Buffer.from(path[0]!)];
    for (let i = 1; i < path.length; i++) {
      if (fn % 2 === 1 || fn === sn) {
        rightToLeft.push(Buffer.from(path[i]!));
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    const range = new CompactRange(size1, rightToLeft.reverse());
    if (range.#nodes.length !== popCount(size1) || !range.root().equals(root1))
      throw new MonitorError('FORK', `the consistency proof from ${size1} does not hold the edge of that tree`);
    return range;
  }

  /** Adds the next leaf (its RFC 6962 leaf hash). */
  append(leafHash: Buffer): void {
    this.#nodes.push(leafHash);
    // Merge equal-sized subtrees: the new leaf fills the low bits of size like a binary counter.
    for (let s = this.#size; s % 2 === 1; s = Math.floor(s / 2)) {
      const right = this.#nodes.pop()!;
      const left = this.#nodes.pop()!;
      this.#nodes.push(nodeHash(left, right));
    }
    this.#size++;
  }

  /** MTH of the tree so far (the edge folded right to left). */
  root(): Buffer {
    let r = this.#nodes[this.#nodes.length - 1];
    if (r === undefined) throw new MonitorError('BAD_RESPONSE', 'the root of the empty tree is not checked here');
    for (let i = this.#nodes.length - 2; i >= 0; i--) r = nodeHash(this.#nodes[i]!, r);
    return r;
  }
}

function isPowerOfTwo(x: number): boolean {
  return x > 0 && 2 ** Math.round(Math.log2(x)) === x;
}

function popCount(x: number): number {
  let n = 0;
  for (; x > 0; x = Math.floor(x / 2)) n += x % 2;
  return n;
}
