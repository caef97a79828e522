// The real gitsign (Debian 0.16.1: cosign v3.1 / sigstore 1.10 libraries inside) signing
// git commits keyless against the stack — CA through the legacy API v1, the CT log,
// Rekor v1 — with a token from the development issuer, and verifying them with
// `gitsign verify --certificate-identity --certificate-oidc-issuer` and
// `git verify-commit`, in both Rekor modes (online: the log is searched by the
// certificate with /api/v1/index/retrieve; offline: the entry is embedded in the CMS
// signature) and with an RFC 3161 timestamp. No insecure option exists in gitsign and
// none is used: SCTs are checked, the chain is checked against our Fulcio root, the SET
// against the trusted root from our TUF repository.
//
// What gitsign 0.16.1 needs (sigstore/gitsign@v0.16.1):
// - GITSIGN_FULCIO_URL / GITSIGN_REKOR_URL / GITSIGN_OIDC_ISSUER (internal/config/config.go);
// - a token: GITSIGN_TOKEN_PROVIDER=envvar + SIGSTORE_ID_TOKEN (cosign's providers,
//   internal/fulcio/identity.go; main.go links pkg/providers/all);
// - SIGSTORE_ROOT_FILE (Fulcio chain; internal/fulcio/fulcioroots), SIGSTORE_REKOR_PUBLIC_KEY
//   (cosign.GetRekorPubs in pkg/rekor.NewWithOptions) and SIGSTORE_CT_LOG_PUBLIC_KEY_FILE
//   (cosign.GetCTLogPubs, internal/gitsign/gitsign.go): without them the legacy go-tuf
//   client starts from its embedded public-good root (protocols.md §10.5);
// - a sigstore-go TUF client for cosign.TrustedRoot(), called by every Rekor check
//   (pkg/rekor/rekor.go Verify, VerifyInclusion): `gitsign initialize --mirror <url>/tuf
//   --root root.json`, or TUF_MIRROR + TUF_ROOT_JSON.
import t from 'tap';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { SIGSTACK_BIN } from './lib/stack-process.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv, DEAD_PROXY } from './lib/client-env.js';
import { runClient, runClientFails, runClientOk } from './lib/client-run.js';
import { reapOnExit } from './lib/reap-on-exit.js';
import { run, runOk } from './lib/run.js';

t.setTimeout(120_000);

const gitsign = peer('gitsign');
// Not linked into the peers' bin/: it sits next to the real gitsign binary.
const cacheDaemon = join(dirname(realpathSync(gitsign)), 'gitsign-credential-cache');
const dir = tempDir(t, 'sigstack-gitsign-');
const stack = await startTestStack(t);
const issuer = `${stack.url}/oidc`;

async function devToken(email: string): Promise<string> {
  const r = await run(process.execPath, [SIGSTACK_BIN, 'dev-token', '--data-dir', stack.dataDir, '--email', email], { timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`dev-token failed: ${r.stderr}`);
  return r.stdout.trim();
}

// The caller's git and gitsign settings must not leak in (GIT_DIR, GITSIGN_CREDENTIAL_CACHE, ...).
const cleared: Record<string, undefined> = {};
for (const k of Object.keys(process.env)) if (/^(GIT_|GITSIGN_)/.test(k)) cleared[k] = undefined;
const gitconfig = join(dir, 'gitconfig');
writeFileSync(gitconfig, '');
const env = clientEnv(dir, {
  ...cleared,
  GIT_CONFIG_GLOBAL: gitconfig,
  GIT_CONFIG_NOSYSTEM: '1',
  GITSIGN_FULCIO_URL: stack.url,
  GITSIGN_REKOR_URL: stack.url,
  GITSIGN_OIDC_ISSUER: issuer,
  GITSIGN_TOKEN_PROVIDER: 'envvar',
  SIGSTORE_ID_TOKEN: await devToken('alice@example.com'),
  SIGSTORE_ROOT_FILE: stack.fulcioChain,
  SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub,
  SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: stack.ctfePub,
  GITSIGN_LOG: join(dir, 'gitsign.log'),
});

const repo = join(dir, 'repo');
mkdirSync(repo);
const git = (args: string[], extra: Record<string, string | undefined> = {}) => runClient('git', args, { cwd: repo, env: { ...env, ...extra } });
const gitOk = (args: string[], extra: Record<string, string | undefined> = {}) => runClientOk('git', args, { cwd: repo, env: { ...env, ...extra } });
const identity = (id = 'alice@example.com', iss = issuer) => ['--certificate-identity', id, '--certificate-oidc-issuer', iss];
const verify = (rev: string, extra: Record<string, string | undefined> = {}, id = identity()) =>
  runClient(gitsign, ['verify', ...id, rev], { cwd: repo, env: { ...env, ...extra } });

await runOk('git', ['init', '-q', '-b', 'main', repo], { env });
for (const [k, v] of [
  ['user.name', 'Alice'],
  ['user.email', 'alice@example.com'],
  ['gpg.format', 'x509'],
  ['gpg.x509.program', gitsign],
  ['commit.gpgsign', 'true'],
])
  await gitOk(['config', k!, v!]);

/** The commit's gpgsig header, unfolded, as DER. */
async function signatureDer(rev: string): Promise<Buffer> {
  const raw = (await gitOk(['cat-file', 'commit', rev])).stdout;
  const m = /^gpgsig -----BEGIN SIGNED MESSAGE-----\n((?: .*\n)*?) -----END SIGNED MESSAGE-----$/m.exec(raw);
  if (!m) throw new Error(`no gitsign signature in\n${raw}`);
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}

/** DER encoding of an OID's content octets, to look for an attribute in the CMS. */
function oidBytes(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const septets = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) septets.unshift((v & 0x7f) | 0x80);
    out.push(...septets);
  }
  return Buffer.concat([Buffer.from([0x06, out.length]), Buffer.from(out)]);
}
const REKOR_TLE_OID = oidBytes('1.3.6.1.4.1.57264.3.1');
const TIMESTAMP_TOKEN_OID = oidBytes('1.2.840.113549.1.9.16.2.14');

/** A copy of a commit with its message changed and its gpgsig kept, written to the object store. */
async function tampered(rev: string): Promise<string> {
  const raw = (await gitOk(['cat-file', 'commit', rev])).stdout;
  const edited = raw.replace(/\n\n([^]*)$/, '\n\n$1 (edited)\n');
  const r = await runClientOk('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], { cwd: repo, env, input: edited });
  return r.stdout.trim();
}

t.test('gitsign initialize against the stack TUF repository', async (t) => {
  const r = await runClientOk(gitsign, ['initialize', '--mirror', `${stack.url}/tuf`, '--root', stack.tufRoot], { cwd: repo, env });
  t.notMatch(r.stderr, /error/i);
});

let online = '';
t.test('rekorMode online (default): git commit signs, the log holds SHA-256(commit SHA) signed by the certificate', async (t) => {
  const c = await gitOk(['commit', '--allow-empty', '-m', 'signed by gitsign, online mode']);
  t.match(c.stdout, /signed by gitsign/);
  online = (await gitOk(['rev-parse', 'HEAD'])).stdout.trim();
  const der = await signatureDer(online);
  t.notOk(der.includes(REKOR_TLE_OID), 'online mode embeds no tlog entry');
  const digest = createHash('sha256').update(online).digest('hex');
  const res = await fetch(`${stack.url}/api/v1/index/retrieve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hash: `sha256:${digest}` }),
  });
  t.equal(res.status, 200);
  t.equal(((await res.json()) as string[]).length, 1, 'one hashedrekord entry over the commit SHA');
});

t.test('online: gitsign verify finds the entry by certificate and checks identity, SCT, SET', async (t) => {
  const r = await verify(online);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Good signature from \[alice@example\.com\]\(http:\/\/127\.0\.0\.1:\d+\/oidc\)/);
  t.match(r.stdout, /Validated Git signature: true/);
  t.match(r.stdout, /Validated Rekor entry: true/);
  t.match(r.stdout, /Validated Certificate claims: true/);
});

t.test('online: git verify-commit succeeds through gpg.x509.program', async (t) => {
  const r = await gitOk(['verify-commit', online]);
  t.match(r.stderr, /Good signature from \[alice@example\.com\]/);
  t.match(r.stderr, /Validated Rekor entry: true/);
});

t.test('online: a wrong identity, a wrong issuer, a tampered commit are refused', async (t) => {
  const bob = await runClientFails(gitsign, ['verify', ...identity('bob@example.com'), online], { cwd: repo, env });
  t.match(bob.stderr, /none of the expected identities matched/);
  const ci = await runClientFails(gitsign, ['verify', ...identity('alice@example.com', `${issuer}/ci`), online], { cwd: repo, env });
  t.match(ci.stderr, /none of the expected identities matched/);
  const forged = await tampered(online);
  t.not(forged, online);
  const v = await verify(forged);
  t.not(v.code, 0);
  t.match(v.stderr, /invalid message digest/);
  const vc = await git(['verify-commit', forged]);
  t.not(vc.code, 0, 'git verify-commit refuses it too');
});

t.test('trust is really checked: a foreign CT log key (SCT) or a foreign Fulcio root is refused', async (t) => {
  const foreign = join(dir, 'foreign-ct.pub');
  writeFileSync(foreign, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
  const ct = await verify(online, { SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: foreign });
  t.not(ct.code, 0);
  t.match(ct.stderr, /ctfe public key not found/, 'the SCT is checked against SIGSTORE_CT_LOG_PUBLIC_KEY_FILE');
  const root = await verify(online, { SIGSTORE_ROOT_FILE: stack.tsaChain });
  t.not(root.code, 0);
  t.match(root.stderr, /certificate signed by unknown authority/);
});

t.test('TUF_MIRROR + TUF_ROOT_JSON instead of gitsign initialize', async (t) => {
  const r = await verify(online, { TUF_ROOT: join(dir, 'tuf-env'), TUF_MIRROR: `${stack.url}/tuf`, TUF_ROOT_JSON: stack.tufRoot });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Validated Rekor entry: true/);
});

let offline = '';
t.test('rekorMode offline: the tlog entry is embedded; verification needs no Rekor lookup', async (t) => {
  await gitOk(['commit', '--allow-empty', '-m', 'signed by gitsign, offline mode'], { GITSIGN_REKOR_MODE: 'offline' });
  offline = (await gitOk(['rev-parse', 'HEAD'])).stdout.trim();
  t.ok((await signatureDer(offline)).includes(REKOR_TLE_OID), 'Rekor TLE attribute 1.3.6.1.4.1.57264.3.1');
  // Rekor unreachable: only the embedded entry (inclusion proof + SET) can satisfy it.
  const r = await verify(offline, { GITSIGN_REKOR_URL: DEAD_PROXY });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Validated Certificate claims: true/);
  await gitOk(['verify-commit', offline], { GITSIGN_REKOR_URL: DEAD_PROXY });
  const bob = await verify(offline, {}, identity('bob@example.com'));
  t.not(bob.code, 0);
  const forged = await verify(await tampered(offline));
  t.not(forged.code, 0);
  t.match(forged.stderr, /invalid message digest/);
});

t.test('RFC 3161 timestamp (gitsign.timestampServerURL) with a cached certificate', async (t) => {
  // gitsign 0.16/0.17 (internal/fork/ietf-cms/verify.go) refuses a token unless
  // genTime - accuracy >= the certificate's notBefore. With a fresh certificate the
  // timestamp comes milliseconds after issuance, so with whole-second times and ±1 s
  // accuracy (as public-good's TSA writes) it fails whenever both fall in the same
  // second (sigstore/gitsign#589). With gitsign-credential-cache the certificate
  // is reused, and a timestamp taken ≥ 1 s after issuance verifies.
  const sock = join(env.XDG_CACHE_HOME!, 'sigstore', 'gitsign', 'cache.sock');
  const daemon = spawn(cacheDaemon, [], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  reapOnExit(daemon);
  t.teardown(() => {
    daemon.kill('SIGKILL');
  });
  let out = '';
  daemon.stdout.on('data', (d: Buffer) => (out += d.toString()));
  daemon.stderr.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 100 && !out.includes('cache.sock'); i++) await new Promise((r) => setTimeout(r, 50));
  t.match(out, /cache\.sock/, 'the cache listens');
  const cached = { GITSIGN_CREDENTIAL_CACHE: sock };
  await gitOk(['commit', '--allow-empty', '-m', 'caches the certificate'], cached);
  await new Promise((r) => setTimeout(r, 1_200));
  const tsa = { ...cached, GITSIGN_TIMESTAMP_SERVER_URL: `${stack.url}/api/v1/timestamp`, GITSIGN_TIMESTAMP_CERT_CHAIN: stack.tsaChain };
  for (const mode of ['online', 'offline']) {
    await gitOk(['commit', '--allow-empty', '-m', `timestamped, ${mode} mode`], { ...tsa, GITSIGN_REKOR_MODE: mode });
    const rev = (await gitOk(['rev-parse', 'HEAD'])).stdout.trim();
    t.ok((await signatureDer(rev)).includes(TIMESTAMP_TOKEN_OID), `${mode}: timeStampToken attribute`);
    const r = await verify(rev, tsa);
    t.equal(r.code, 0, `${mode}: ${r.stderr}`);
    t.match(r.stdout, /Validated Certificate claims: true/);
    await gitOk(['verify-commit', rev], tsa);
    // Without the TSA chain the token's signer is unknown: refused.
    const noChain = await verify(rev, { GITSIGN_TIMESTAMP_CERT_CHAIN: undefined });
    t.not(noChain.code, 0, `${mode}: TSA chain required`);
  }
  t.match(out, /found credential/, 'the cached certificate was used');
});
