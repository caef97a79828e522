import t from 'tap';
import fc from 'fast-check';
import { goDecodes, goField, isStrictRfc3339, type GoShape } from '../../src/types/go-json.js';

t.test("time.Time's RFC 3339 acceptance", async (t) => {
  for (const ok of ['2024-02-29T23:59:59Z', '2023-01-01T00:00:00.123456789+05:30', '1999-12-31T23:59:59-23:59', '0000-02-29T00:00:00Z'])
    t.ok(isStrictRfc3339(ok), ok);
  for (const bad of ['2023-02-29T00:00:00Z', '2023-13-01T00:00:00Z', '2023-01-01T24:00:00Z', '2023-01-01t00:00:00Z', '2023-01-01T00:00:00', '2023-01-01T00:00:00+24:00', '2023-01-01T00:00:00,5Z', '2023-1-01T00:00:00Z', '0100-02-29T00:00:00Z'])
    t.notOk(isStrictRfc3339(bad), bad);
  // Against Date for the years Date handles the same way (1000-9999, no leap seconds).
  fc.assert(
    fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => isStrictRfc3339(d.toISOString())),
  );
});

t.test('struct decoding as encoding/json does it', async (t) => {
  const shape: GoShape = { fields: { subject: { array: { fields: { digest: 'stringMap' } } }, ok: 'bool', when: 'time' } };
  t.ok(goDecodes({ subject: [{ digest: { sha256: 'ab', x: null } }, null], unknown: 5 }, shape), 'nulls and unknown members');
  t.ok(goDecodes(null, shape), 'null');
  t.ok(goDecodes({ SUBJECT: [] , Ok: true }, shape), 'case-insensitive names');
  t.notOk(goDecodes({ subject: {} }, shape), 'object for a slice');
  t.notOk(goDecodes({ subject: [{ digest: { sha256: 1 } }] }, shape), 'number in a map[string]string');
  t.notOk(goDecodes({ subject: [], Subject: 'x' }, shape), 'every matching member is decoded');
  t.notOk(goDecodes({ ok: 'true' }, shape), 'string for a bool');
  t.notOk(goDecodes({ when: '2023-01-01' }, shape), 'bad time');
  t.notOk(goDecodes([], shape), 'array for a struct');
  t.equal(goField({ subject: 1, Subject: 2 }, 'subject'), 2, 'the last matching member wins');
  t.equal(goField({ a: 1 }, 'subject'), undefined);
});
