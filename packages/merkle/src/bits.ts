/**
 * Bit arithmetic on tree sizes and indices up to 2^53 - 1. JavaScript's bitwise
 * operators work on 32 bits, so everything here splits numbers into high and low
 * words or uses exact power-of-two division (exact for all safe integers).
 */

const TWO_32 = 2 ** 32;

/** 2^b for b in 0..63 (exact doubles). */
export const POW2: readonly number[] = Array.from({ length: 64 }, (_, b) => 2 ** b);

/** floor(x / 2^b). */
export function shr(x: number, b: number): number {
  return b === 0 ? x : Math.floor(x / POW2[b]!);
}

/** x * 2^b. */
export function shl(x: number, b: number): number {
  return x * POW2[b]!;
}

/** Number of bits needed to write x (0 for 0). */
export function bitLength(x: number): number {
  if (x < TWO_32) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / TWO_32));
}

/** x XOR y. */
export function xor(x: number, y: number): number {
  if (x < TWO_32 && y < TWO_32) return (x ^ y) >>> 0;
  const hi = (Math.floor(x / TWO_32) ^ Math.floor(y / TWO_32)) >>> 0;
  const lo = ((x % TWO_32) ^ (y % TWO_32)) >>> 0;
  return hi * TWO_32 + lo;
}

/** Whether bit b of x is set. */
export function testBit(x: number, b: number): boolean {
  return shr(x, b) % 2 === 1;
}

/** Number of trailing zero bits of x > 0. */
export function trailingZeros(x: number): number {
  const lo = x % TWO_32;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(x / TWO_32);
  return 32 + 31 - Math.clz32(hi & -hi);
}

/** Number of set bits of x. */
export function popCount(x: number): number {
  return popCount32(x % TWO_32) + popCount32(Math.floor(x / TWO_32));
}

function popCount32(w: number): number {
  w = w - ((w >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** x mod 2^b (the low b bits). */
export function lowBits(x: number, b: number): number {
  return x % POW2[b]!;
}

export function isSize(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}
