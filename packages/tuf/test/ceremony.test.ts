import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createEphemeralSigner, type Signer } from '@sigstack/core';
import {
  addSignature,
  addTarget,
  ceremonyPayload,
  ceremonyStatus,
  initCeremony,
  publishCeremony,
  readRepository,
  refreshRole,
  rotateRoot,
  signRole,
  toTufKey,
  TufError,
} from '../src/index.js';
import { clientDir, DAY, serve, tmp, tufJsFetch } from './helpers.js';

const pem = (s: Signer) => s.publicKey.export({ type: 'spki', format: 'pem' }) as string;

/** A hash of every file under `dir`, to show a refused publish changed nothing. */
function snapshotOf(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

interface Setup {
  dir: string;
  repo: string;
  rootKeys: Signer[];
  targetsKeys: Signer[];
  online: Signer;
  now: number;
}

/** A 2-of-3 root, 1-of-2 targets ceremony with one target. */
function setup(): Setup {
  const dir = tmp('ceremony-');
  const repo = join(tmp('repo-'), 'repository');
  const rootKeys = [createEphemeralSigner('ed25519'), createEphemeralSigner(), createEphemeralSigner('ecdsa-p384-sha384')];
  const targetsKeys = [createEphemeralSigner('ed25519'), createEphemeralSigner()];
  const online = createEphemeralSigner('ed25519');
  const now = Date.now();
  initCeremony(dir, {
    root: { keys: rootKeys.map(pem), threshold: 2 },
    targets: { keys: targetsKeys.map(pem), threshold: 1 },
    snapshot: { keys: [pem(online)], threshold: 1 },
    timestamp: { keys: [pem(online)], threshold: 1 },
    now,
  });
  addTarget(dir, { name: 'trusted_root.json', bytes: Buffer.from('{"mediaType":"x"}'), now });
  addTarget(dir, { name: 'fulcio_v1.crt.pem', bytes: Buffer.from('PEM'), custom: { sigstore: { usage: 'Fulcio', status: 'Active', uri: 'https://fulcio.example' } }, now });
  return { dir, repo, rootKeys, targetsKeys, online, now };
}

const publish = (s: Setup, now = s.now) => publishCeremony(s.dir, { repository: s.repo, snapshot: [s.online], timestamp: [s.online], now });

t.test('bad thresholds are refused at init', async (t) => {
  const k = [createEphemeralSigner('ed25519')];
  const base = { targets: { keys: k.map(pem), threshold: 1 }, snapshot: { keys: k.map(pem), threshold: 1 }, timestamp: { keys: k.map(pem), threshold: 1 }, now: Date.now() };
  t.throws(() => initCeremony(tmp(), { ...base, root: { keys: k.map(pem), threshold: 2 } }), { code: 'INVALID_INPUT', message: /threshold 2 is more than its 1 key/ });
  t.throws(() => initCeremony(tmp(), { ...base, root: { keys: k.map(pem), threshold: 0 } }), { code: 'INVALID_INPUT', message: /≥ 1/ });
  t.throws(() => initCeremony(tmp(), { ...base, root: { keys: [], threshold: 1 } }), { code: 'INVALID_INPUT' });
  t.throws(() => initCeremony(tmp(), { ...base, root: { keys: ['not a key'], threshold: 1 } }), TufError);
  const dir = tmp();
  initCeremony(dir, { ...base, root: { keys: k.map(pem), threshold: 1 } });
  t.throws(() => initCeremony(dir, { ...base, root: { keys: k.map(pem), threshold: 1 } }), { code: 'ALREADY_EXISTS' });
});

t.test('threshold enforcement, signing, status, publishing', async (t) => {
  const s = setup();
  await signRole(s.dir, 'targets', s.targetsKeys[0]!);
  await signRole(s.dir, 'root', s.rootKeys[0]!);
  let st = ceremonyStatus(s.dir);
  t.equal(st.root.complete, false, 'root 1 of 2');
  t.equal(st.targets.complete, true);
  await t.rejects(publish(s), { code: 'THRESHOLD_NOT_MET', message: /root version 1 .* 1 valid signature\(s\) of the 2 required/ });
  t.throws(() => readRepository(s.repo), { code: 'NOT_FOUND' }, 'nothing published');

  await t.rejects(signRole(s.dir, 'root', s.targetsKeys[0]!), { code: 'WRONG_KEY', message: /is not a root key for root version 1/ }, 'a targets key cannot sign root');
  await t.rejects(signRole(s.dir, 'snapshot', s.online), { code: 'INVALID_INPUT' });

  // the second root signature arrives from an air-gapped machine
  const payload = ceremonyPayload(s.dir, 'root');
  const sig = (await s.rootKeys[2]!.sign(payload)).toString('hex');
  const id = toTufKey(s.rootKeys[2]!.publicKey).keyID;
  t.throws(() => addSignature(s.dir, 'root', id, sig.replace(/^../, sig.startsWith('00') ? '11' : '00')), { code: 'BAD_SIGNATURE' });
  t.throws(() => addSignature(s.dir, 'root', toTufKey(s.online.publicKey).keyID, sig), { code: 'WRONG_KEY' });
  t.throws(() => addSignature(s.dir, 'root', id, 'zz'), { code: 'INVALID_INPUT' });
  addSignature(s.dir, 'root', id, sig);
  st = ceremonyStatus(s.dir);
  t.equal(st.root.complete, true);
  t.same(st.root.checks[0]!.valid.length, 2);

  const r = await publish(s);
  t.same(r, { root: 1, targets: 1, snapshot: 1, timestamp: 1 });
  const state = readRepository(s.repo);
  t.same(state.targets.signed.targets['fulcio_v1.crt.pem']!.custom, { sigstore: { usage: 'Fulcio', status: 'Active', uri: 'https://fulcio.example' } });
  t.same(Object.keys(state.targets.signed.targets['fulcio_v1.crt.pem']!.hashes), ['sha256', 'sha512']);
  t.equal(ceremonyStatus(s.dir).targets.published, true);

  // a real client reads it
  const srv = await serve(s.repo);
  t.teardown(srv.close);
  t.equal((await tufJsFetch(srv.url, clientDir(readFileSync(join(s.repo, '1.root.json'))), 'fulcio_v1.crt.pem')).toString(), 'PEM');

  // changing targets after publishing starts version 2 without signatures
  addTarget(s.dir, { name: 'rekor.pub', bytes: Buffer.from('K'), custom: { sigstore: { usage: 'Rekor', status: 'Active' } }, now: s.now });
  st = ceremonyStatus(s.dir);
  t.equal(st.targets.version, 2);
  t.equal(st.targets.complete, false);
  const before = snapshotOf(s.repo);
  await t.rejects(publish(s), { code: 'THRESHOLD_NOT_MET' });
  t.equal(snapshotOf(s.repo), before, 'refused publish leaves the repository unchanged');
  await signRole(s.dir, 'targets', s.targetsKeys[1]!);
  t.same((await publish(s)).targets, 2);
});

t.test('tampered metadata, mismatching targets and expired metadata are refused; the repository is unchanged', async (t) => {
  const s = setup();
  await signRole(s.dir, 'root', s.rootKeys[0]!);
  await signRole(s.dir, 'root', s.rootKeys[1]!);
  await signRole(s.dir, 'targets', s.targetsKeys[0]!);
  await publish(s);
  addTarget(s.dir, { name: 'ctfe.pub', bytes: Buffer.from('CT'), now: s.now });
  await signRole(s.dir, 'targets', s.targetsKeys[0]!);
  const before = snapshotOf(s.repo);

  // targets.json edited after signing
  const tp = join(s.dir, 'targets.json');
  const signed = readFileSync(tp);
  const doc = JSON.parse(signed.toString());
  doc.signed.targets['ctfe.pub'].custom = { sigstore: { usage: 'CTFE', status: 'Active' } };
  writeFileSync(tp, JSON.stringify(doc));
  await t.rejects(publish(s), { code: 'THRESHOLD_NOT_MET', message: /do not verify/ });
  t.equal(ceremonyStatus(s.dir).targets.checks[0]!.invalid.length, 1, 'status shows the bad signature');
  writeFileSync(tp, signed);

  // target bytes that do not match their hash
  const bp = join(s.dir, 'targets', 'ctfe.pub');
  writeFileSync(bp, 'XX');
  await t.rejects(publish(s), { code: 'TARGET_MISMATCH', message: /ctfe.pub: the bytes do not match its sha256 hash/ });
  writeFileSync(bp, 'CTX');
  await t.rejects(publish(s), { code: 'TARGET_MISMATCH', message: /3 bytes, metadata says 2/ });
  writeFileSync(bp, 'CT');

  // malformed metadata
  writeFileSync(tp, '{"signed": {"_type": "targets"}, "signatures": []}');
  await t.rejects(publish(s), { code: 'MALFORMED_METADATA' });
  writeFileSync(tp, 'not json');
  await t.rejects(publish(s), { code: 'MALFORMED_METADATA', message: /targets.json is not JSON/ });
  writeFileSync(tp, signed);

  // expired: publishing a year and a day later (root expires after 365 days)
  await t.rejects(publish(s, s.now + 366 * DAY), { code: 'EXPIRED', message: /expired at/ });
  t.equal(snapshotOf(s.repo), before, 'the repository never changed');
  t.same((await publish(s)).targets, 2, 'and the restored ceremony publishes');
});

t.test('root rotation needs the old threshold and the new one; refresh re-signs', async (t) => {
  const s = setup();
  t.throws(() => rotateRoot(s.dir, { now: s.now }), { code: 'THRESHOLD_NOT_MET', message: /finish signing it/ });
  await signRole(s.dir, 'root', s.rootKeys[0]!);
  await signRole(s.dir, 'root', s.rootKeys[1]!);
  await signRole(s.dir, 'targets', s.targetsKeys[0]!);
  await publish(s);

  // v2: root keys become [old key 2, new key], 2-of-2; old threshold 2-of-3 still applies
  const fresh = createEphemeralSigner('ed25519');
  t.throws(() => rotateRoot(s.dir, { root: { keys: [pem(fresh)], threshold: 2 }, now: s.now }), { code: 'INVALID_INPUT', message: /more than its 1 key/ });
  t.equal(rotateRoot(s.dir, { root: { keys: [pem(s.rootKeys[2]!), pem(fresh)], threshold: 2 }, now: s.now }), 2);
  await signRole(s.dir, 'root', fresh);
  await signRole(s.dir, 'root', s.rootKeys[2]!);
  let st = ceremonyStatus(s.dir);
  t.same(st.root.checks.map((c) => [c.against, c.valid.length, c.met]), [[1, 1, false], [2, 2, true]], 'new threshold met, old not');
  await t.rejects(publish(s), { code: 'THRESHOLD_NOT_MET', message: /signed by the keys of version 1/ });
  await signRole(s.dir, 'root', s.rootKeys[0]!); // an old key: allowed for the old threshold
  st = ceremonyStatus(s.dir);
  t.equal(st.root.complete, true);
  t.same((await publish(s)).root, 2);
  t.equal(readRepository(s.repo).roots.length, 2);

  // refresh targets: new version, new expiry, needs re-signing
  t.equal(refreshRole(s.dir, 'targets', { now: s.now + DAY, expiresDays: 30 }), 2);
  t.equal(ceremonyStatus(s.dir).targets.complete, false);
  await signRole(s.dir, 'targets', s.targetsKeys[1]!);
  t.equal((await publish(s)).targets, 2);
  t.equal(readRepository(s.repo).targets.signed.expires, new Date(Math.floor((s.now + 31 * DAY) / 1000) * 1000).toISOString().replace('.000Z', 'Z'));

  // refresh root: version 3 with the same keys, signed by v2's keys
  t.equal(refreshRole(s.dir, 'root', { now: s.now }), 3);
  await signRole(s.dir, 'root', fresh);
  await t.rejects(signRole(s.dir, 'root', s.rootKeys[0]!), { code: 'WRONG_KEY' }, 'a key dropped in v2 cannot sign v3');
  await signRole(s.dir, 'root', s.rootKeys[2]!);
  t.equal((await publish(s)).root, 3);
  t.throws(() => refreshRole(s.dir, 'timestamp', { now: s.now }), { code: 'INVALID_INPUT' });
});
