// rekor-cli against the transparency log: upload (hashedrekord and the default rekord
// type, x509 keys, signatures made by `openssl dgst -sha256 -sign`), get, verify,
// search, and loginfo, whose consistency check against the checkpoint it stored under
// $HOME/.rekor must hold after more entries and across a restart of the stack.
// Every rekor-cli command verifies the SET, inclusion proof and checkpoint it gets.
// protocols.md §6, §12.5, §13.6.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack, stopStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runOk } from './lib/run.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { getLogInfo } from './lib/rekor-api.js';
import { parseCheckpoint } from './lib/checkpoint.js';

const root = t;
t.setTimeout(240_000);

let stack = await startTestStack(t);
const dir = tempDir(t);
const rekorCli = peer('rekor-cli');

// An ECDSA P-256 key pair made and used by OpenSSL, the way a release script would.
const ecKey = join(dir, 'ec.pem');
const pubKey = join(dir, 'pub.pem');
await runOk('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ecKey]);
await runOk('openssl', ['ec', '-in', ecKey, '-pubout', '-out', pubKey]);

let counter = 0;
/** A new artifact and its detached DER signature. */
async function signedArtifact(name: string): Promise<{ artifact: string; sig: string; sha256: string }> {
  const artifact = join(dir, `${name}-${++counter}.txt`);
  writeFileSync(artifact, `${name} #${counter} at ${Date.now()} ${Math.random()}\n`);
  const sig = `${artifact}.sig`;
  await runOk('openssl', ['dgst', '-sha256', '-sign', ecKey, '-out', sig, artifact]);
  return { artifact, sig, sha256: createHash('sha256').update(readFileSync(artifact)).digest('hex') };
}

/** rekor-cli with its own HOME (so its ~/.rekor state is the test's) against the stack. */
function cli(home: string) {
  const env = clientEnv(home);
  return {
    ok: (args: string[]) => runClientOk(rekorCli, ['--rekor_server', stack.url, ...args], { env }),
    fails: (args: string[]) => runClientFails(rekorCli, ['--rekor_server', stack.url, ...args], { env }),
  };
}

/**
 * rekor-cli builds a hashedrekord from --artifact-hash only (upstream's documented form;
 * with --artifact alone it fails locally with "invalid value for hash").
 */
function hashedrekordArgs(s: { sig: string; sha256: string }): string[] {
  return ['--type', 'hashedrekord', '--pki-format', 'x509', '--artifact-hash', s.sha256, '--signature', s.sig, '--public-key', pubKey];
}

const CREATED = /^Created entry at index (\d+), available at: (\S+)\/api\/v1\/log\/entries\/([0-9a-f]{80})$/m;

const hashed = await signedArtifact('hashedrekord');
const rekord = await signedArtifact('rekord');
const tampered = join(dir, 'tampered.txt');
writeFileSync(tampered, 'this is not what was signed\n');

const uploaded: Record<'hashedrekord' | 'rekord', { index: number; id: string }> = {} as never;

t.test('upload --type hashedrekord --pki-format x509', async (t) => {
  const c = cli(tempDir(t));
  const r = await c.ok(['upload', ...hashedrekordArgs(hashed)]);
  const m = CREATED.exec(r.stdout);
  t.ok(m, 'rekor-cli reports the new entry', { stdout: r.stdout, stderr: r.stderr });
  t.equal(m?.[2], stack.url, 'Location is a path on the server');
  uploaded.hashedrekord = { index: Number(m?.[1]), id: m?.[3] ?? '' };

  const again = await c.ok(['upload', ...hashedrekordArgs(hashed)]);
  t.match(again.stdout, new RegExp(`^Entry already exists; available at: ${stack.url}/api/v1/log/entries/${uploaded.hashedrekord.id}$`, 'm'), 'a duplicate is a 409 with the Location of the first');
});

t.test('upload with the default type (rekord) --pki-format x509', async (t) => {
  const c = cli(tempDir(t));
  const r = await c.ok(['upload', '--pki-format', 'x509', '--artifact', rekord.artifact, '--signature', rekord.sig, '--public-key', pubKey]);
  const m = CREATED.exec(r.stdout);
  t.ok(m, 'rekor-cli reports the new entry', { stdout: r.stdout, stderr: r.stderr });
  uploaded.rekord = { index: Number(m?.[1]), id: m?.[3] ?? '' };
});

t.test('get --uuid (entry ID and bare UUID) and --log-index', async (t) => {
  const c = cli(tempDir(t));
  for (const kind of ['hashedrekord', 'rekord'] as const) {
    const u = uploaded[kind];
    if (!u?.id) {
      t.fail(`no ${kind} entry was uploaded`);
      continue;
    }
    for (const args of [['--uuid', u.id], ['--uuid', u.id.slice(16)], ['--log-index', String(u.index)]]) {
      const r = await c.ok(['get', ...args, '--format', 'json']);
      const out = JSON.parse(r.stdout);
      t.equal(out.LogIndex, u.index, `${kind} get ${args.join(' ')}: index`);
      t.equal(String(out.UUID).slice(-64), u.id.slice(16), `${kind} get ${args.join(' ')}: UUID`);
      t.ok(out.Body, `${kind} get ${args.join(' ')}: body parsed as a ${kind} entry`);
    }
    const text = await c.ok(['get', '--log-index', String(u.index)]);
    t.match(text.stdout, new RegExp(`^Index: ${u.index}$`, 'm'));
    t.match(text.stdout, /^IntegratedTime: \d{4}-\d\d-\d\dT/m);
    // --format tle converts the entry into a TransparencyLogEntry as cosign 3 would.
    const tle = JSON.parse((await c.ok(['get', '--uuid', u.id, '--format', 'tle'])).stdout);
    t.equal(tle.kindVersion?.kind, kind);
    t.ok(tle.inclusionProof?.checkpoint?.envelope, 'tle has the checkpoint');
    t.ok(tle.inclusionPromise?.signedEntryTimestamp, 'tle has the SET');
  }
  const missing = await c.fails(['get', '--log-index', '999999']);
  t.match(missing.stderr, /404|not found/i);
});

t.test('verify by --uuid, --log-index, and by artifact + signature + key', async (t) => {
  const c = cli(tempDir(t));
  for (const kind of ['hashedrekord', 'rekord'] as const) {
    const u = uploaded[kind];
    if (!u?.id) {
      t.fail(`no ${kind} entry was uploaded`);
      continue;
    }
    for (const args of [['--uuid', u.id], ['--log-index', String(u.index)]]) {
      const r = await c.ok(['verify', ...args]);
      const computed = /^Computed Root Hash: ([0-9a-f]{64})$/m.exec(r.stdout)?.[1];
      const expected = /^Expected Root Hash: ([0-9a-f]{64})$/m.exec(r.stdout)?.[1];
      t.ok(computed && computed === expected, `${kind} verify ${args.join(' ')}: inclusion proof leads to the root`);
      t.match(r.stdout, new RegExp(`^Entry Hash: ${u.id.slice(16)}$`, 'm'));
    }
  }
  const h = await c.ok(['verify', ...hashedrekordArgs(hashed)]);
  t.match(h.stdout, new RegExp(`^Entry Hash: ${uploaded.hashedrekord?.id.slice(16)}$`, 'm'), 'hashedrekord found from its inputs');
  const r = await c.ok(['verify', '--pki-format', 'x509', '--artifact', rekord.artifact, '--signature', rekord.sig, '--public-key', pubKey]);
  t.match(r.stdout, new RegExp(`^Entry Hash: ${uploaded.rekord?.id.slice(16)}$`, 'm'), 'rekord found from its inputs');
});

t.test('verify refuses a tampered artifact', async (t) => {
  const c = cli(tempDir(t));
  const h = await c.fails(['verify', ...hashedrekordArgs({ ...hashed, sha256: createHash('sha256').update(readFileSync(tampered)).digest('hex') })]);
  t.notMatch(h.stdout, /Computed Root Hash/);
  const r = await c.fails(['verify', '--pki-format', 'x509', '--artifact', tampered, '--signature', rekord.sig, '--public-key', pubKey]);
  t.notMatch(r.stdout, /Computed Root Hash/);
});

t.test('search --artifact, --sha, --public-key', async (t) => {
  const c = cli(tempDir(t));
  const ids = (out: string) => out.split('\n').filter((l) => /^[0-9a-f]{64,80}$/.test(l)).map((l) => l.slice(-64));
  const h = uploaded.hashedrekord?.id.slice(16);
  const r = uploaded.rekord?.id.slice(16);
  if (!h || !r) {
    t.fail('the uploads failed, nothing to search for');
    return;
  }
  t.same(ids((await c.ok(['search', '--artifact', hashed.artifact])).stdout), [h], 'by artifact (hashedrekord)');
  t.same(ids((await c.ok(['search', '--artifact', rekord.artifact])).stdout), [r], 'by artifact (rekord)');
  t.same(ids((await c.ok(['search', '--sha', hashed.sha256])).stdout), [h], 'by bare sha256');
  t.same(ids((await c.ok(['search', '--sha', `sha256:${rekord.sha256}`])).stdout), [r], 'by sha256:<hex>');
  t.same(ids((await c.ok(['search', '--public-key', pubKey, '--pki-format', 'x509'])).stdout).sort(), [h, r].sort(), 'by public key: both kinds');
  const none = await c.fails(['search', '--sha', createHash('sha256').update('never logged').digest('hex')]);
  t.match(none.stderr, /no matching entries found/, 'nothing for an unknown digest (rekor-cli exits 1 on an empty result)');
});

t.test('loginfo checks consistency with its stored checkpoint, after more entries and across a restart', async (t) => {
  const home = tempDir(t);
  const c = cli(home);
  const statePath = join(home, 'home', '.rekor', 'state.json');
  // rekor-cli keeps {"<server URL>": checkpoint, "<treeID>": checkpoint}; a SignedCheckpoint
  // marshals through SignedNote.MarshalText, so each value is the signed note text.
  const readState = () => JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, string>;
  const stored = () => Object.values(readState()).map((note) => parseCheckpoint(note));
  const upload = async () => {
    const s = await signedArtifact('more');
    await c.ok(['upload', ...hashedrekordArgs(s)]);
  };
  const size = (out: string) => Number(/^Active Tree Size:\s+(\d+)$/m.exec(out)?.[1]);

  const first = await c.ok(['loginfo']);
  t.match(first.stdout, /^Verification Successful!$/m);
  t.match(first.stderr, /No previous log state stored, unable to prove consistency/, 'first run: nothing to compare with');
  const size1 = size(first.stdout);
  t.equal(size1, (await getLogInfo(stack.url)).treeSize);
  t.ok(stored().length > 0 && stored().every((s) => s.size === size1), 'rekor-cli stored the checkpoint it verified');

  for (let i = 0; i < 3; i++) await upload();
  const second = await c.ok(['loginfo']);
  t.notMatch(second.stderr, /No previous log state stored/, 'second run: compared with the stored checkpoint');
  t.equal(size(second.stdout), size1 + 3);
  t.ok(stored().every((s) => s.size === size1 + 3), 'and then the newer one');

  // Restart on the same data directory and port: same URL, same tree.
  const port = stack.port;
  const dataDir = stack.dataDir;
  t.equal(await stopStack(stack), 0, 'SIGTERM: clean exit');
  stack = await startTestStack(root, { dataDir, port }); // stopped when the whole file ends
  t.equal(stack.port, port);

  const third = await c.ok(['loginfo']);
  t.notMatch(third.stderr, /No previous log state stored/);
  t.equal(size(third.stdout), size1 + 3, 'same tree after the restart');

  for (let i = 0; i < 2; i++) await upload();
  const fourth = await c.ok(['loginfo']);
  t.notMatch(fourth.stderr, /No previous log state stored/, 'consistency proven from the pre-restart checkpoint');
  t.equal(size(fourth.stdout), size1 + 5);

  // The check is real: a stored root hash the log never had makes loginfo fail.
  // (rekor-cli does not re-check the stored note's signature, only its size and root.)
  const state = readState();
  for (const k of Object.keys(state)) {
    const lines = state[k]!.split('\n');
    lines[1] = String(size1);
    lines[2] = Buffer.alloc(32, 7).toString('base64');
    state[k] = lines.join('\n');
  }
  writeFileSync(statePath, JSON.stringify(state));
  const forged = await c.fails(['loginfo']);
  t.notMatch(forged.stdout, /Verification Successful/, `a forged earlier checkpoint is refused (stderr: ${forged.stderr.trim()})`);
});
