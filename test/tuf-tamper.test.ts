// Tampered or under-signed TUF metadata, served from copies of the stack's repository
// (a static server; the stack itself stays intact): cosign 2.5 and 3.1 `initialize`,
// cosign 3.1 `verify-blob` after initialising on the good copy, and sigstore-js must
// all fail, with no fallback to cached data or to any other trust. protocols.md §10.1–10.3.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { fulcioConfigFor, startTestIssuer, tokenFile } from './lib/oidc-issuer.js';
import { cosignInitialize, cosignInitializeRaw, serveRepositoryCopy, sigstoreGoCache } from './lib/tuf-clients.js';
import { createRootMetadata, FileSigner, newKey, readRepository, signMetadata, toMetadataBytes, toTufKey } from './lib/tuf-ceremony.js';

t.setTimeout(300_000);

const dir = tempDir(t);
const idp = await startTestIssuer(t);
const fulcioConfig = join(dir, 'fulcio-config.json');
writeFileSync(fulcioConfig, JSON.stringify(fulcioConfigFor(idp)));
const stack = await startTestStack(t, { args: ['--fulcio-config', fulcioConfig] });
const repositoryDir = join(stack.dataDir, 'tuf', 'repository');
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `tamper test ${new Date().toISOString()}\n`);
const who = ['--certificate-identity', 'bob@example.com', '--certificate-oidc-issuer', idp.url];

// A bundle made with trust from the (intact) live repository.
const bundle = join(dir, 'good.sigstore.json');
{
  const env = clientEnv(join(dir, 'signer'));
  await cosignInitialize(cosign3, env, `${stack.url}/tuf`, stack.tufRoot);
  await runClientOk(cosign3, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', bundle, '--yes', artifact], { env });
}

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const latest = (d: string, role: string) => readdirSync(d).filter((f) => f.endsWith(`.${role}.json`)).sort((a, b) => parseInt(b) - parseInt(a))[0]!;

// `refetched`: whether a client that already trusts the intact copy downloads the
// tampered file again on its next refresh (timestamp.json and new roots: always; the
// versioned targets metadata and target files: only when the snapshot names a new
// version, so an initialised client keeps its verified copies and never sees them).
const cases: Record<string, { refetched: boolean; tamper: (copy: string) => Promise<void> }> = {
  'timestamp.json edited after signing (expiry moved a year on)': {
    refetched: true,
    tamper: async (copy) => {
      const ts = readJson(join(copy, 'timestamp.json'));
      ts.signed.expires = new Date(Date.parse(ts.signed.expires) + 365 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      writeFileSync(join(copy, 'timestamp.json'), JSON.stringify(ts));
    },
  },
  'targets metadata edited after signing (trusted_root.json length changed)': {
    refetched: false,
    tamper: async (copy) => {
      const f = join(copy, latest(copy, 'targets'));
      const md = readJson(f);
      md.signed.targets['trusted_root.json'].length += 1;
      writeFileSync(f, JSON.stringify(md));
    },
  },
  'a target file swapped (trusted_root.json bytes no longer match their hashes)': {
    refetched: false,
    tamper: async (copy) => {
      for (const f of readdirSync(join(copy, 'targets')).filter((n) => n.endsWith('.trusted_root.json'))) {
        const tr = readJson(join(copy, 'targets', f));
        tr.tlogs = [];
        writeFileSync(join(copy, 'targets', f), JSON.stringify(tr, null, 2) + '\n');
      }
    },
  },
  'timestamp signed by a key root does not list (0 of threshold 1)': {
    refetched: true,
    tamper: async (copy) => {
      const md = readRepository(copy).timestamp;
      md.signatures = {};
      await signMetadata(md, newKey(join(dir, 'keys'), 'intruder'));
      writeFileSync(join(copy, 'timestamp.json'), toMetadataBytes(md));
    },
  },
  'root v2 below its own threshold (2 of [old, new] keys required, signed by the old one only)': {
    refetched: true,
    tamper: async (copy) => {
      const v1 = readRepository(copy).roots[0]!.signed;
      const oldRoot = FileSigner.open({ path: join(stack.dataDir, 'tuf', 'keys', 'root.pem'), create: false });
      const fresh = newKey(join(dir, 'keys'), 'root-new');
      const keysOf = (role: string) => v1.roles[role]!.keyIDs.map((id: string) => v1.keys[id]!);
      const v2 = createRootMetadata({
        version: 2,
        expires: Date.now() + 30 * 86_400_000,
        roles: {
          root: { keys: [toTufKey(oldRoot.publicKey), toTufKey(fresh.publicKey)], threshold: 2 },
          targets: { keys: keysOf('targets'), threshold: 1 },
          snapshot: { keys: keysOf('snapshot'), threshold: 1 },
          timestamp: { keys: keysOf('timestamp'), threshold: 1 },
        },
      });
      await signMetadata(v2, oldRoot); // meets v1's threshold, not its own
      writeFileSync(join(copy, '2.root.json'), toMetadataBytes(v2));
    },
  },
};

let n = 0;
for (const [name, { refetched, tamper }] of Object.entries(cases)) {
  t.test(name, async (t) => {
    const id = ++n;
    const copy = await serveRepositoryCopy(t, repositoryDir, join(dir, `copy-${id}`));
    // Clients initialised on the copy while it was intact...
    const env3 = clientEnv(join(dir, `init3-${id}`));
    await cosignInitialize(cosign3, env3, copy.url, stack.tufRoot);
    t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', bundle, ...who, artifact], { env: env3 })).stderr, /Verified OK/, 'intact copy: verifies');
    await tamper(copy.dir);
    const cachedRoot = readFileSync(join(sigstoreGoCache(env3, copy.url), 'targets', 'trusted_root.json'));
    if (refetched) {
      // ...refuse it now: cosign 3.1 refreshes on every run and does not fall back to its cache.
      const r = await runClientFails(cosign3, ['verify-blob', '--bundle', bundle, ...who, artifact], { env: env3 });
      t.match(r.stderr, /signature|threshold/i, 'cosign 3.1: a signature / threshold error');
      t.comment(r.stderr.split('\n').find((l) => /Error/.test(l)) ?? '');
    } else {
      // ...keep what they verified (the tampered file is never fetched).
      t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', bundle, ...who, artifact], { env: env3 })).stderr, /Verified OK/);
      t.same(readFileSync(join(sigstoreGoCache(env3, copy.url), 'targets', 'trusted_root.json')), cachedRoot, 'cached trusted_root.json untouched');
    }
    // New clients cannot initialise from it (cosign 3.1 falls back to the legacy
    // client, which verifies the same metadata and fails too).
    for (const cosign of [cosign2, cosign3]) {
      const short = cosign.split('/').pop()!;
      const env = clientEnv(join(dir, `new-${short}-${id}`));
      const r = await cosignInitializeRaw(cosign, env, copy.url, stack.tufRoot);
      t.not(r.code, 0, `${short} initialize fails`);
      t.notMatch(r.stdout, /Root status/, `${short}: no legacy store either`);
      t.notOk(existsSync(join(env.TUF_ROOT!, 'targets', 'trusted_root.json')), `${short}: no trusted_root.json in the legacy store`);
      t.notOk(existsSync(join(sigstoreGoCache(env, copy.url), 'targets', 'trusted_root.json')), `${short}: none in the sigstore-go cache`);
    }
    // and cosign 3.1, after the failed initialize, does not verify with anything else
    {
      const env = clientEnv(join(dir, `new-cosign3-${id}`));
      await runClientFails(cosign3, ['verify-blob', '--bundle', bundle, ...who, artifact], { env });
    }
    const { verify } = await import('sigstore');
    await t.rejects(
      verify(readJson(bundle), readFileSync(artifact), {
        tufMirrorURL: copy.url,
        tufRootPath: stack.tufRoot,
        tufCachePath: join(dir, `js-${id}`),
        certificateIssuer: idp.url,
        certificateIdentityEmail: 'bob@example.com',
      }),
      'sigstore-js refuses it',
    );
  });
}
