import fc from 'fast-check';
import t from 'tap';
import { encodeTileIndex, entriesPath, parseTilePath, tilePath } from '../../src/index.js';

t.test('C2SP tlog-tiles index encoding', async (t) => {
  // Examples from c2sp.org/tlog-tiles and protocols.md §7.10.
  t.equal(encodeTileIndex(1234067), 'x001/x234/067');
  t.equal(encodeTileIndex(0), '000');
  t.equal(encodeTileIndex(5), '005');
  t.equal(encodeTileIndex(999), '999');
  t.equal(encodeTileIndex(1000), 'x001/000');
  t.equal(tilePath(0, 1234067), 'tile/0/x001/x234/067');
  t.equal(tilePath(1, 2, 17), 'tile/1/002.p/17');
  t.equal(tilePath(2, 3, 256), 'tile/2/003', 'a full width is not partial');
  t.equal(entriesPath(1234067, 5), 'tile/entries/x001/x234/067.p/5');
  t.throws(() => tilePath(0, 1, 0), { code: 'INVALID_RANGE' });
  t.throws(() => tilePath(0, -1), { code: 'INVALID_RANGE' });
  t.throws(() => tilePath(64, 1), { code: 'INVALID_RANGE' });
});

t.test('paths parse back, and only canonical paths parse', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 63 }),
      fc.maxSafeNat().map((n) => Math.floor(n / 256)),
      fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined }),
      (level, index, width) => {
        const p = parseTilePath(tilePath(level, index, width));
        const e = parseTilePath(entriesPath(index, width));
        return (
          p.kind === 'hash' && p.level === level && p.index === index && p.width === width &&
          e.kind === 'entries' && e.index === index && e.width === width
        );
      },
    ),
    { numRuns: 500 },
  );
  for (const bad of [
    'tile/0/1',
    'tile/0/0001',
    'tile/0/x000/001',
    'tile/0/x1/001',
    'tile/00/001',
    'tile/0/001.p/0',
    'tile/0/001.p/256',
    'tile/0/001.p/007',
    'tile/64/001',
    'tile/0/001/',
    '/tile/0/001',
    'tile/entries/001.p/',
    'tile/x/001',
  ])
    t.throws(() => parseTilePath(bad), { code: 'NOT_FOUND' }, bad);
});
