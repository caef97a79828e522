// The operator's repository: a ceremony (packages/tuf ceremony library, what `sigstack
// tuf init/add-target/sign/publish` run) publishes the stack's trust material, the
// stack serves it (`tuf.repositoryDir` + `tuf.onlineKey`) and keeps its timestamp
// fresh; then, while the stack runs, root v1 -> v2 replaces the root key and the
// targets key. cosign 3.1, cosign 2.5 and sigstore-js clients initialised on v1
// follow the chain and verify with v2 material. protocols.md §10.1, §10.3, §10.5.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack, stopStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClientOk } from './lib/client-run.js';
import { fulcioConfigFor, startTestIssuer, tokenFile } from './lib/oidc-issuer.js';
import { cosignInitialize, legacyTrustedRoot, metadataVersion, sigstoreGoCache } from './lib/tuf-clients.js';
import { addTarget, ceremonyFromDevRepository, newKey, publishCeremony, rotateRoot, signRole, toTufKey } from './lib/tuf-ceremony.js';

t.setTimeout(300_000);

/** Timestamp lifetime: short, so cosign 2.5's legacy client (which refreshes only once its cached timestamp expired) sees the rotation within the test. */
const TIMESTAMP_SECONDS = 6;

const dir = tempDir(t);
const idp = await startTestIssuer(t);
const fulcioConfig = join(dir, 'fulcio-config.json');
writeFileSync(fulcioConfig, JSON.stringify(fulcioConfigFor(idp)));
const dataDir = join(dir, 'data');

// A first (development) start makes the stack's keys and trust material; the
// ceremony then publishes them as targets of the operator's own repository.
const first = await startTestStack(t, { dataDir, args: ['--fulcio-config', fulcioConfig] });
await stopStack(first);
const op = await ceremonyFromDevRepository(join(dataDir, 'tuf', 'repository'), join(dir, 'operator'), { timestampExpiryDays: TIMESTAMP_SECONDS / 86_400 });
const config = join(dir, 'sigstack.json');
writeFileSync(config, JSON.stringify({ tuf: { repositoryDir: op.repository, onlineKey: { path: op.onlineKeyPath }, timestampExpirySeconds: TIMESTAMP_SECONDS } }));
// Same port: the signing config in the targets names the stack's URL.
const stack = await startTestStack(t, { dataDir, port: first.port, args: ['--fulcio-config', fulcioConfig, '--config', config] });
const mirror = `${stack.url}/tuf`;
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const env2 = clientEnv(join(dir, 'user2'));
const env3 = clientEnv(join(dir, 'user3'));
const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `rotation test ${new Date().toISOString()}\n`);
const who = (email: string) => ['--certificate-identity', email, '--certificate-oidc-issuer', idp.url];
const legacyBundle = join(dir, 'cosign2.bundle');
const bundle3 = join(dir, 'cosign3.sigstore.json');
const jsCache = join(dir, 'sigstore-js-tuf');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sigstoreJsVerify(bundlePath: string, email: string): Promise<void> {
  const { verify } = await import('sigstore');
  await verify(JSON.parse(readFileSync(bundlePath, 'utf8')), readFileSync(artifact), {
    tufMirrorURL: mirror,
    tufRootPath: stack.tufRoot,
    tufCachePath: jsCache,
    certificateIssuer: idp.url,
    certificateIdentityEmail: email,
  });
}

t.test('the stack serves the ceremony repository, not its development one', async (t) => {
  const served = Buffer.from(await (await fetch(`${mirror}/1.root.json`)).arrayBuffer());
  t.same(served, readFileSync(join(op.repository, '1.root.json')));
  t.same(readFileSync(stack.tufRoot), served, '<trust>/root.json is version 1 of the served chain');
  t.equal((await fetch(`${mirror}/2.root.json`)).status, 404);
});

t.test('clients initialise on root v1 and verify', async (t) => {
  await Promise.all([cosignInitialize(cosign2, env2, mirror, stack.tufRoot), cosignInitialize(cosign3, env3, mirror, stack.tufRoot)]);
  await runClientOk(cosign2, ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', tokenFile(dir, await idp.emailToken('alice@example.com')), '--bundle', legacyBundle, '--yes', artifact], { env: env2 });
  await runClientOk(cosign3, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', bundle3, '--yes', artifact], { env: env3 });
  t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', bundle3, ...who('bob@example.com'), artifact], { env: env3 })).stderr, /Verified OK/);
  t.match((await runClientOk(cosign2, ['verify-blob', '--bundle', legacyBundle, ...who('alice@example.com'), artifact], { env: env2 })).stderr, /Verified OK/);
  await t.resolves(sigstoreJsVerify(bundle3, 'bob@example.com'));
  t.equal(metadataVersion(join(sigstoreGoCache(env3, mirror), 'root.json')), 1);
});

t.test('root v2 with replaced root and targets keys, published while the stack runs; v1 clients follow', async (t) => {
  const now = Date.now();
  const root2 = newKey(join(dir, 'operator', 'keys'), 'root-2');
  const targets2 = newKey(join(dir, 'operator', 'keys'), 'targets-2');
  t.equal(rotateRoot(op.ceremony, { root: { keys: [root2.publicKey], threshold: 1 }, targets: { keys: [targets2.publicKey], threshold: 1 }, now }), 2);
  // A new target, signed only by the new targets key: a client that did not move to v2 cannot accept it.
  addTarget(op.ceremony, { name: 'rotation-notice.txt', bytes: Buffer.from('root v2: root and targets keys replaced\n'), now });
  await signRole(op.ceremony, 'root', op.keys.root); // v1's threshold
  await signRole(op.ceremony, 'root', root2); // v2's own
  await signRole(op.ceremony, 'targets', targets2);
  await publishCeremony(op.ceremony, { repository: op.repository, snapshot: [op.keys.online], timestamp: [op.keys.online], now });
  t.equal((await fetch(`${mirror}/2.root.json`)).status, 200);

  // cosign 3.1 refreshes on every run: it walks 1 -> 2 and verifies the v2-signed targets.
  t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', bundle3, ...who('bob@example.com'), artifact], { env: env3 })).stderr, /Verified OK/);
  const cache3 = sigstoreGoCache(env3, mirror);
  t.equal(metadataVersion(join(cache3, 'root.json')), 2, 'cosign 3.1 trusts root v2');
  const targets = JSON.parse(readFileSync(join(cache3, 'targets.json'), 'utf8'));
  t.ok(targets.signed.targets['rotation-notice.txt'], 'and the targets signed by the new targets key');
  t.same(targets.signatures.map((s: { keyid: string }) => s.keyid), [toTufKey(targets2.publicKey).keyID], 'signed by the v2 targets key');
  // and signs again with the signing config that came through the new chain
  const after3 = join(dir, 'cosign3-after.sigstore.json');
  await runClientOk(cosign3, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', after3, '--yes', artifact], { env: env3 });
  t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', after3, ...who('bob@example.com'), artifact], { env: env3 })).stderr, /Verified OK/);

  // cosign 2.5's legacy client refreshes once its cached timestamp has expired; the
  // stack keeps re-signing the served one meanwhile.
  await sleep(TIMESTAMP_SECONDS * 1000 + 500);
  t.match((await runClientOk(cosign2, ['verify-blob', '--bundle', legacyBundle, ...who('alice@example.com'), artifact], { env: env2 })).stderr, /Verified OK/);
  t.ok(existsSync(join(env2.TUF_ROOT!, 'targets', 'rotation-notice.txt')), 'cosign 2.5 accepted the targets signed by the v2 targets key');
  t.match((await runClientOk(cosign2, ['verify-blob', '--new-bundle-format', '--trusted-root', legacyTrustedRoot(env2), '--bundle', after3, ...who('bob@example.com'), artifact], { env: env2 })).stderr, /Verified OK/);

  // sigstore-js, with its cache on v1 and the v1 root as tufRootPath
  await t.resolves(sigstoreJsVerify(after3, 'bob@example.com'));
  t.ok(metadataVersion(join(op.repository, 'timestamp.json')) > 2, 'the stack re-signed the timestamp after the ceremony published');
});
