// REAL CLIENT tests: tuf-js (sigstore-js's TUF client) and the python-tuf reference
// client (python3-tuf from Debian, scripts/install-peers.sh), unmodified, against a
// repository served by tufRoutes over HTTP on 127.0.0.1.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { systemClock, createEphemeralSigner, FakeClock } from '@sigstack/core';
import {
  createRootMetadata,
  createSnapshotMetadata,
  createTimestampMetadata,
  OnlineRepository,
  publishRepository,
  readRepository,
  signMetadata,
  targetFile,
  toTufKey,
} from '../src/index.js';
import { buildRepository, cachedRootVersion, clientDir, DAY, newKeys, pythonClientInstalled, pythonHasEcdsa, pythonFetch, sampleTargets, serve, tmp, TRUSTED_ROOT, tufJsFetch } from './helpers.js';

const python = pythonClientInstalled();
const pySkip = python ? false : 'python3-tuf is not installed (run bash scripts/install-peers.sh)';

const pyEcdsa = python && pythonHasEcdsa();
for (const alg of ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384'] as const) {
  t.test(`tuf-js and python-tuf refresh and download targets (${alg} keys)`, async (t) => {
    const dir = tmp();
    const state = await buildRepository(dir, newKeys(alg), Date.now());
    const srv = await serve(dir);
    t.teardown(srv.close);
    const rootBytes = readFileSync(join(dir, '1.root.json'));
    // every listed hash has its own file (go-tuf picks one at random)
    for (const tf of Object.values(state.targets.signed.targets)) for (const h of Object.values(tf.hashes)) t.ok(existsSync(join(dir, targetFile(h, tf.path))), `${h.slice(0, 8)}.${tf.path}`);

    const js = await tufJsFetch(srv.url, clientDir(rootBytes), 'trusted_root.json');
    t.same(JSON.parse(js.toString()), TRUSTED_ROOT, 'tuf-js: trusted_root.json');
    t.equal((await tufJsFetch(srv.url, clientDir(rootBytes), 'rekor.pub')).toString(), sampleTargets()['rekor.pub']!.bytes.toString(), 'tuf-js: rekor.pub');

    const skip = pySkip || (alg !== 'ed25519' && !pyEcdsa ? "this machine's python3-cryptography (bookworm, 38) is too old for securesystemslib 1.4's ECDSA; python-tuf verifies Ed25519 only here" : false);
    t.test('python-tuf', { skip }, async (t) => {
      const py = await pythonFetch(srv.url, clientDir(rootBytes), 'trusted_root.json');
      t.same(JSON.parse(py.toString()), TRUSTED_ROOT, 'python-tuf: trusted_root.json');
      t.equal((await pythonFetch(srv.url, clientDir(rootBytes), 'rekor.pub')).toString(), sampleTargets()['rekor.pub']!.bytes.toString());
    });
  });
}

t.test('root rotation v1 -> v2 with replaced keys is followed by initialised clients', async (t) => {
  const dir = tmp();
  const keys = newKeys();
  const now = Date.now();
  const state = await buildRepository(dir, keys, now);
  const srv = await serve(dir);
  t.teardown(srv.close);
  const rootBytes = readFileSync(join(dir, '1.root.json'));
  const js = clientDir(rootBytes);
  const py = clientDir(rootBytes);
  await tufJsFetch(srv.url, js, 'trusted_root.json');
  if (python) await pythonFetch(srv.url, py, 'trusted_root.json');

  // v2 replaces the root key and the online key; signed by the old root key (old
  // threshold) and the new one (its own threshold).
  const newRoot = createEphemeralSigner('ed25519');
  const newOnline = createEphemeralSigner('ed25519');
  const v2 = createRootMetadata({
    version: 2,
    expires: now + 365 * DAY,
    roles: {
      root: { keys: [toTufKey(newRoot.publicKey)], threshold: 1 },
      targets: { keys: [toTufKey(keys.targets.publicKey)], threshold: 1 },
      snapshot: { keys: [toTufKey(newOnline.publicKey)], threshold: 1 },
      timestamp: { keys: [toTufKey(newOnline.publicKey)], threshold: 1 },
    },
  });
  await signMetadata(v2, keys.root);
  await signMetadata(v2, newRoot);
  const snapshot = createSnapshotMetadata(2, now + 7 * DAY, 1);
  await signMetadata(snapshot, newOnline);
  const timestamp = createTimestampMetadata(2, now + DAY, 2);
  await signMetadata(timestamp, newOnline);
  publishRepository(dir, { roots: [...state.roots, v2], targets: state.targets, snapshot, timestamp }, { now });
  t.equal(readRepository(dir).roots.length, 2);

  t.same(JSON.parse((await tufJsFetch(srv.url, js, 'trusted_root.json')).toString()), TRUSTED_ROOT);
  t.equal(cachedRootVersion(js), 2, 'tuf-js now trusts root v2');
  if (python) {
    t.same(JSON.parse((await pythonFetch(srv.url, py, 'trusted_root.json')).toString()), TRUSTED_ROOT);
    t.equal(cachedRootVersion(py), 2, 'python-tuf now trusts root v2');
  } else skipPython(t);

  // a v3 signed only by the NEW key but not the old root's... is fine; a v3 signed
  // only by the replaced v1 key must be refused by the publisher:
  const v3 = createRootMetadata({ version: 3, expires: now + 365 * DAY, roles: { ...rolesOf(v2) } });
  await signMetadata(v3, keys.root);
  t.throws(() => publishRepository(dir, { roots: [...readRepository(dir).roots, v3], targets: state.targets, snapshot, timestamp }, { now }), { code: 'THRESHOLD_NOT_MET' });
  t.notOk(existsSync(join(dir, '3.root.json')), 'nothing published');
});

t.test('an expired timestamp fails both clients until OnlineRepository re-signs it', async (t) => {
  const dir = tmp();
  const keys = newKeys();
  // built two days ago with a one-day timestamp: expired now
  const past = new FakeClock(Date.now() - 2 * DAY);
  await buildRepository(dir, keys, past.now(), { timestampExpiry: DAY });
  const srv = await serve(dir);
  t.teardown(srv.close);
  const rootBytes = readFileSync(join(dir, '1.root.json'));

  await t.rejects(tufJsFetch(srv.url, clientDir(rootBytes), 'trusted_root.json'), /expired/i, 'tuf-js refuses the expired timestamp');
  if (python) await t.rejects(pythonFetch(srv.url, clientDir(rootBytes), 'trusted_root.json'), /expired/i, 'python-tuf refuses it');

  const online = OnlineRepository.open({ dir, timestamp: keys.online, clock: systemClock });
  t.ok(online.needsRefresh('timestamp'));
  t.equal(await online.refresh(), true, 're-signed');
  t.equal(await online.refresh(), false, 'nothing due right after');
  t.equal(readRepository(dir).timestamp.signed.version, 2);

  t.same(JSON.parse((await tufJsFetch(srv.url, clientDir(rootBytes), 'trusted_root.json')).toString()), TRUSTED_ROOT, 'tuf-js succeeds');
  if (python) t.same(JSON.parse((await pythonFetch(srv.url, clientDir(rootBytes), 'trusted_root.json')).toString()), TRUSTED_ROOT, 'python-tuf succeeds');
  else skipPython(t);
});

t.test('metadata below threshold or tampered after signing is rejected by both clients', async (t) => {
  const dir = tmp();
  const state = await buildRepository(dir, newKeys(), Date.now());
  const srv = await serve(dir);
  t.teardown(srv.close);
  const rootBytes = readFileSync(join(dir, '1.root.json'));
  const edit = async (file: string, change: (doc: { signed: Record<string, unknown>; signatures: unknown[] }) => void, what: string) => {
    const path = join(dir, file);
    const original = readFileSync(path);
    const doc = JSON.parse(original.toString());
    change(doc);
    writeFileSync(path, JSON.stringify(doc));
    await t.rejects(tufJsFetch(srv.url, clientDir(rootBytes), 'trusted_root.json'), Error, `tuf-js rejects ${what}`);
    if (python) await t.rejects(pythonFetch(srv.url, clientDir(rootBytes), 'trusted_root.json'), Error, `python-tuf rejects ${what}`);
    writeFileSync(path, original);
    // and accepts the repository again once the file is restored
    await tufJsFetch(srv.url, clientDir(rootBytes), 'trusted_root.json');
  };
  const tv = state.targets.signed.version;
  await edit('timestamp.json', (d) => (d.signatures = []), 'an unsigned timestamp (0 of 1)');
  await edit('timestamp.json', (d) => (d.signed['expires'] = '2099-01-01T00:00:00Z'), 'a timestamp edited after signing');
  await edit(`${tv}.targets.json`, (d) => ((d.signed['targets'] as Record<string, { length: number }>)['trusted_root.json']!.length += 1), 'targets edited after signing');
  await edit('1.snapshot.json', (d) => (d.signatures = [{ keyid: (d.signatures[0] as { keyid: string }).keyid, sig: '00'.repeat(64) }]), 'a snapshot with a garbage signature');
  if (!python) skipPython(t);
});

function rolesOf(md: { signed: { roles: Record<string, { keyIDs: string[]; threshold: number }>; keys: Record<string, import('@tufjs/models').Key> } }) {
  const out: Record<string, { keys: import('@tufjs/models').Key[]; threshold: number }> = {};
  for (const [name, r] of Object.entries(md.signed.roles)) out[name] = { keys: r.keyIDs.map((id) => md.signed.keys[id]!), threshold: r.threshold };
  return out as Record<'root' | 'targets' | 'snapshot' | 'timestamp', { keys: import('@tufjs/models').Key[]; threshold: number }>;
}

function skipPython(t: Test): void {
  t.test('python-tuf', { skip: pySkip }, async () => {});
}
