// The timestamp authority against its reference clients: OpenSSL's `ts` (query, reply,
// verify against the published chain), cosign 2.5 (--timestamp-server-url, then
// verify-blob --use-signed-timestamps --timestamp-certificate-chain) and cosign 3.1
// (new-format bundle with an RFC 3161 timestamp, verify-blob --trusted-root). No
// --insecure-* flag. protocols.md §8, §9.2, §12.1, §12.2.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { generateCosignKeyPair } from './lib/cosign-keys.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { run, runOk } from './lib/run.js';

t.setTimeout(240_000);

const stack = await startTestStack(t);
const dir = tempDir(t);
const env = clientEnv(dir);
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const keys = await generateCosignKeyPair(cosign2, dir, env);
const tsaUrl = `${stack.url}/api/v1/timestamp`;
const chain = join(stack.trustDir, 'tsa_chain.pem');

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `timestamped at ${new Date().toISOString()}\n`);
const tampered = join(dir, 'tampered.txt');
writeFileSync(tampered, 'not what was timestamped\n');

// Split the published chain (leaf first, root last) for openssl's -untrusted / -CAfile.
const pems = readFileSync(chain, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
const leafPem = join(dir, 'leaf.pem');
const rootPem = join(dir, 'root.pem');
writeFileSync(leafPem, pems.slice(0, -1).join(''));
writeFileSync(rootPem, pems[pems.length - 1] ?? '');

async function post(query: Buffer): Promise<{ status: number; type: string | null; body: Buffer }> {
  const r = await fetch(tsaUrl, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: query });
  return { status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()) };
}

t.test('the published chain is leaf first and in trusted_root.json', async (t) => {
  t.ok(pems.length >= 2, 'leaf and root');
  const root = JSON.parse(readFileSync(stack.trustedRoot, 'utf8'));
  const ta = root.timestampAuthorities[0];
  t.equal(ta.uri, tsaUrl);
  const first = Buffer.from(ta.certChain.certificates[0].rawBytes, 'base64');
  const leafDer = Buffer.from(pems[0]!.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  t.ok(first.equals(leafDer), 'certChain starts with the TSA leaf');
  const served = await (await fetch(`${tsaUrl}/certchain`)).text();
  t.equal(served, readFileSync(chain, 'utf8'), 'GET /certchain serves the same chain');
});

for (const [hash, withCert] of [['-sha256', true], ['-sha384', false], ['-sha512', true]] as const) {
  t.test(`openssl ts: query ${hash}${withCert ? ' -cert' : ''}, reply, verify`, async (t) => {
    const q = join(dir, `q${hash}.tsq`);
    const r = join(dir, `r${hash}.tsr`);
    await runOk('openssl', ['ts', '-query', '-data', artifact, hash, ...(withCert ? ['-cert'] : []), '-out', q]);
    const res = await post(readFileSync(q));
    t.equal(res.status, 200);
    t.equal(res.type, 'application/timestamp-reply', 'the exact content type gitsign compares');
    writeFileSync(r, res.body);
    const text = await runOk('openssl', ['ts', '-reply', '-in', r, '-text']);
    t.match(text.stdout, /Status: Granted/);
    t.match(text.stdout, /Nonce: 0x/);
    const ok = await runOk('openssl', ['ts', '-verify', '-data', artifact, '-in', r, '-CAfile', rootPem, '-untrusted', leafPem]);
    t.match(ok.stdout, /Verification: OK/);
    const bad = await run('openssl', ['ts', '-verify', '-data', tampered, '-in', r, '-CAfile', rootPem, '-untrusted', leafPem]);
    t.not(bad.code, 0, 'other data does not verify');
  });
}

t.test('bad queries: an error, no token, still serving', async (t) => {
  for (const [name, body] of [
    ['garbage', Buffer.from('not DER at all')],
    ['truncated DER', readFileSync(join(dir, 'q-sha256.tsq')).subarray(0, 20)],
  ] as const) {
    const r = await post(body);
    t.ok(r.status >= 400 && r.status < 500, `${name}: 4xx (${r.status})`);
  }
  const sha1 = join(dir, 'sha1.tsq');
  await runOk('openssl', ['ts', '-query', '-data', artifact, '-sha1', '-out', sha1]);
  const r = await post(readFileSync(sha1));
  if (r.status === 200) {
    writeFileSync(join(dir, 'sha1.tsr'), r.body);
    const text = await runOk('openssl', ['ts', '-reply', '-in', join(dir, 'sha1.tsr'), '-text']);
    t.match(text.stdout, /Status: Rejected/, 'SHA-1 imprint refused with a rejection status');
  } else t.ok(r.status >= 400 && r.status < 500, 'SHA-1 imprint refused');
  const big = await post(Buffer.alloc(64 * 1024, 0x30));
  t.equal(big.status, 413, 'oversized body');
  const again = await post(readFileSync(join(dir, 'q-sha256.tsq')));
  t.equal(again.status, 200, 'still serving');
});

t.test('cosign 2.5: sign-blob --timestamp-server-url, verify-blob --use-signed-timestamps', async (t) => {
  const bundle = join(dir, 'c2.bundle');
  const tsr = join(dir, 'c2.tsr');
  await runClientOk(cosign2, ['sign-blob', '--key', keys.key, '--rekor-url', stack.url, '--timestamp-server-url', tsaUrl, '--rfc3161-timestamp', tsr, '--bundle', bundle, '--yes', artifact], { env });
  const venv = { ...env, SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub };
  const common = ['--key', keys.pub, '--bundle', bundle, '--rfc3161-timestamp', tsr, '--use-signed-timestamps', '--timestamp-certificate-chain', chain, '--rekor-url', stack.url];
  const ok = await runClientOk(cosign2, ['verify-blob', ...common, artifact], { env: venv });
  t.match(ok.stderr, /Verified OK/);
  await runClientFails(cosign2, ['verify-blob', ...common, tampered], { env: venv });
});

t.test('cosign 3.1: new-format bundle with an RFC 3161 timestamp, verify-blob --trusted-root', async (t) => {
  const bundle = join(dir, 'c3.sigstore.json');
  await runClientOk(cosign3, ['sign-blob', '--use-signing-config=false', '--key', keys.key, '--rekor-url', stack.url, '--timestamp-server-url', tsaUrl, '--bundle', bundle, '--yes', artifact], { env });
  const b = JSON.parse(readFileSync(bundle, 'utf8'));
  t.ok(b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length === 1, 'the bundle carries our timestamp');
  const ok = await runClientOk(cosign3, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--trusted-root', stack.trustedRoot, '--use-signed-timestamps', artifact], { env });
  t.match(ok.stderr, /Verified OK/);
  await runClientFails(cosign3, ['verify-blob', '--key', keys.pub, '--bundle', bundle, '--trusted-root', stack.trustedRoot, '--use-signed-timestamps', tampered], { env });
});
