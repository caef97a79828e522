// The CLI module src/tuf-command.ts, run in-process against @sigstack/tuf; tuf-js (what
// sigstore-js runs) reads the repository it publishes, served as the static files it is.
import { sign as cryptoSign, createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import t from 'tap';
import { Updater } from 'tuf-js';
import * as tuf from '@sigstack/tuf';
import { tufCommand } from '../src/tuf-command.js';

const tmp = (name: string): string => mkdtempSync(join(tmpdir(), name));

/** The repository directory over HTTP, as any static web server would publish it. */
async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      res.end(readFileSync(join(dir, path)));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** tuf-js from a fresh cache holding `rootBytes`: refresh, then download `name`. */
async function tufJsFetch(url: string, rootBytes: Uint8Array, name: string): Promise<Buffer> {
  const base = tmp('tuf-client-');
  const metadataDir = join(base, 'metadata');
  const targetDir = join(base, 'targets');
  mkdirSync(metadataDir);
  mkdirSync(targetDir);
  writeFileSync(join(metadataDir, 'root.json'), rootBytes);
  const updater = new Updater({ metadataDir, metadataBaseUrl: url, targetDir, targetBaseUrl: `${url}/targets` });
  await updater.refresh();
  const info = await updater.getTargetInfo(name);
  if (!info) throw new Error(`tuf-js: no target ${name}`);
  return readFileSync((await updater.findCachedTarget(info)) ?? (await updater.downloadTarget(info)));
}

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string | Uint8Array) => ((out += Buffer.from(c).toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((err += Buffer.from(c).toString()), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await tufCommand(args);
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out, err };
}

t.test('a whole ceremony through the CLI', async (t) => {
  const keys = tmp('keys-');
  const dir = join(tmp('cer-'), 'ceremony');
  const repo = join(tmp('repo-'), 'repository');
  const k = (n: string) => join(keys, n);
  process.env['TEST_PASS'] = 'correct horse';
  t.teardown(() => delete process.env['TEST_PASS']);

  t.equal((await run('keygen', '--out', k('root1.pem'))).code, 0);
  t.equal((await run('keygen', '--out', k('root2.pem'), '--algorithm', 'ecdsa-p256-sha256', '--passphrase-env', 'TEST_PASS')).code, 0);
  t.match(readFileSync(k('root2.pem'), 'utf8'), /ENCRYPTED PRIVATE KEY/);
  await run('keygen', '--out', k('targets.pem'));
  await run('keygen', '--out', k('online.pem'));
  t.match((await run('keygen', '--out', k('online.pem'))).err, /exists: refusing to overwrite/);

  const bad = await run('init', '--dir', dir, '--root-key', k('root1.pem.pub'), '--root-threshold', '2', '--targets-key', k('targets.pem.pub'), '--targets-threshold', '1', '--online-key', k('online.pem.pub'));
  t.equal(bad.code, 2);
  t.match(bad.err, /^sigstack tuf: root threshold 2 is more than its 1 key/);
  t.match((await run('init', '--dir', dir, '--bogus')).err, /Unknown option/);

  const init = await run('init', '--dir', dir, '--root-key', k('root1.pem.pub'), '--root-key', k('root2.pem.pub'), '--root-threshold', '2', '--targets-key', k('targets.pem.pub'), '--targets-threshold', '1', '--online-key', k('online.pem.pub'), '--timestamp-expiry-days', '1');
  t.equal(init.code, 0, init.err);
  writeFileSync(join(keys, 'trusted_root.json'), '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}');
  writeFileSync(join(keys, 'fulcio.pem'), 'CERT');
  t.equal((await run('add-target', '--dir', dir, '--file', join(keys, 'trusted_root.json'))).code, 0);
  t.equal((await run('add-target', '--dir', dir, '--file', join(keys, 'fulcio.pem'), '--name', 'fulcio_v1.crt.pem', '--custom', '{"sigstore":{"usage":"Fulcio","status":"Active","uri":"https://fulcio.example"}}')).code, 0);
  t.match((await run('add-target', '--dir', dir, '--file', join(keys, 'fulcio.pem'), '--custom', '{oops')).err, /--custom is not JSON/);
  t.match((await run('add-target', '--dir', dir, '--file', join(keys, 'fulcio.pem'), '--name', '../evil')).err, /not allowed/);

  // root: one signature by key file, one made "elsewhere" over the printed payload
  t.equal((await run('sign', '--dir', dir, '--role', 'root', '--key', k('root1.pem'))).code, 0);
  const wrong = await run('sign', '--dir', dir, '--role', 'root', '--key', k('targets.pem'));
  t.equal(wrong.code, 2);
  t.match(wrong.err, /is not a root key for root version 1: refusing to sign/);
  t.match((await run('sign', '--dir', dir, '--role', 'root', '--key', k('root2.pem'))).err, /cannot read private key/, 'encrypted key without passphrase');
  const payloadFile = join(keys, 'root.payload');
  t.equal((await run('payload', '--dir', dir, '--role', 'root', '--out', payloadFile)).code, 0);
  const priv = createPrivateKey({ key: readFileSync(k('root2.pem')), passphrase: 'correct horse' });
  const sig = cryptoSign('sha256', readFileSync(payloadFile), priv).toString('hex');
  const keyid = tuf.toTufKey(priv).keyID;
  t.match((await run('add-signature', '--dir', dir, '--role', 'root', '--keyid', keyid, '--sig', sig.slice(0, -2) + (sig.endsWith('00') ? '11' : '00'))).err, /does not verify/);
  let status = await run('status', '--dir', dir);
  t.match(status.out, /root version 1 .*NEEDS SIGNATURES/);
  t.match(status.out, /1\/2 not met/);
  t.equal((await run('add-signature', '--dir', dir, '--role', 'root', '--keyid', keyid, '--sig', sig)).code, 0);
  t.equal((await run('sign', '--dir', dir, '--role', 'targets', '--key', k('targets.pem'))).code, 0);
  status = await run('status', '--dir', dir);
  t.match(status.out, /root version 1 .*COMPLETE/);
  t.match(status.out, /targets version 1 .*COMPLETE/);

  t.match((await run('publish', '--dir', dir, '--repository', repo)).err, /--snapshot-key or --online-key is required/);
  const pub = await run('publish', '--dir', dir, '--repository', repo, '--online-key', k('online.pem'));
  t.equal(pub.code, 0, pub.err);
  t.match(pub.out, /root 1, targets 1, snapshot 1, timestamp 1/);

  const srv = await serve(repo);
  t.teardown(srv.close);
  t.equal((await tufJsFetch(srv.url, readFileSync(join(repo, '1.root.json')), 'fulcio_v1.crt.pem')).toString(), 'CERT');

  // rotate to a 1-of-1 root with a new key; needs old 2-of-2 + new 1-of-1
  await run('keygen', '--out', k('root3.pem'));
  t.match((await run('rotate-root', '--dir', dir, '--root-key', k('root3.pem.pub'), '--root-threshold', '0')).err, /≥ 1/);
  t.equal((await run('rotate-root', '--dir', dir, '--root-key', k('root3.pem.pub'), '--root-threshold', '1')).code, 0);
  await run('sign', '--dir', dir, '--role', 'root', '--key', k('root3.pem'));
  t.match((await run('publish', '--dir', dir, '--repository', repo, '--online-key', k('online.pem'))).err, /root version 2 \(signed by the keys of version 1\) has 0 valid/);
  await run('sign', '--dir', dir, '--role', 'root', '--key', k('root1.pem'));
  await run('sign', '--dir', dir, '--role', 'root', '--key', k('root2.pem'), '--passphrase-env', 'TEST_PASS');
  t.equal((await run('publish', '--dir', dir, '--repository', repo, '--online-key', k('online.pem'))).code, 0);
  t.equal(tuf.readRepository(repo).roots.length, 2);

  t.equal((await run('refresh', '--dir', dir, '--role', 'targets', '--expiry-days', '30')).code, 0);
  t.match((await run('status', '--dir', dir)).out, /targets version 2 .*NEEDS SIGNATURES/);
  t.match((await run('frobnicate', '--dir', dir)).err, /unknown command "frobnicate"/);
  t.match((await run('help')).out, /usage: sigstack tuf/);
  t.match((await run('status', '--dir', join(dir, 'nope'))).err, /is not a ceremony folder/);
});
