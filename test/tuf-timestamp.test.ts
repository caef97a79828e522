// timestamp.json expiry: a stack whose timestamp lives TIMESTAMP_SECONDS
// (`tuf.timestampExpirySeconds`, for tests) re-signs it while running, so clients
// initialised before the first one expired still refresh and verify; a frozen copy
// of the repository (nothing re-signs it) is refused by every client once its
// timestamp has expired, with no fallback. protocols.md §10.3, §10.5.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { fulcioConfigFor, startTestIssuer, tokenFile } from './lib/oidc-issuer.js';
import { cosignInitialize, cosignInitializeRaw, metadataVersion, serveRepositoryCopy, sigstoreGoCache } from './lib/tuf-clients.js';

t.setTimeout(300_000);

const TIMESTAMP_SECONDS = 6;

const dir = tempDir(t);
const idp = await startTestIssuer(t);
const fulcioConfig = join(dir, 'fulcio-config.json');
writeFileSync(fulcioConfig, JSON.stringify(fulcioConfigFor(idp)));
const config = join(dir, 'sigstack.json');
writeFileSync(config, JSON.stringify({ tuf: { timestampExpirySeconds: TIMESTAMP_SECONDS } }));
const stack = await startTestStack(t, { args: ['--fulcio-config', fulcioConfig, '--config', config] });
const repositoryDir = join(stack.dataDir, 'tuf', 'repository');
const mirror = `${stack.url}/tuf`;
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `timestamp test ${new Date().toISOString()}\n`);
const who = ['--certificate-identity', 'bob@example.com', '--certificate-oidc-issuer', idp.url];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Timestamp {
  signed: { version: number; expires: string };
}
async function servedTimestamp(url: string): Promise<Timestamp['signed']> {
  return ((await (await fetch(`${url}/timestamp.json`)).json()) as Timestamp).signed;
}
const msLeft = (ts: Timestamp['signed']) => Date.parse(ts.expires) - Date.now();

t.test('the running stack re-signs an expiring timestamp; initialised clients keep verifying', async (t) => {
  const env2 = clientEnv(join(dir, 'live2'));
  const env3 = clientEnv(join(dir, 'live3'));
  const before = await servedTimestamp(mirror);
  t.ok(msLeft(before) <= TIMESTAMP_SECONDS * 1000, `timestamp expires within ${TIMESTAMP_SECONDS} s`);
  await Promise.all([cosignInitialize(cosign2, env2, mirror, stack.tufRoot), cosignInitialize(cosign3, env3, mirror, stack.tufRoot)]);
  const legacy = join(dir, 'live.bundle');
  const bundle = join(dir, 'live.sigstore.json');
  await runClientOk(cosign2, ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', legacy, '--yes', artifact], { env: env2 });
  await runClientOk(cosign3, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', bundle, '--yes', artifact], { env: env3 });
  const cached = metadataVersion(join(sigstoreGoCache(env3, mirror), 'timestamp.json'));

  // Past the expiry of every timestamp the clients have cached.
  await sleep(TIMESTAMP_SECONDS * 1000 + 500);
  const after = await servedTimestamp(mirror);
  t.ok(after.version > before.version, `re-signed: version ${before.version} -> ${after.version}`);
  t.ok(msLeft(after) > 0, 'the served timestamp is current');
  t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', bundle, ...who, artifact], { env: env3 })).stderr, /Verified OK/);
  t.ok(metadataVersion(join(sigstoreGoCache(env3, mirror), 'timestamp.json')) > cached, 'cosign 3.1 took the new timestamp');
  t.match((await runClientOk(cosign2, ['verify-blob', '--bundle', legacy, ...who, artifact], { env: env2 })).stderr, /Verified OK/);
  const { verify } = await import('sigstore');
  await t.resolves(
    verify(JSON.parse(readFileSync(bundle, 'utf8')), readFileSync(artifact), {
      tufMirrorURL: mirror,
      tufRootPath: stack.tufRoot,
      tufCachePath: join(dir, 'js-live'),
      certificateIssuer: idp.url,
      certificateIdentityEmail: 'bob@example.com',
    }),
  );
});

t.test('a frozen copy whose timestamp expired is refused by initialised and new clients', async (t) => {
  // Copy the repository right after a re-signing, so the copy starts with most of its timestamp's life.
  for (let i = 0; i < 100 && msLeft(await servedTimestamp(mirror)) < (TIMESTAMP_SECONDS - 1.5) * 1000; i++) await sleep(100);
  const frozen = await serveRepositoryCopy(t, repositoryDir, join(dir, 'frozen'));
  const env3 = clientEnv(join(dir, 'frozen3'));
  const env2 = clientEnv(join(dir, 'frozen2'));
  await Promise.all([cosignInitialize(cosign3, env3, frozen.url, stack.tufRoot), cosignInitialize(cosign2, env2, frozen.url, stack.tufRoot)]);
  const bundle = join(dir, 'frozen.sigstore.json');
  const legacy = join(dir, 'frozen.bundle');
  await runClientOk(cosign3, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', bundle, '--yes', artifact], { env: env3 });
  await runClientOk(cosign2, ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', legacy, '--yes', artifact], { env: env2 });
  const jsOpts = { tufMirrorURL: frozen.url, tufRootPath: stack.tufRoot, tufCachePath: join(dir, 'js-frozen'), certificateIssuer: idp.url, certificateIdentityEmail: 'bob@example.com' };
  const { verify } = await import('sigstore');
  await t.resolves(verify(JSON.parse(readFileSync(bundle, 'utf8')), readFileSync(artifact), jsOpts), 'sigstore-js, while the copy is fresh');

  const ts = JSON.parse(readFileSync(join(frozen.dir, 'timestamp.json'), 'utf8')) as Timestamp;
  await sleep(Math.max(0, msLeft(ts.signed)) + 1000);
  const v3 = await runClientFails(cosign3, ['verify-blob', '--bundle', bundle, ...who, artifact], { env: env3 });
  t.match(v3.stderr, /expired/i, 'cosign 3.1: expired timestamp');
  const v2 = await runClientFails(cosign2, ['verify-blob', '--bundle', legacy, ...who, artifact], { env: env2 });
  t.match(v2.stderr, /expired/i, 'cosign 2.5: expired timestamp');
  const jsErr = await verify(JSON.parse(readFileSync(bundle, 'utf8')), readFileSync(artifact), jsOpts).then(
    () => undefined,
    (e: Error & { cause?: unknown }) => e,
  );
  t.match(jsErr?.message, /error refreshing TUF metadata/, 'sigstore-js refuses to refresh');
  t.match(String((jsErr?.cause as Error | undefined)?.message ?? jsErr?.cause), /expired/i, 'sigstore-js: expired timestamp');
  for (const cosign of [cosign2, cosign3]) {
    const r = await cosignInitializeRaw(cosign, clientEnv(join(dir, `new-${cosign.split('/').pop()}`)), frozen.url, stack.tufRoot);
    t.not(r.code, 0, `${cosign.split('/').pop()} initialize refuses the expired repository`);
    t.match(r.stderr, /expired/i);
  }
});
