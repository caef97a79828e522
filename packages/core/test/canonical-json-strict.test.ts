import t from 'tap';
import { canonicalize, canonicalizeToBytes } from '../src/canonical-json.js';

t.test('matches JSON.stringify with sorted keys on plain values', async (t) => {
  const v = { z: [1, -2, 0, 'x', { b: null, a: true }], a: { '': false, ' ': 'é', A: 9007199254740991 }, m: -9007199254740991 };
  t.equal(canonicalize(v), '{"a":{"":false," ":"é","A":9007199254740991},"m":-9007199254740991,"z":[1,-2,0,"x",{"a":true,"b":null}]}');
  t.same(JSON.parse(canonicalize(v)), v);
  t.equal(canonicalizeToBytes({ s: 'é' }).toString('hex'), Buffer.from('{"s":"é"}', 'utf8').toString('hex'), 'UTF-8');
});

t.test('numbers', async (t) => {
  t.equal(canonicalize(-0), '0', '-0 is written 0 (RFC 8785 §3.2.2.3)');
  t.equal(canonicalize(1e15), '1000000000000000', 'no exponent for large safe integers');
  t.equal(canonicalize(12n), '12', 'bigint in the safe range');
  t.equal(canonicalize(-9007199254740991n), '-9007199254740991');
  t.throws(() => canonicalize(9007199254740992n), TypeError, 'bigint beyond 2^53 - 1');
  t.throws(() => canonicalize(-(2n ** 64n)), TypeError, 'negative bigint beyond the safe range');
  t.throws(() => canonicalize(9007199254740992), TypeError, 'number beyond 2^53 - 1');
  t.throws(() => canonicalize(NaN), TypeError);
  t.throws(() => canonicalize(Infinity), TypeError);
});

t.test('strings are escaped as JSON.stringify does', async (t) => {
  t.equal(canonicalize('\u2028\u2029'), '"\u2028\u2029"', 'line separators are not escaped');
  t.equal(canonicalize('\ud800'), '"\\ud800"', 'a lone surrogate is escaped');
  t.equal(canonicalize('"\\\b\f\n\r\t\u001f\u007f'), '"\\"\\\\\\b\\f\\n\\r\\t\\u001f\u007f"');
});

t.test('members', async (t) => {
  t.equal(canonicalize({ b: undefined, a: 1 }), '{"a":1}', 'undefined members are dropped');
  const bare = Object.create(null) as Record<string, unknown>;
  bare.y = 1;
  bare.x = 2;
  t.equal(canonicalize(bare), '{"x":2,"y":1}', 'null-prototype objects');
  t.equal(canonicalize({ ['\ud83d\ude00']: 1, ['\uffff']: 2 }), '{"\ud83d\ude00":1,"\uffff":2}', 'UTF-16 order, not code point order');
});

t.test('refuses what it cannot encode faithfully', async (t) => {
  // eslint-disable-next-line no-sparse-arrays
  t.throws(() => canonicalize([1, , 2]), TypeError, 'array holes');
  t.throws(() => canonicalize([undefined]), TypeError, 'undefined in an array');
  t.throws(() => canonicalize(undefined), TypeError);
  t.throws(() => canonicalize(() => 1), TypeError);
  t.throws(() => canonicalize(Symbol('s')), TypeError);
  t.throws(() => canonicalize(new Date(0)), TypeError, 'Date');
  t.throws(() => canonicalize(new Map([['a', 1]])), TypeError, 'Map');
  t.throws(() => canonicalize(Buffer.from('ab')), TypeError, 'Buffer');
  t.throws(() => canonicalize({ nested: new Uint8Array(2) }), TypeError, 'typed array inside an object');
  class Entry {
    a = 1;
  }
  t.throws(() => canonicalize(new Entry()), TypeError, 'class instance');
});
