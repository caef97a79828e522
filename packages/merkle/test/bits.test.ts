import fc from 'fast-check';
import t from 'tap';
import { bitLength, lowBits, popCount, shl, shr, testBit, trailingZeros, xor } from '../src/bits.js';

// The engine's tree arithmetic works on sizes up to 2^53 - 1 without 32-bit truncation.
const safe = fc.bigInt({ min: 0n, max: 2n ** 53n - 1n });

t.test('bit helpers agree with BigInt on all safe integers', async (t) => {
  fc.assert(
    fc.property(safe, safe, fc.integer({ min: 0, max: 52 }), (a, b, k) => {
      const x = Number(a);
      const y = Number(b);
      return (
        bitLength(x) === a.toString(2).replace(/^0+/, '').length &&
        xor(x, y) === Number(a ^ b) &&
        shr(x, k) === Number(a >> BigInt(k)) &&
        testBit(x, k) === (((a >> BigInt(k)) & 1n) === 1n) &&
        lowBits(x, k) === Number(a & ((1n << BigInt(k)) - 1n)) &&
        popCount(x) === [...a.toString(2)].filter((c) => c === '1').length &&
        (x === 0 || trailingZeros(x) === a.toString(2).length - 1 - a.toString(2).lastIndexOf('1')) &&
        (Number(a >> 20n) * 2 ** 20 > 2 ** 53 || shl(Number(a >> 20n), 20) === Number((a >> 20n) << 20n))
      );
    }),
    { numRuns: 2000 },
  );
  t.equal(bitLength(2 ** 53 - 1), 53);
  t.equal(bitLength(2 ** 32), 33);
  t.equal(bitLength(0), 0);
  t.equal(trailingZeros(2 ** 40), 40);
});
