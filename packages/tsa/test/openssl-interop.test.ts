// Interop with the reference implementation: OpenSSL's `ts` command creates the
// queries, curl posts them over real HTTP to the plugin on 127.0.0.1, and OpenSSL
// prints and verifies the replies against the chain (root trusted, leaf untrusted).
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { toPem } from '@sigstack/core';
import { tempTsa, tsaApp } from './helpers.js';

const run = promisify(execFile);

const { tsa, dir, cleanup } = await tempTsa();
t.teardown(cleanup);
const app = await tsaApp(tsa);
t.teardown(() => app.close());
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const url = `${base}/api/v1/timestamp`;

// The chain as a client gets it: GET certchain, split into leaf and root.
const chainPem = await (await fetch(`${base}/api/v1/timestamp/certchain`)).text();
const certs = chainPem.split(/(?<=-----END CERTIFICATE-----\n)/).filter((s) => s.trim());
t.equal(certs.length, 2);
const leafPem = join(dir, 'leaf.pem');
const rootPem = join(dir, 'root.pem');
writeFileSync(leafPem, certs[0]!);
writeFileSync(rootPem, certs[1]!);
t.ok(new X509Certificate(certs[1]!).ca, 'the last certificate is the root CA');

const data = join(dir, 'artifact.txt');
writeFileSync(data, 'the artifact to timestamp\n');
const other = join(dir, 'other.txt');
writeFileSync(other, 'some other artifact\n');

async function openssl(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('openssl', args);
  return stdout + stderr;
}

async function timestamp(name: string, queryArgs: string[]): Promise<{ tsq: string; tsr: string; status: string }> {
  const tsq = join(dir, `${name}.tsq`);
  const tsr = join(dir, `${name}.tsr`);
  await openssl('ts', '-query', '-data', data, ...queryArgs, '-out', tsq);
  const { stdout } = await run('curl', ['-sS', '-o', tsr, '-w', '%{http_code} %{content_type}', '-H', 'Content-Type: application/timestamp-query', '--data-binary', `@${tsq}`, url]);
  return { tsq, tsr, status: stdout };
}

const cases: [string, string[]][] = [
  ['sha256 with -cert', ['-sha256', '-cert']],
  ['sha256 without -cert', ['-sha256']],
  ['sha256 with -no_nonce', ['-sha256', '-no_nonce']],
  ['sha384', ['-sha384', '-cert']],
  ['sha512', ['-sha512']],
  ['our policy requested', ['-sha256', '-cert', '-tspolicy', '1.3.6.1.4.1.57264.2']],
];

for (const [name, args] of cases) {
  t.test(`openssl ts: ${name}`, async (t) => {
    const { tsq, tsr, status } = await timestamp(name.replace(/\W+/g, '-'), args);
    t.equal(status, '200 application/timestamp-reply');
    const text = await openssl('ts', '-reply', '-in', tsr, '-text');
    t.match(text, /Status: Granted\./);
    t.match(text, /Policy OID: 1\.3\.6\.1\.4\.1\.57264\.2/);
    t.match(text, /TSA: DirName:\/O=sigstack\/CN=sigstack TSA/);
    t.match(text, /Accuracy: 0x01 seconds/);
    t.match(text, /Time stamp: \w+ +\d+ \d\d:\d\d:\d\d \d{4} GMT/, 'whole-second genTime');
    if (args.includes('-no_nonce')) t.match(text, /Nonce: unspecified/);
    else t.match(text, /Nonce: 0x[0-9A-F]+/);
    const reqNonce = (await openssl('ts', '-query', '-in', tsq, '-text')).match(/Nonce: (\S+)/)?.[1];
    t.equal(text.match(/Nonce: (\S+)/)?.[1], reqNonce, 'nonce echoed');

    // Verify against the data, and against the query (imprint + nonce).
    t.match(await openssl('ts', '-verify', '-data', data, '-in', tsr, '-CAfile', rootPem, '-untrusted', leafPem), /Verification: OK/);
    t.match(await openssl('ts', '-verify', '-queryfile', tsq, '-in', tsr, '-CAfile', rootPem, '-untrusted', leafPem), /Verification: OK/);
    if (args.includes('-cert')) {
      // With the leaf embedded, the root alone suffices.
      t.match(await openssl('ts', '-verify', '-data', data, '-in', tsr, '-CAfile', rootPem), /Verification: OK/);
    }
    // Other data must not verify.
    const bad = await run('openssl', ['ts', '-verify', '-data', other, '-in', tsr, '-CAfile', rootPem, '-untrusted', leafPem]).then(
      (r) => ({ ok: true, out: r.stdout + r.stderr }),
      (e: { stdout: string; stderr: string }) => ({ ok: false, out: e.stdout + e.stderr }),
    );
    t.notOk(bad.ok, 'verification of other data fails');
    t.match(bad.out, /message imprint mismatch/);
  });
}

t.test('a token does not verify under a different root', async (t) => {
  const { tsr } = await timestamp('foreign-root', ['-sha256', '-cert']);
  const foreign = await tempTsa();
  t.teardown(foreign.cleanup);
  const foreignRoot = join(dir, 'foreign-root.pem');
  writeFileSync(foreignRoot, toPem('CERTIFICATE', foreign.tsa.chainDer[1]!));
  const r = await run('openssl', ['ts', '-verify', '-data', data, '-in', tsr, '-CAfile', foreignRoot]).then(
    () => true,
    () => false,
  );
  t.notOk(r);
});

t.test('openssl prints our rejection for a SHA-1 request', async (t) => {
  const { tsr, status } = await timestamp('sha1', ['-sha1']);
  t.equal(status, '400 application/timestamp-reply');
  const text = await openssl('ts', '-reply', '-in', tsr, '-text');
  t.match(text, /Status: Rejected\./);
  t.match(text, /Status description: unsupported hash algorithm SHA-1/);
  t.match(text, /Failure info: unrecognized or unsupported algorithm identifier/);
});

t.test('openssl prints our rejection for an unknown policy', async (t) => {
  const { tsr, status } = await timestamp('policy', ['-sha256', '-tspolicy', '1.2.3.4']);
  t.equal(status, '400 application/timestamp-reply');
  const text = await openssl('ts', '-reply', '-in', tsr, '-text');
  t.match(text, /Status: Rejected\./);
  t.match(text, /Failure info: the requested TSA policy is not supported by the TSA/);
});

t.test('the token in the reply parses as a bare TimeStampToken too (-token_out)', async (t) => {
  const { tsr } = await timestamp('token-out', ['-sha256', '-cert']);
  const tok = join(dir, 'token.der');
  await openssl('ts', '-reply', '-in', tsr, '-token_out', '-out', tok);
  t.ok(readFileSync(tok).length > 0);
  t.match(await openssl('ts', '-verify', '-data', data, '-in', tok, '-token_in', '-CAfile', rootPem), /Verification: OK/);
});
