import t from 'tap';
import { canonicalize } from '../src/canonical-json.js';

t.test('sorts members and writes no whitespace', async (t) => {
  t.equal(canonicalize({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
});

t.test('does not escape <, >, & or non-ASCII (RFC 8785 §3.2.2.2)', async (t) => {
  t.equal(canonicalize({ s: '<a&b>é\u0001\n' }), '{"s":"<a&b>é\\u0001\\n"}');
});

t.test('sorts keys by UTF-16 code units', async (t) => {
  t.equal(canonicalize({ '\u20ac': 1, '\ud83d\ude00': 2, a: 3 }), '{"a":3,"\u20ac":1,"\ud83d\ude00":2}');
});

t.test('refuses non-integers', async (t) => {
  t.throws(() => canonicalize({ x: 1.5 }));
});
