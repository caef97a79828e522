import t from 'tap';
import fc from 'fast-check';
import { base64DecodedLength, decodeStdBase64, decodeUrlBase64 } from '../../src/types/fields.js';

t.test('strict base64: exactly the canonical padded encodings are accepted', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const std = Buffer.from(bytes).toString('base64');
      const url = std.replace(/\+/g, '-').replace(/\//g, '_');
      return decodeStdBase64(std)!.equals(Buffer.from(bytes)) && decodeUrlBase64(url)!.equals(Buffer.from(bytes)) && base64DecodedLength(std) === bytes.length;
    }),
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'AQZaz09+/-_=\n '.split('')), maxLength: 16 }), (s) => {
      const b = decodeStdBase64(s);
      return b === undefined || b.toString('base64') === s;
    }),
  );
  for (const bad of ['A', 'AA', 'AAA', 'AA=', 'A===', 'AB==', 'AAB=', 'AA==AA==', 'AA AA', 'AA\nAA', '-_8=']) t.equal(decodeStdBase64(bad), undefined, JSON.stringify(bad));
  t.same(decodeStdBase64(''), Buffer.alloc(0), 'empty is the encoding of nothing');
  t.same(decodeUrlBase64('-_8='), Buffer.from([0xfb, 0xff]));
  t.equal(decodeUrlBase64('+/8='), undefined);
});
