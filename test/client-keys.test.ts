// Key files both ways: keys made by cosign 2.5 and 3.1 `generate-key-pair` read by
// `sigstack public-key`, keys made by `sigstack generate-key-pair` read by both
// cosigns (public-key, and cosign 2.5 signing a blob with it), wrong passwords refused
// on both sides. No stack needed: key files are local.
import t from 'tap';
import { createPublicKey, sign, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { loadPrivateKey } from '../packages/client/src/keys/private-key.js';

t.setTimeout(180_000);

const SIGSTACK = resolve(fileURLToPath(new URL('../packages/cli/bin/sigstack.js', import.meta.url)));
const sigstack = (args: string[], opts: { env: Record<string, string | undefined>; cwd: string }) => runClientOk(process.execPath, [SIGSTACK, ...args], opts);
const sigstackFails = (args: string[], opts: { env: Record<string, string | undefined>; cwd: string }) => runClientFails(process.execPath, [SIGSTACK, ...args], opts);

const root = tempDir(t);

for (const name of ['cosign2', 'cosign3'] as const) {
  const cosign = peer(name);

  t.test(`${name} generate-key-pair → sigstack public-key`, async (t) => {
    const dir = join(root, `from-${name}`);
    mkdirSync(dir);
    const env = clientEnv(dir, { COSIGN_PASSWORD: `pw from ${name}` });
    await runClientOk(cosign, ['generate-key-pair'], { env, cwd: dir });
    t.match(readFileSync(join(dir, 'cosign.key'), 'utf8'), /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    const r = await sigstack(['public-key', '--key', 'cosign.key'], { env, cwd: dir });
    t.equal(r.stdout, readFileSync(join(dir, 'cosign.pub'), 'utf8'), 'exactly their cosign.pub');

    const wrong = await sigstackFails(['public-key', '--key', 'cosign.key'], { env: { ...env, COSIGN_PASSWORD: 'not it' }, cwd: dir });
    t.equal(wrong.stdout, '', 'nothing on stdout');
    t.match(wrong.stderr, /^Error: .*wrong password/m);
    t.notMatch(wrong.stderr, /\n\s+at /, 'no stack trace');
  });

  t.test(`sigstack generate-key-pair → ${name} public-key`, async (t) => {
    const dir = join(root, `for-${name}`);
    mkdirSync(dir);
    const env = clientEnv(dir, { COSIGN_PASSWORD: `pw for ${name}` });
    const g = await sigstack(['generate-key-pair'], { env, cwd: dir });
    t.match(g.stderr, /^Private key written to cosign\.key\nPublic key written to cosign\.pub\n$/, 'status lines as cosign prints them, on stderr');
    t.equal(g.stdout, '');
    t.equal(statSync(join(dir, 'cosign.key')).mode & 0o777, 0o600, 'private key mode 0600');
    const pub = readFileSync(join(dir, 'cosign.pub'), 'utf8');

    const r = await runClientOk(cosign, ['public-key', '--key', 'cosign.key'], { env, cwd: dir });
    t.equal(r.stdout, pub, `${name} prints our cosign.pub`);

    // A signature made by our key verifies over the public key cosign printed (node and OpenSSL).
    const data = Buffer.from(`signed for ${name}\n`);
    const key = await loadPrivateKey(readFileSync(join(dir, 'cosign.key'), 'utf8'), () => `pw for ${name}`);
    const sig = sign('sha256', data, key);
    t.ok(verify('sha256', data, createPublicKey(r.stdout), sig), 'node verifies');
    writeFileSync(join(dir, 'data'), data);
    writeFileSync(join(dir, 'data.sig'), sig);
    writeFileSync(join(dir, 'printed.pub'), r.stdout);
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', 'printed.pub', '-signature', 'data.sig', 'data'], { cwd: dir }).toString();
    t.match(out, /Verified OK/, 'OpenSSL verifies');

    const wrong = await runClientFails(cosign, ['public-key', '--key', 'cosign.key'], { env: { ...env, COSIGN_PASSWORD: 'not it' }, cwd: dir });
    t.match(wrong.stderr, /decrypt/, `${name} refuses the wrong password`);
    t.equal(wrong.stdout, '');
  });
}

t.test('cosign 2.5 signs a blob with our key; the signature verifies over our .pub', async (t) => {
  const dir = join(root, 'sign-with-ours');
  mkdirSync(dir);
  const env = clientEnv(dir, { COSIGN_PASSWORD: 'sign pw' });
  await sigstack(['generate-key-pair', '--output-key-prefix', 'release'], { env, cwd: dir });
  writeFileSync(join(dir, 'blob'), 'a blob\n');
  await runClientOk(peer('cosign2'), ['sign-blob', '--key', 'release.key', '--tlog-upload=false', '--output-signature', 'blob.sig', '--yes', 'blob'], { env, cwd: dir });
  const sig = Buffer.from(readFileSync(join(dir, 'blob.sig'), 'utf8'), 'base64');
  t.ok(verify('sha256', readFileSync(join(dir, 'blob')), createPublicKey(readFileSync(join(dir, 'release.pub'))), sig));
});

t.test('generate-key-pair refuses to overwrite without a terminal, and bad flags', async (t) => {
  const dir = join(root, 'overwrite');
  mkdirSync(dir);
  const env = clientEnv(dir, { COSIGN_PASSWORD: 'x' });
  await sigstack(['generate-key-pair', '--output-key-prefix=k'], { env, cwd: dir });
  const before = readFileSync(join(dir, 'k.key'), 'utf8');
  const r = await sigstackFails(['generate-key-pair', '--output-key-prefix', 'k'], { env, cwd: dir });
  t.match(r.stderr, /File k\.key already exists/);
  t.equal(readFileSync(join(dir, 'k.key'), 'utf8'), before, 'key file unchanged');

  const u = await sigstackFails(['generate-key-pair', '--output-prefix', 'k'], { env, cwd: dir });
  t.match(u.stderr, /^Error: .*--output-prefix/m, 'unknown flag named');
  const k = await sigstackFails(['public-key'], { env, cwd: dir });
  t.match(k.stderr, /--key/);
  const p = await sigstackFails(['public-key', '--key', 'k.pub'], { env, cwd: dir });
  t.match(p.stderr, /PEM type "PUBLIC KEY"/);
  const o = await sigstack(['public-key', '--key', 'k.key', '--outfile', 'again.pub'], { env, cwd: dir });
  t.match(o.stderr, /Public key written to again\.pub/);
  t.equal(readFileSync(join(dir, 'again.pub'), 'utf8'), readFileSync(join(dir, 'k.pub'), 'utf8'));
});
