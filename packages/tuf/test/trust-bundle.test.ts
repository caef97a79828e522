// The air-gap trust bundle: a deterministic tar of the TUF chain and targets, opened
// only from a pinned root; every damaged, foreign, stale or smuggled input is refused.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '@sigstack/core';
import {
  exportTrustBundle,
  fromTarBytes,
  installTrustBundle,
  installedRepository,
  OnlineRepository,
  openTrustBundle,
  readRepository,
  toTarBytes,
} from '../src/index.js';
import { buildRepository, DAY, newKeys, tmp } from './helpers.js';

const now = Date.now();
const keys = newKeys();
const repo = tmp();
await buildRepository(repo, keys, now, { timestampExpiry: DAY });
const root1 = readFileSync(join(repo, '1.root.json'));
const { bytes: bundle, expiries } = exportTrustBundle(repo, { now });

/** The bundle with one entry replaced (or removed when `bytes` is undefined), written again. */
function edited(name: string, edit: (b: Buffer) => Buffer | undefined, extra: { name: string; bytes: Uint8Array }[] = []): Buffer {
  const entries = fromTarBytes(bundle).flatMap((e) => {
    if (e.name !== name) return [e];
    const b = edit(Buffer.from(e.bytes));
    return b ? [{ name, bytes: b }] : [];
  });
  return toTarBytes([...entries, ...extra]);
}

t.test('export: a deterministic tar that any tar lists, with the chain and every target', async (t) => {
  t.same(exportTrustBundle(repo, { now }).bytes, bundle, 'same repository, same bytes');
  const names = fromTarBytes(bundle).map((e) => e.name);
  t.same(names, ['1.root.json', 'timestamp.json', '1.snapshot.json', '1.targets.json', 'targets/rekor.pub', 'targets/trusted_root.json']);
  const listed = spawnSync('tar', ['-tf', '-'], { input: bundle });
  t.equal(listed.status, 0, String(listed.stderr));
  t.same(String(listed.stdout).trim().split('\n'), names, 'GNU tar reads it');
  t.equal(expiries.validUntil, expiries.timestamp, 'the timestamp expires first');
  t.throws(() => exportTrustBundle(repo, { now: now + 2 * DAY }), { code: 'EXPIRED' }, 'an expired repository is not exported');
});

t.test('open + install from the pinned root: a TUF repository that reads back the same', async (t) => {
  const verified = openTrustBundle(bundle, { trustedRoot: root1, now });
  t.same([...verified.targetFiles.keys()].sort(), ['rekor.pub', 'trusted_root.json']);
  const site = join(tmp(), 'repository');
  installTrustBundle(site, verified, { now });
  const back = readRepository(site);
  t.equal(back.timestamp.signed.version, verified.state.timestamp.signed.version);
  t.same(exportTrustBundle(site, { now }).bytes, bundle, 'the installed mirror exports the same bundle');
  t.ok(existsSync(join(site, 'targets')), 'targets/<hash>.<name> copies for clients');
});

t.test('refused, with a code that names the problem', async (t) => {
  const flipLast = (b: Buffer) => (b.writeUInt8(b.readUInt8(b.length - 2) ^ 1, b.length - 2), b);
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['a changed target', edited('targets/trusted_root.json', flipLast), 'TARGET_MISMATCH', /trusted_root\.json/],
    ['a changed timestamp', edited('timestamp.json', (b) => Buffer.from(b.toString().replace(/"version": 1/, '"version": 7'))), 'THRESHOLD_NOT_MET', /timestamp/],
    ['a missing target', edited('targets/rekor.pub', () => undefined), 'BAD_ARCHIVE', /no targets\/rekor\.pub/],
    ['an extra file', edited('', (b) => b, [{ name: 'targets/evil.pub', bytes: Buffer.from('x') }]), 'BAD_ARCHIVE', /does not list: targets\/evil\.pub/],
    ['a truncated archive', bundle.subarray(0, bundle.length - 1500), 'BAD_ARCHIVE', /truncated/],
    ['half an archive', bundle.subarray(0, 3000), 'BAD_ARCHIVE', /truncated/],
    ['an empty file', Buffer.alloc(0), 'BAD_ARCHIVE', /empty/],
    ['not a tar', Buffer.from('{"hello": "world"}'.padEnd(1024, ' ')), 'BAD_ARCHIVE', /checksum|octal/],
  ];
  for (const [what, bytes, code, message] of cases) t.throws(() => openTrustBundle(bytes, { trustedRoot: root1, now }), { code, message }, what);

  const damaged = Buffer.from(bundle);
  damaged[10] = 0x41; // inside the first header's name
  t.throws(() => openTrustBundle(damaged, { trustedRoot: root1, now }), { code: 'BAD_ARCHIVE', message: /checksum/ }, 'a damaged header');
});

t.test('the tar reader refuses links, odd names and data after the end', async (t) => {
  const one = toTarBytes([{ name: 'a.json', bytes: Buffer.from('{}') }]);
  const retype = (type: string) => {
    const b = Buffer.from(one);
    b.write(type, 156, 1, 'ascii');
    b.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += b[i]!;
    b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    return b;
  };
  t.throws(() => fromTarBytes(retype('2')), { code: 'BAD_ARCHIVE', message: /only regular files/ }, 'a symlink');
  t.throws(() => fromTarBytes(retype('5')), { code: 'BAD_ARCHIVE', message: /only regular files/ }, 'a directory');
  t.throws(() => toTarBytes([{ name: '../x', bytes: Buffer.alloc(1) }]), { code: 'BAD_ARCHIVE' });
  t.throws(() => toTarBytes([{ name: '/etc/passwd', bytes: Buffer.alloc(1) }]), { code: 'BAD_ARCHIVE' });
  t.throws(() => fromTarBytes(Buffer.concat([one, Buffer.from('trailing')])), { code: 'BAD_ARCHIVE', message: /after its end/ });
  t.same(fromTarBytes(one).map((e) => e.name), ['a.json']);
});

t.test('a root from another repository, expired metadata, a rollback', async (t) => {
  const otherRepo = tmp();
  await buildRepository(otherRepo, newKeys(), now);
  t.throws(() => openTrustBundle(bundle, { trustedRoot: readFileSync(join(otherRepo, '1.root.json')), now }), { code: 'UNTRUSTED_ROOT', message: /not the trusted root/ });
  t.throws(() => openTrustBundle(bundle, { trustedRoot: Buffer.from('{"signed":'), now }), { code: 'MALFORMED_METADATA', message: /trusted root/ });
  t.throws(() => openTrustBundle(bundle, { trustedRoot: root1, now: now + 2 * DAY }), { code: 'EXPIRED', message: /timestamp version 1 expired/ });

  // The stack re-signs its timestamp; the site installs that, then is offered the old bundle again.
  const clock = new FakeClock(now);
  const online = OnlineRepository.open({ dir: repo, timestamp: keys.online, clock });
  clock.advance(DAY * 0.75);
  await online.refresh();
  const newer = exportTrustBundle(repo, { now: clock.now() }).bytes;
  const site = join(tmp(), 'repository');
  installTrustBundle(site, openTrustBundle(newer, { trustedRoot: root1, now: clock.now() }), { now: clock.now() });
  const previous = installedRepository(site);
  t.throws(() => openTrustBundle(bundle, { trustedRoot: root1, previous, now: clock.now() }), { code: 'VERSION_CONFLICT', message: /older than the published/ }, 'rollback refused');
  t.ok(openTrustBundle(newer, { trustedRoot: root1, previous, now: clock.now() }), 'the same bundle again is fine');
});
