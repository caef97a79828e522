// An air-gapped site (issue 13): `sigstack trust export` on the stack, then, in a
// network namespace with no interface up (no route to anything), `sigstack trust
// import` into a fresh HOME/TUF_ROOT and directory, and verification there with
// `sigstack verify-blob --offline` (trust from the imported TUF cache, no flag) and
// cosign 3.1 (`initialize --mirror file://…` with its own TUF client, then
// `verify-blob --trusted-root` with the trusted root that client verified). Hostile
// bundles are refused with a message naming the problem, and write nothing.
import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportTrustBundle, fromTarBytes, toTarBytes } from '../packages/tuf/src/index.js';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClient, runClientFails, runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { sigstack } from './lib/sigstack-cli.js';
import { buildRepository, DAY, newKeys } from '../packages/tuf/test/helpers.js';

t.setTimeout(300_000);

const dir = tempDir(t);
const { stack, idp, env3: env } = await startKeylessStack(t, dir);
const cosign3 = peer('cosign3');
const who = (email: string) => ['--certificate-identity', email, '--certificate-oidc-issuer', idp.url];
/** argv run inside a new network namespace: loopback down, no route anywhere. */
const offline = (cmd: string, args: string[]): [string, string[]] => ['unshare', ['--net', cmd, ...args]];
const sgOffline = (args: string[]) => offline(...sigstack(args));

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `signed on the connected side at ${new Date().toISOString()}\n`);
const bundleCosign = join(dir, 'cosign3.sigstore.json');
const bundleOurs = join(dir, 'sigstack.sigstore.json');
const bundle = join(dir, 'trust.tar');

// The site: its own HOME and TUF_ROOT, the bundle and the root carried over by hand.
const site = join(dir, 'site');
const siteEnv = clientEnv(site);
const siteDir = join(site, 'sigstack-trust');
const pinnedRoot = join(site, 'root.json');
// cosign initialize empties its TUF_ROOT first (os.RemoveAll): it gets its own.
const cosignEnv = { ...siteEnv, TUF_ROOT: join(site, 'cosign-tuf') };

t.test('on the stack: sign (cosign 3.1 keyless, sigstack keyless), then export the trust bundle', async (t) => {
  const token = tokenFile(dir, await idp.emailToken('alice@example.com'));
  await runClientOk(cosign3, ['sign-blob', '--signing-config', stack.signingConfig, '--trusted-root', stack.trustedRoot, '--identity-token', token, '--bundle', bundleCosign, '--yes', artifact], { env });
  await runClientOk(...sigstack(['sign-blob', '--signing-config', stack.signingConfig, '--identity-token', token, '--bundle', bundleOurs, '--yes', artifact]), { env });
  const r = await runClientOk(...sigstack(['trust', 'export', '--data-dir', stack.dataDir, '--out', bundle]), { env });
  t.match(r.stdout, /valid until \d{4}-\d\d-\d\dT[\d:]+Z: export and import a new bundle before then/);
  const names = fromTarBytes(readFileSync(bundle)).map((e) => e.name);
  for (const n of ['1.root.json', 'timestamp.json', 'targets/trusted_root.json', 'targets/signing_config.v0.2.json', 'targets/rekor.pub', 'targets/ctfe.pub']) t.ok(names.includes(n), n);
  mkdirSync(site, { recursive: true });
  copyFileSync(stack.tufRoot, pinnedRoot);
});

t.test('on the site, with no route to the stack: import, then sigstack verify-blob --offline with no trust flag', async (t) => {
  const r = await runClientOk(...sgOffline(['trust', 'import', bundle, '--root', pinnedRoot, '--dir', siteDir]), { env: siteEnv });
  t.match(r.stdout, /imported .*trust\.tar/);
  t.match(r.stdout, /valid until/);
  t.ok(existsSync(join(siteDir, 'repository', 'timestamp.json')), 'a TUF mirror');
  t.same(JSON.parse(readFileSync(join(siteDir, 'trust', 'trusted_root.json'), 'utf8')), JSON.parse(readFileSync(stack.trustedRoot, 'utf8')), 'the stack trusted root');
  for (const b of [bundleCosign, bundleOurs]) {
    const ok = await runClientOk(...sgOffline(['verify-blob', '--offline', '--bundle', b, ...who('alice@example.com'), artifact]), { env: siteEnv });
    t.match(ok.stderr, /Verified OK/);
    // without --offline too: a file: mirror is read from the verified cache only
    t.match((await runClientOk(...sgOffline(['verify-blob', '--bundle', b, ...who('alice@example.com'), artifact]), { env: siteEnv })).stderr, /Verified OK/);
    t.match((await runClientFails(...sgOffline(['verify-blob', '--offline', '--bundle', b, ...who('mallory@example.com'), artifact]), { env: siteEnv })).stderr, /identity/);
  }
  // Importing the same bundle again (a second user, an update that brought nothing new) is fine.
  await runClientOk(...sgOffline(['trust', 'import', bundle, '--dir', siteDir]), { env: siteEnv });
});

t.test('on the site: cosign 3.1 initialize --mirror file://… --root, then verify-blob, no network, no insecure flag', async (t) => {
  const mirror = `file://${join(siteDir, 'repository')}`;
  const init = await runClientOk(...offline(cosign3, ['initialize', '--mirror', mirror, '--root', join(siteDir, 'trust', 'root.json')]), { env: cosignEnv });
  t.match(init.stdout, /"trusted_root.json"/, 'cosign verified the mirror with its TUF client (go-tuf, file store)');
  const verified = join(cosignEnv.TUF_ROOT, 'targets', 'trusted_root.json');
  t.same(JSON.parse(readFileSync(verified, 'utf8')), JSON.parse(readFileSync(stack.trustedRoot, 'utf8')));
  for (const b of [bundleCosign, bundleOurs]) {
    const ok = await runClientOk(...offline(cosign3, ['verify-blob', '--trusted-root', verified, '--bundle', b, ...who('alice@example.com'), artifact]), { env: cosignEnv });
    t.match(ok.stderr, /Verified OK/);
    await runClientFails(...offline(cosign3, ['verify-blob', '--trusted-root', verified, '--bundle', b, ...who('mallory@example.com'), artifact]), { env: cosignEnv });
  }
  // A mirror someone edited after the import: cosign's own client refuses it.
  const evil = join(site, 'evil-mirror');
  await runClientOk('cp', ['-r', join(siteDir, 'repository'), evil], { env });
  const ts = join(evil, 'timestamp.json');
  writeFileSync(ts, readFileSync(ts, 'utf8').replace(/"version": (\d+)/, (_m, v: string) => `"version": ${Number(v) + 1}`));
  const bad = await runClient(...offline(cosign3, ['initialize', '--mirror', `file://${evil}`, '--root', join(siteDir, 'trust', 'root.json')]), { env: { ...cosignEnv, TUF_ROOT: join(site, 'cosign-evil') } });
  t.not(bad.code, 0, 'tampered timestamp refused by cosign');
  t.match(bad.stderr, /timestamp\.json.*signatures did not meet threshold/);
});

// The site's own web server in front of the imported mirror (any static server that
// answers 404 for a missing file): cosign 3.1 then needs no trust flag at all. Inside the
// namespace only loopback is up; python's http.server stands in for the site's nginx.
const SITE_MIRROR = `set -e
ip link set lo up
/usr/bin/python3 -m http.server 8080 --bind 127.0.0.1 --directory "$MIRROR" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid' EXIT
for i in $(seq 100); do /usr/bin/python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null && break; sleep 0.1; done
"$COSIGN" initialize --mirror http://127.0.0.1:8080 --root "$ROOT"
for b in $BUNDLES; do "$COSIGN" verify-blob --bundle "$b" --certificate-identity alice@example.com --certificate-oidc-issuer "$ISSUER" "$ARTIFACT"; done
`;

t.test('on the site: cosign 3.1 with no trust flag, from the imported mirror behind a site-local web server', async (t) => {
  const env = {
    ...siteEnv,
    TUF_ROOT: join(site, 'cosign-http'),
    MIRROR: join(siteDir, 'repository'),
    ROOT: join(siteDir, 'trust', 'root.json'),
    COSIGN: cosign3,
    BUNDLES: `${bundleCosign} ${bundleOurs}`,
    ISSUER: idp.url,
    ARTIFACT: artifact,
  };
  const r = await runClientOk('unshare', ['--net', 'bash', '-c', SITE_MIRROR], { env });
  t.equal(r.stderr.match(/Verified OK/g)?.length, 2, r.stderr);
  t.notMatch(r.stderr, /falling back to individual targets/, 'sigstore-go read trusted_root.json from the site mirror');
});

t.test('hostile bundles are refused, name the problem, and write nothing', async (t) => {
  const good = readFileSync(bundle);
  const rebuilt = (name: string, edit: (b: Buffer) => Buffer) => toTarBytes(fromTarBytes(good).map((e) => (e.name === name ? { name, bytes: edit(Buffer.from(e.bytes)) } : e)));
  const variants = join(dir, 'variants');
  mkdirSync(variants);
  const file = (name: string, bytes: Uint8Array) => (writeFileSync(join(variants, name), bytes), join(variants, name));

  // Another repository's root (what a wrong --root looks like), and an expired bundle
  // exported while it was still valid, three days ago.
  const other = join(dir, 'other-repo');
  const then = Date.now() - 3 * DAY;
  await buildRepository(other, newKeys(), then, { timestampExpiry: DAY });
  const expired = file('expired.tar', exportTrustBundle(other, { now: then }).bytes);

  const cases: [string, string, string, RegExp][] = [
    ['a changed target', file('target.tar', rebuilt('targets/trusted_root.json', (b) => Buffer.from(b.toString().replace('"tlogs"', '"tlogz"')))), pinnedRoot, /trusted_root\.json: the bytes do not match/],
    ['a re-signed-by-nobody timestamp', file('timestamp.tar', rebuilt('timestamp.json', (b) => Buffer.from(b.toString().replace(/"expires": "(\d{4})/, (_m, y: string) => `"expires": "${Number(y) + 10}`)))), pinnedRoot, /timestamp .*valid signature/],
    ['a truncated download', file('truncated.tar', good.subarray(0, Math.floor(good.length / 2))), pinnedRoot, /truncated/],
    ['the wrong pinned root', bundle, join(other, '1.root.json'), /not the trusted root/],
    ['expired metadata', expired, join(other, '1.root.json'), /timestamp version 1 expired at/],
  ];
  for (const [what, path, root, message] of cases) {
    const target = join(dir, `refused-${what.replace(/\W+/g, '-')}`);
    const tenv = clientEnv(target);
    const r = await runClientFails(...sgOffline(['trust', 'import', path, '--root', root, '--dir', join(target, 'trust')]), { env: tenv });
    t.match(r.stderr, /^sigstack trust: /m, what);
    t.match(r.stderr, message, what);
    t.notMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
    t.notOk(existsSync(join(target, 'trust')), `${what}: nothing written`);
    t.notOk(existsSync(join(tenv.TUF_ROOT!, 'sigstack')), `${what}: client trust untouched`);
  }
  const noRoot = await runClientFails(...sigstack(['trust', 'import', bundle, '--dir', join(dir, 'no-root')]), { env });
  t.match(noRoot.stderr, /--root ROOT\.json is required/);

  // A refused bundle over a good import leaves the good one in place.
  await runClientFails(...sgOffline(['trust', 'import', join(variants, 'truncated.tar'), '--dir', siteDir]), { env: siteEnv });
  await runClientFails(...sgOffline(['trust', 'import', join(variants, 'target.tar'), '--dir', siteDir]), { env: siteEnv });
  t.match((await runClientOk(...sgOffline(['verify-blob', '--offline', '--bundle', bundleOurs, ...who('alice@example.com'), artifact]), { env: siteEnv })).stderr, /Verified OK/);
});

t.test('past its expiry, the imported trust is refused (no flag accepts expired metadata)', async (t) => {
  const short = join(dir, 'short-repo');
  const built = Date.now();
  await buildRepository(short, newKeys(), built, { timestampExpiry: 8_000 });
  const f = join(dir, 'short.tar');
  writeFileSync(f, exportTrustBundle(short, { now: Date.now() }).bytes);
  const senv = clientEnv(join(dir, 'short-site'));
  await runClientOk(...sgOffline(['trust', 'import', f, '--root', join(short, '1.root.json'), '--dir', join(dir, 'short-site', 'trust')]), { env: senv });
  await new Promise((r) => setTimeout(r, Math.max(0, built + 9_000 - Date.now())));
  const r = await runClientFails(...sgOffline(['verify-blob', '--offline', '--bundle', bundleOurs, ...who('alice@example.com'), artifact]), { env: senv });
  t.match(r.stderr, /imported trust .*: timestamp expired at .*; import a new trust bundle/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const again = await runClientFails(...sgOffline(['trust', 'import', f, '--dir', join(dir, 'short-site', 'trust')]), { env: senv });
  t.match(again.stderr, /timestamp version 1 expired at/);
});
