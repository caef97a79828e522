// The production path end to end, driven only through the `sigstack` command: no
// development defaults (nothing is generated on start, no development issuer). The
// operator makes the CA hierarchy (`sigstack ca init`), the TSA chain (`sigstack tsa
// init`) and the log keys, starts the
// stack once without TUF to get its trust material, runs a 2-of-3 TUF ceremony over it
// (`sigstack tuf init/add-target/sign/publish`, one signature made "air-gapped" with
// OpenSSL), then serves the repository. A user initialises cosign 3.1 from it and signs
// and verifies keyless with tokens from their own identity provider, with no flags.
import t from 'tap';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack, stopStack } from './lib/test-stack.js';
import { SIGSTACK_BIN } from './lib/stack-process.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { run } from './lib/run.js';
import { freePort } from './lib/free-port.js';
import { fulcioConfigFor, startTestIssuer, tokenFile } from './lib/oidc-issuer.js';

t.setTimeout(240_000);

const dir = tempDir(t);
const data = join(dir, 'data');
const keys = join(data, 'keys');
mkdirSync(keys, { recursive: true });
const ceremony = join(dir, 'tuf-root');
const repository = join(dir, 'tuf-repository');
const idp = await startTestIssuer(t);
const fulcioConfig = join(dir, 'fulcio-config.json');
writeFileSync(fulcioConfig, JSON.stringify(fulcioConfigFor(idp)));

async function sigstack(...args: string[]): Promise<string> {
  const r = await run(process.execPath, [SIGSTACK_BIN, ...args], { timeoutMs: 60_000, cwd: dir });
  if (r.code !== 0) throw new Error(`sigstack ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function config(tuf: boolean): string {
  const p = join(dir, tuf ? 'sigstack-tuf.yaml' : 'sigstack.yaml');
  writeFileSync(
    p,
    [
      'development: false',
      `fulcio:\n  configFile: ${fulcioConfig}`,
      tuf ? `tuf:\n  repositoryDir: ${repository}\n  onlineKey:\n    path: keys/tuf-online.pem` : 'tuf:\n  enabled: false',
      '',
    ].join('\n'),
  );
  return p;
}

const port = await freePort();
let trustDir = '';
const keyIds: Record<string, string | undefined> = {};

t.test('operator: keys and CA made by hand; a start without them is refused', async (t) => {
  const refused = await run(process.execPath, [SIGSTACK_BIN, 'up', '--data-dir', data, '--port', String(port), '--config', config(false)], { timeoutMs: 30_000 });
  t.not(refused.code, 0, 'no development defaults: missing keys are an error');
  t.match(refused.stderr, /does not exist/);
  t.match(await sigstack('ca', 'init', '--dir', join(data, 'fulcio'), '--organization', 'example.com', '--common-name', 'example.com sigstore'), /created the CA/);
  t.match(await sigstack('tsa', 'init', '--dir', join(data, 'tsa')), /created the TSA chain/);
  for (const k of ['rekor', 'ctlog']) await sigstack('tuf', 'keygen', '--algorithm', 'ecdsa-p256-sha256', '--out', join(keys, `${k}.pem`));
  await sigstack('tuf', 'keygen', '--out', join(keys, 'tuf-online.pem'));
  for (const k of ['alice', 'bob', 'carol']) {
    const out = await sigstack('tuf', 'keygen', '--out', join(dir, `${k}.pem`));
    keyIds[k] = /TUF key ID ([0-9a-f]{64})/.exec(out)?.[1];
    t.ok(keyIds[k], `keygen prints ${k}'s key ID`);
  }
  // The root key goes offline: the running CA needs only the intermediate.
  rmSync(join(data, 'fulcio', 'keys', 'fulcio-root.pem'));
  rmSync(join(data, 'tsa', 'keys', 'tsa-root.pem'));
});

t.test('operator: a first start without TUF writes the trust material', async (t) => {
  const stack = await startTestStack(t, { dataDir: data, port, args: ['--config', config(false)] });
  trustDir = stack.trustDir;
  t.notMatch(stack.output(), /DEVELOPMENT/, 'no development warning');
  const res = await fetch(`${stack.url}/oidc/.well-known/openid-configuration`);
  t.equal(res.status, 404, 'no development issuer');
  const root = JSON.parse(readFileSync(stack.trustedRoot, 'utf8'));
  t.equal(root.certificateAuthorities[0].subject.organization, 'example.com');
  await stopStack(stack);
});

t.test('operator: a 2-of-3 ceremony publishes the repository', async (t) => {
  await sigstack(
    'tuf', 'init', '--dir', ceremony,
    '--root-key', join(dir, 'alice.pem.pub'), '--root-key', join(dir, 'bob.pem.pub'), '--root-key', join(dir, 'carol.pem.pub'), '--root-threshold', '2',
    '--targets-key', join(dir, 'alice.pem.pub'), '--targets-key', join(dir, 'bob.pem.pub'), '--targets-threshold', '2',
    '--online-key', join(keys, 'tuf-online.pem.pub'),
  );
  await sigstack('tuf', 'add-target', '--dir', ceremony, '--file', join(trustDir, 'trusted_root.json'));
  await sigstack('tuf', 'add-target', '--dir', ceremony, '--file', join(trustDir, 'signing_config.v0.2.json'));
  for (const role of ['root', 'targets']) await sigstack('tuf', 'sign', '--dir', ceremony, '--role', role, '--key', join(dir, 'alice.pem'));
  // Below threshold: publish refuses.
  const early = await run(process.execPath, [SIGSTACK_BIN, 'tuf', 'publish', '--dir', ceremony, '--repository', repository, '--online-key', join(keys, 'tuf-online.pem')], { timeoutMs: 30_000 });
  t.equal(early.code, 2);
  t.match(early.stderr, /1 valid signature\(s\) of the 2 required/);
  // Bob signs on an air-gapped machine: the canonical bytes out, an Ed25519 signature (hex) back.
  for (const role of ['root', 'targets']) {
    const payload = join(dir, `${role}.payload`);
    await sigstack('tuf', 'payload', '--dir', ceremony, '--role', role, '--out', payload);
    const sigFile = join(dir, `${role}.sig`);
    const signed = await run('openssl', ['pkeyutl', '-sign', '-inkey', join(dir, 'bob.pem'), '-rawin', '-in', payload, '-out', sigFile], { timeoutMs: 10_000 });
    t.equal(signed.code, 0, signed.stderr);
    const r = await run(process.execPath, [SIGSTACK_BIN, 'tuf', 'add-signature', '--dir', ceremony, '--role', role, '--keyid', keyIds.bob!, '--sig', '-'], {
      timeoutMs: 30_000,
      input: readFileSync(sigFile).toString('hex'),
    });
    t.equal(r.code, 0, r.stderr);
  }
  t.match(await sigstack('tuf', 'status', '--dir', ceremony), /root version 1 .*COMPLETE[\s\S]*targets version 1 .*COMPLETE/);
  t.match(await sigstack('tuf', 'publish', '--dir', ceremony, '--repository', repository, '--online-key', join(keys, 'tuf-online.pem')), /published/);
});

t.test('user: cosign 3.1 initialises from the served repository and signs keyless with no flags', async (t) => {
  const stack = await startTestStack(t, { dataDir: data, port, args: ['--config', config(true)] });
  const env = clientEnv(dir);
  const cosign = peer('cosign3');
  await runClientOk(cosign, ['initialize', '--mirror', `${stack.url}/tuf`, '--root', join(stack.trustDir, 'root.json')], { env });
  const artifact = join(dir, 'release.tar');
  writeFileSync(artifact, 'a production artifact\n');
  const bundle = join(dir, 'release.sigstore.json');
  await runClientOk(cosign, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken('release@example.com')), '--bundle', bundle, '--yes', artifact], { env });
  const v = await runClientOk(cosign, ['verify-blob', '--bundle', bundle, '--certificate-identity', 'release@example.com', '--certificate-oidc-issuer', idp.url, artifact], { env });
  t.match(v.stderr, /Verified OK/);
  await runClientFails(cosign, ['verify-blob', '--bundle', bundle, '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, artifact], { env });
});
