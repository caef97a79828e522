/**
 * A deliberately naive RFC 6962 §2.1 reference, written from the RFC text and
 * sharing no code with the engine except the two hash functions: MTH, PATH (audit
 * path) and PROOF/SUBPROOF (consistency), all recursive over the split point
 * k = largest power of two < n.
 */
import { createHash } from 'node:crypto';

export function refLeafHash(b: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(b).digest();
}

export function refNodeHash(l: Uint8Array, r: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(l).update(r).digest();
}

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const memo = new WeakMap<readonly Buffer[], Map<number, Buffer>>();

/** MTH(D[lo:hi]) over leaf hashes (memoised per array: the arrays are never mutated). */
export function refRoot(hashes: readonly Buffer[], lo = 0, hi = hashes.length): Buffer {
  let m = memo.get(hashes);
  if (!m) memo.set(hashes, (m = new Map()));
  const key = lo * 1e7 + hi;
  let r = m.get(key);
  if (!r) m.set(key, (r = mth(hashes, lo, hi)));
  return r;
}

function mth(hashes: readonly Buffer[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 0) return createHash('sha256').digest();
  if (n === 1) return hashes[lo]!;
  const k = split(n);
  return refNodeHash(refRoot(hashes, lo, lo + k), refRoot(hashes, lo + k, hi));
}

/** PATH(m, D[lo:hi]). */
export function refPath(m: number, hashes: readonly Buffer[], lo = 0, hi = hashes.length): Buffer[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = split(n);
  if (m < k) return [...refPath(m, hashes, lo, lo + k), refRoot(hashes, lo + k, hi)];
  return [...refPath(m - k, hashes, lo + k, hi), refRoot(hashes, lo, lo + k)];
}

/** PROOF(m, D[0:n]). */
export function refConsistency(m: number, hashes: readonly Buffer[], n = hashes.length): Buffer[] {
  if (m === 0 || m === n) return [];
  return subproof(m, hashes, 0, n, true);
}

function subproof(m: number, hashes: readonly Buffer[], lo: number, hi: number, b: boolean): Buffer[] {
  const n = hi - lo;
  if (m === n) return b ? [] : [refRoot(hashes, lo, hi)];
  const k = split(n);
  if (m <= k) return [...subproof(m, hashes, lo, lo + k, b), refRoot(hashes, lo + k, hi)];
  return [...subproof(m - k, hashes, lo + k, hi, false), refRoot(hashes, lo, lo + k)];
}

/** A NodeSource over an in-memory list of leaf hashes, memoised, for testing the proof builder alone. */
export function refNodeSource(hashes: readonly Buffer[]): { node(level: number, index: number): Buffer } {
  const memo = new Map<string, Buffer>();
  return {
    node(level, index) {
      const key = `${level}/${index}`;
      let h = memo.get(key);
      if (!h) {
        const lo = index * 2 ** level;
        const hi = lo + 2 ** level;
        if (hi > hashes.length) throw new Error(`node ${key} is beyond ${hashes.length} leaves`);
        h = level === 0 ? hashes[lo]! : refNodeHash(this.node(level - 1, 2 * index), this.node(level - 1, 2 * index + 1));
        memo.set(key, h);
      }
      return h;
    },
  };
}

export function hex(bs: readonly Uint8Array[]): string[] {
  return bs.map((b) => Buffer.from(b).toString('hex'));
}
