import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createEphemeralSigner, FakeClock } from '@sigstack/core';
import { OnlineRepository, openDevRepository, readRepository, createSigningConfig, sigstoreTargets, SIGNING_CONFIG_MEDIA_TYPE } from '../src/index.js';
import { buildRepository, clientDir, DAY, newKeys, sampleTargets, serve, tmp, tufJsFetch } from './helpers.js';

t.test('OnlineRepository re-signs timestamp and snapshot on the injected clock', async (t) => {
  const dir = tmp();
  const keys = newKeys();
  const clock = new FakeClock(Date.now());
  await buildRepository(dir, keys, clock.now(), { timestampExpiry: DAY });
  t.throws(() => OnlineRepository.open({ dir, timestamp: createEphemeralSigner('ed25519'), clock }), { code: 'WRONG_KEY' });
  const online = OnlineRepository.open({ dir, timestamp: keys.online, clock });
  t.equal(await online.refresh(), false, 'fresh');
  clock.advance(DAY / 2 + 1000);
  t.equal(await online.refresh(), true, 'less than half left: re-signed');
  let s = readRepository(dir);
  t.equal(s.timestamp.signed.version, 2);
  t.equal(s.snapshot.signed.version, 1);
  clock.advance(5 * DAY);
  t.equal(await online.refresh(), true);
  s = readRepository(dir);
  t.equal(s.snapshot.signed.version, 2, 'snapshot past half of 7 days: re-signed too');
  t.equal(s.timestamp.signed.snapshotMeta.version, 2);

  await t.rejects(online.updateTargets(sampleTargets()), { code: 'NO_TARGETS_SIGNER' });
});

t.test('updateTargets with a (development) targets signer', async (t) => {
  const dir = tmp();
  const keys = newKeys();
  const clock = new FakeClock(Date.now());
  await buildRepository(dir, keys, clock.now());
  const online = OnlineRepository.open({ dir, timestamp: keys.online, targets: keys.targets, clock });
  t.equal(await online.updateTargets(sampleTargets()), false, 'same set: nothing');
  t.equal(await online.updateTargets({ ...sampleTargets(), 'ctfe.pub': { bytes: Buffer.from('CT') } }), true);
  const s = readRepository(dir);
  t.equal(s.targets.signed.version, 2);
  t.ok(s.targets.signed.targets['ctfe.pub']);
});

t.test('openDevRepository: create, reopen, change targets, stay fresh', async (t) => {
  const dir = tmp();
  const clock = new FakeClock(Date.now());
  const dev = await openDevRepository({ dir, targets: sampleTargets(), clock });
  t.equal(JSON.parse(dev.rootBytes.toString()).signed.version, 1);
  t.same(dev.rootBytes, readFileSync(join(dev.repositoryDir, '1.root.json')));
  const srv = await serve(dev.repositoryDir);
  t.teardown(srv.close);
  t.ok((await tufJsFetch(srv.url, clientDir(dev.rootBytes), 'trusted_root.json')).length > 0);

  const again = await openDevRepository({ dir, targets: sampleTargets(), clock });
  t.same(again.rootBytes, dev.rootBytes, 'same keys, same root');
  t.equal(readRepository(again.repositoryDir).targets.signed.version, 1, 'unchanged targets: no new version');

  clock.advance(200 * DAY); // past half of the root's year and of every other lifetime
  const changed = await openDevRepository({ dir, targets: { ...sampleTargets(), 'extra.txt': { bytes: Buffer.from('x') } }, clock });
  const s = readRepository(changed.repositoryDir);
  t.ok(s.targets.signed.version > 1 && s.targets.signed.targets['extra.txt'], 'changed targets: new version');
  t.equal(s.roots.length, 2, 'root renewed');
  t.ok(Date.parse(s.timestamp.signed.expires) > clock.now());
});

t.test('signing config and sigstore targets', async (t) => {
  const sc = createSigningConfig({ caUrl: 'http://127.0.0.1:3000', oidcUrl: 'http://127.0.0.1:3001', rekorUrl: 'http://127.0.0.1:3000/', tsaUrl: 'http://127.0.0.1:3000/api/v1/timestamp', start: new Date('2026-01-01T00:00:00.000Z'), operator: 'sigstack' });
  t.same(sc, {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: [{ url: 'http://127.0.0.1:3000', majorApiVersion: 1, validFor: { start: '2026-01-01T00:00:00Z' }, operator: 'sigstack' }],
    oidcUrls: [{ url: 'http://127.0.0.1:3001', majorApiVersion: 1, validFor: { start: '2026-01-01T00:00:00Z' }, operator: 'sigstack' }],
    rekorTlogUrls: [{ url: 'http://127.0.0.1:3000', majorApiVersion: 1, validFor: { start: '2026-01-01T00:00:00Z' }, operator: 'sigstack' }],
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls: [{ url: 'http://127.0.0.1:3000/api/v1/timestamp', majorApiVersion: 1, validFor: { start: '2026-01-01T00:00:00Z' }, operator: 'sigstack' }],
    tsaConfig: { selector: 'ANY' },
  });
  t.throws(() => createSigningConfig({ caUrl: 'nope', rekorUrl: 'http://x', start: new Date() }), { code: 'INVALID_INPUT' });
  const targets = sigstoreTargets({ trustedRoot: { a: 1 }, signingConfig: sc, fulcioRoot: 'R', fulcioIntermediate: 'I', fulcioUrl: 'https://f', rekorPublicKey: 'K', rekorUrl: 'https://r', ctfePublicKey: 'C', ctfeUrl: 'https://c', tsaChain: ['L', 'M', 'T'] });
  t.same(Object.keys(targets).sort(), ['ctfe.pub', 'fulcio_intermediate_v1.crt.pem', 'fulcio_v1.crt.pem', 'rekor.pub', 'signing_config.v0.2.json', 'trusted_root.json', 'tsa_intermediate_0.crt.pem', 'tsa_leaf.crt.pem', 'tsa_root.crt.pem']);
  t.same(targets['rekor.pub']!.custom, { sigstore: { usage: 'Rekor', status: 'Active', uri: 'https://r' } });
  t.same(targets['tsa_leaf.crt.pem']!.custom, { sigstore: { usage: 'TSA', status: 'Active' } });
  t.equal(targets['trusted_root.json']!.custom, undefined);
});
