// A production start (development: false) with EVERY key on a SoftHSM2 token, driven
// only through the `sigstack` command as an operator would (README "Keys in an HSM",
// deploy/README.md): `hsm generate` makes the keys, `ca init --key` and `tsa init --key`
// certify the CA intermediate and TSA leaf on the token, the CT log, Rekor v1, Rekor v2
// and the TUF online key are token keys too, and `tuf publish --online-key pkcs11:...`
// signs the first snapshot and timestamp on the token. The real clients run against it
// with no insecure flag: cosign 3.1 initialised from the served TUF repository (keyless
// with no flags: Rekor v2 and the TSA), cosign 2.5 keyless and keyed (Rekor v1),
// rekor-cli verify, openssl ts -verify. Then the sigstack client signs with its own key on
// the token (`--key pkcs11:...`, cosign's URI form; Rekor v2 and Rekor v1) and cosign 3.1/2.5 verify with the
// public key `sigstack public-key --key pkcs11:...` exports; a wrong PIN, a missing
// object and an RSA key are refused with one line, nothing written.
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runOk } from './lib/run.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { sigstack } from './lib/sigstack-cli.js';
import { fulcioConfigFor, startTestIssuer, tokenFile } from './lib/oidc-issuer.js';
import { startTestStack, stopStack } from './lib/test-stack.js';
import { clientEnv } from './lib/client-env.js';
import { freePort } from './lib/free-port.js';
import { createSoftHsmToken } from './lib/softhsm.js';
import { startRegistry } from './lib/registry.js';
import { pushTestImage } from './lib/oci-image.js';

t.setTimeout(600_000);

const dir = tempDir(t);
const token = createSoftHsmToken({ label: 'production', pin: 'pin-5d31' });
t.teardown(() => token.remove());
// Every process started below (the stack, sigstack, softhsm2-util) finds the token by it.
process.env.SOFTHSM2_CONF = token.conf;

const idp = await startTestIssuer(t);
const fulcioConfig = join(dir, 'fulcio-config.json');
writeFileSync(fulcioConfig, JSON.stringify(fulcioConfigFor(idp)));
const data = join(dir, 'data');
const port = await freePort();
const [node, bin] = sigstack([]);
const sg = (args: string[], env?: Record<string, string | undefined>) => runOk(node, [...bin, ...args], { timeoutMs: 120_000, ...(env ? { env } : {}) });
const sgClient = (args: string[], env: Record<string, string | undefined>) => runClientOk(node, [...bin, ...args], { env });

const KEYS = {
  fulcio: 'ecdsa-p256-sha256',
  tsa: 'ecdsa-p256-sha256',
  ctlog: 'ecdsa-p256-sha256',
  rekor: 'ecdsa-p256-sha256',
  rekorV2: 'ed25519',
  'tuf-online': 'ed25519',
  // The signer's own key, for `sigstack sign-blob --key pkcs11:...`.
  release: 'ecdsa-p256-sha256',
} as const;
const uris: Record<string, string> = {};
const pubs: Record<string, string> = {};

function config(tuf: boolean): string {
  const p = join(dir, tuf ? 'sigstack-tuf.yaml' : 'sigstack.yaml');
  writeFileSync(
    p,
    [
      'development: false',
      `fulcio:\n  configFile: ${fulcioConfig}\n  key: { path: '${uris.fulcio}' }`,
      `tsa:\n  key: { path: '${uris.tsa}' }`,
      `ctlog:\n  key: { path: '${uris.ctlog}' }`,
      `rekor:\n  key: { path: '${uris.rekor}' }`,
      `rekorV2:\n  enabled: true\n  offerInSigningConfig: true\n  key: { path: '${uris.rekorV2}' }`,
      tuf ? `tuf:\n  repositoryDir: ${join(dir, 'tuf-repository')}\n  onlineKey: { path: '${uris['tuf-online']}' }` : 'tuf:\n  enabled: false',
      '',
    ].join('\n'),
  );
  return p;
}

t.test('operator: every key on the token, the CA and TSA chains certify them', async (t) => {
  for (const [name, algorithm] of Object.entries(KEYS)) {
    const r = await sg(['hsm', 'generate', '--uri', token.uri(name), '--algorithm', algorithm]);
    uris[name] = /^uri: (\S+)$/m.exec(r.stdout)![1]!;
    pubs[name] = /-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\n/.exec(r.stdout)![0];
  }
  t.match((await sg(['ca', 'init', '--dir', join(data, 'fulcio'), '--key', uris.fulcio!, '--organization', 'example.com', '--common-name', 'example.com sigstore'])).stdout, /intermediate key pkcs11:token=production;object=fulcio/);
  t.match((await sg(['tsa', 'init', '--dir', join(data, 'tsa'), '--key', uris.tsa!])).stdout, /leaf key pkcs11:token=production;object=tsa/);
  // The root keys go offline: the running stack needs only the token keys.
  rmSync(join(data, 'fulcio', 'keys', 'fulcio-root.pem'));
  rmSync(join(data, 'tsa', 'keys', 'tsa-root.pem'));
});

let trustDir = '';
t.test('operator: a first start without TUF writes the trust material, with the token keys in it', async (t) => {
  const stack = await startTestStack(t, { dataDir: data, port, args: ['--config', config(false)] });
  trustDir = stack.trustDir;
  t.notMatch(stack.output(), /DEVELOPMENT/, 'no development warning');
  t.equal((await fetch(`${stack.url}/oidc/.well-known/openid-configuration`)).status, 404, 'no development issuer');
  t.equal(readFileSync(stack.rekorPub, 'utf8'), pubs.rekor, 'rekor.pub is the token key');
  t.equal(readFileSync(stack.ctfePub, 'utf8'), pubs.ctlog, 'ctfe.pub is the token key');
  const root = JSON.parse(readFileSync(stack.trustedRoot, 'utf8'));
  const spki = (pem: string) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('base64');
  t.ok(root.tlogs.some((l: { publicKey: { rawBytes: string } }) => l.publicKey.rawBytes === spki(pubs.rekorV2!)), 'the trusted root lists the Rekor v2 token key');
  t.equal(root.certificateAuthorities[0].subject.organization, 'example.com');
  await stopStack(stack);
  // No file key was made anywhere in the data directory.
  t.notOk(existsSync(join(data, 'keys')), 'no key files');
});

t.test('operator: a TUF ceremony whose online key is on the token; publish signs on the token', async (t) => {
  const ceremony = join(dir, 'tuf-root');
  await sg(['tuf', 'keygen', '--out', join(dir, 'alice.pem')]);
  const onlinePub = join(dir, 'tuf-online.pub');
  writeFileSync(onlinePub, pubs['tuf-online']!);
  await sg(['tuf', 'init', '--dir', ceremony, '--root-key', join(dir, 'alice.pem.pub'), '--root-threshold', '1', '--targets-key', join(dir, 'alice.pem.pub'), '--targets-threshold', '1', '--online-key', onlinePub]);
  await sg(['tuf', 'add-target', '--dir', ceremony, '--file', join(trustDir, 'trusted_root.json')]);
  await sg(['tuf', 'add-target', '--dir', ceremony, '--file', join(trustDir, 'signing_config.v0.2.json')]);
  for (const role of ['root', 'targets']) await sg(['tuf', 'sign', '--dir', ceremony, '--role', role, '--key', join(dir, 'alice.pem')]);
  t.match((await sg(['tuf', 'publish', '--dir', ceremony, '--repository', join(dir, 'tuf-repository'), '--online-key', uris['tuf-online']!])).stdout, /published/);
});

t.test('the production stack on the token: the real clients', async (t) => {
  const stack = await startTestStack(t, { dataDir: data, port, args: ['--config', config(true)] });
  t.notMatch(stack.output(), /pin-5d31/, 'no PIN in the logs');
  const cosign2 = peer('cosign2');
  const cosign3 = peer('cosign3');
  const env3 = clientEnv(join(dir, 'c3'));
  const env2 = clientEnv(join(dir, 'c2'), { SIGSTORE_ROOT_FILE: stack.fulcioChain, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE: stack.ctfePub, SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub });
  const artifact = join(dir, 'release.tar');
  writeFileSync(artifact, `a production artifact, ${new Date().toISOString()}\n`);
  const who = (email: string) => ['--certificate-identity', email, '--certificate-oidc-issuer', idp.url];

  await t.test('cosign 3.1 initialises from the TUF repository (timestamp signed on the token) and signs keyless with no flags', async (t) => {
    await runClientOk(cosign3, ['initialize', '--mirror', `${stack.url}/tuf`, '--root', stack.tufRoot], { env: env3 });
    // sigstack's client keeps its own TUF cache ($TUF_ROOT/sigstack): it initialises from the same repository.
    await sgClient(['initialize', '--mirror', `${stack.url}/tuf`, '--root', stack.tufRoot], env3);
    const bundle = join(dir, 'cosign3.sigstore.json');
    await runClientOk(cosign3, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken('release@example.com')), '--bundle', bundle, '--yes', artifact], { env: env3 });
    const b = JSON.parse(readFileSync(bundle, 'utf8'));
    t.equal(b.verificationMaterial.tlogEntries[0].kindVersion.version, '0.0.2', 'a Rekor v2 entry (Ed25519 checkpoint key on the token)');
    t.ok(b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length, 'an RFC 3161 timestamp (TSA key on the token)');
    t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', bundle, ...who('release@example.com'), artifact], { env: env3 })).stderr, /Verified OK/);
    await runClientFails(cosign3, ['verify-blob', '--bundle', bundle, ...who('mallory@example.com'), artifact], { env: env3 });
  });

  const bundle2 = join(dir, 'cosign2.bundle');
  await t.test('cosign 2.5 keyless (CA, SCT, Rekor v1 on the token) and keyed', async (t) => {
    const signed = await runClientOk(
      cosign2,
      ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', tokenFile(dir, await idp.emailToken('ops@example.com')), '--bundle', bundle2, '--yes', artifact],
      { env: env2 },
    );
    t.match(signed.stderr, /Successfully verified SCT/);
    t.match((await runClientOk(cosign2, ['verify-blob', '--bundle', bundle2, ...who('ops@example.com'), '--rekor-url', stack.url, artifact], { env: env2 })).stderr, /Verified OK/);
    const prefix = join(dir, 'cosign2-key');
    await runClientOk(cosign2, ['generate-key-pair', '--output-key-prefix', prefix], { env: env2 });
    const keyed = join(dir, 'cosign2-keyed.bundle');
    await runClientOk(cosign2, ['sign-blob', '--key', `${prefix}.key`, '--rekor-url', stack.url, '--bundle', keyed, '--yes', artifact], { env: env2 });
    t.match((await runClientOk(cosign2, ['verify-blob', '--key', `${prefix}.pub`, '--bundle', keyed, '--rekor-url', stack.url, artifact], { env: env2 })).stderr, /Verified OK/);
  });

  await t.test('rekor-cli verifies the Rekor v1 entry (SET and checkpoint signed on the token)', async (t) => {
    const raw = JSON.parse(readFileSync(bundle2, 'utf8'));
    const cert = join(dir, 'cosign2-cert.pem');
    writeFileSync(cert, Buffer.from(raw.cert, 'base64'));
    const sig = join(dir, 'cosign2.sig');
    writeFileSync(sig, Buffer.from(raw.base64Signature, 'base64'));
    const r = await runClientOk(
      peer('rekor-cli'),
      ['--rekor_server', stack.url, 'verify', '--type', 'hashedrekord', '--pki-format', 'x509', '--artifact-hash', createHash('sha256').update(readFileSync(artifact)).digest('hex'), '--signature', sig, '--public-key', cert],
      { env: env2 },
    );
    t.match(r.stdout, /Inclusion Proof/);
  });

  await t.test('openssl ts -verify accepts a timestamp signed on the token', async (t) => {
    const pems = readFileSync(stack.tsaChain, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
    writeFileSync(join(dir, 'tsa-leaf.pem'), pems.slice(0, -1).join(''));
    writeFileSync(join(dir, 'tsa-root.pem'), pems[pems.length - 1] ?? '');
    const tsq = join(dir, 'q.tsq');
    await runOk('openssl', ['ts', '-query', '-data', artifact, '-sha256', '-cert', '-out', tsq]);
    const res = await fetch(`${stack.url}/api/v1/timestamp`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: readFileSync(tsq) });
    t.equal(res.status, 200);
    const tsr = join(dir, 'r.tsr');
    writeFileSync(tsr, Buffer.from(await res.arrayBuffer()));
    t.match((await runOk('openssl', ['ts', '-verify', '-data', artifact, '-in', tsr, '-CAfile', join(dir, 'tsa-root.pem'), '-untrusted', join(dir, 'tsa-leaf.pem')])).stdout, /Verification: OK/);
  });

  // The signer's key in cosign's URI form: the PIN in pin-value, the module in module-path.
  const clientUri = (name: string, pin = token.pin) => `${uris[name]!.split('?')[0]}?module-path=${token.module}&pin-value=${pin}`;
  const releasePub = join(dir, 'release.pub');

  await t.test('sigstack public-key --key pkcs11: exports the token key, as cosign public-key does', async (t) => {
    await sgClient(['public-key', '--key', clientUri('release'), '--outfile', releasePub], env3);
    t.equal(readFileSync(releasePub, 'utf8'), pubs.release, 'the public key object of the token key');
    // cosign's environment variables instead of the URI's query.
    const byEnv = await sgClient(['public-key', '--key', uris.release!.split('?')[0]!], { ...env3, COSIGN_PKCS11_MODULE_PATH: token.module, COSIGN_PKCS11_PIN: token.pin });
    t.equal(byEnv.stdout, pubs.release, 'COSIGN_PKCS11_MODULE_PATH and COSIGN_PKCS11_PIN');
  });

  await t.test('sigstack sign-blob and attest-blob --key pkcs11: by the TUF signing config (Rekor v2 + TSA); cosign 3.1 verifies', async (t) => {
    const bundle = join(dir, 'token-key-v2.sigstore.json');
    await sgClient(['sign-blob', '--key', clientUri('release'), '--bundle', bundle, '--yes', artifact], env3);
    const b = JSON.parse(readFileSync(bundle, 'utf8'));
    t.equal(b.verificationMaterial.tlogEntries[0].kindVersion.version, '0.0.2', 'a Rekor v2 entry, the key as its verifier');
    t.ok(b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length, 'an RFC 3161 timestamp');
    t.match((await runClientOk(cosign3, ['verify-blob', '--key', releasePub, '--bundle', bundle, artifact], { env: env3 })).stderr, /Verified OK/);
    const predicate = join(dir, 'predicate-v2.json');
    writeFileSync(predicate, JSON.stringify({ reviewed: true }));
    const att = join(dir, 'token-att-v2.sigstore.json');
    await sgClient(['attest-blob', '--key', clientUri('release'), '--predicate', predicate, '--type', 'custom', '--bundle', att, '--yes', artifact], env3);
    // As cosign 3.1 logs a keyed attestation to Rekor v2: a hashedrekord over the envelope's PAE.
    t.same(JSON.parse(readFileSync(att, 'utf8')).verificationMaterial.tlogEntries[0].kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
    t.match((await runClientOk(cosign3, ['verify-blob-attestation', '--key', releasePub, '--bundle', att, '--type', 'custom', artifact], { env: env3 })).stderr, /Verified OK/);
  });

  await t.test('sigstack sign-blob --key pkcs11: to Rekor v1; cosign 2.5 and 3.1 verify with the exported key', async (t) => {
    const bundle = join(dir, 'token-key-v1.sigstore.json');
    await sgClient(['sign-blob', '--key', clientUri('release'), '--rekor-url', stack.url, '--bundle', bundle, '--yes', artifact], env3);
    t.equal(JSON.parse(readFileSync(bundle, 'utf8')).verificationMaterial.tlogEntries[0].kindVersion.kind, 'hashedrekord');
    const trust = ['--trusted-root', stack.trustedRoot];
    t.match((await runClientOk(cosign2, ['verify-blob', '--key', releasePub, '--bundle', bundle, '--new-bundle-format', ...trust, artifact], { env: env2 })).stderr, /Verified OK/);
    t.match((await runClientOk(cosign3, ['verify-blob', '--key', releasePub, '--bundle', bundle, ...trust, artifact], { env: env3 })).stderr, /Verified OK/);
    t.match((await sgClient(['verify-blob', '--key', clientUri('release'), '--bundle', bundle, ...trust, artifact], env3)).stderr, /Verified OK/, 'sigstack verify-blob --key pkcs11: too');
    writeFileSync(join(dir, 'tampered.tar'), 'not the artifact\n');
    await runClientFails(cosign3, ['verify-blob', '--key', releasePub, '--bundle', bundle, ...trust, join(dir, 'tampered.tar')], { env: env3 });
  });

  await t.test('sigstack attest-blob --key pkcs11:; cosign 3.1 verifies the attestation', async (t) => {
    const predicate = join(dir, 'predicate.json');
    writeFileSync(predicate, JSON.stringify({ reviewed: true }));
    const bundle = join(dir, 'token-att.sigstore.json');
    await sgClient(['attest-blob', '--key', clientUri('release'), '--rekor-url', stack.url, '--predicate', predicate, '--type', 'custom', '--bundle', bundle, '--yes', artifact], env3);
    t.match((await runClientOk(cosign3, ['verify-blob-attestation', '--key', releasePub, '--bundle', bundle, '--type', 'custom', '--trusted-root', stack.trustedRoot, artifact], { env: env3 })).stderr, /Verified OK/);
  });

  await t.test('sigstack sign and attest an image with --key pkcs11:; cosign 3.1 verifies', async (t) => {
    const registry = await startRegistry(t, join(dir, 'registry'));
    const image = await pushTestImage(registry.host, 'prod/app', 'v1', dir, env3);
    await sgClient(['sign', '--key', clientUri('release'), '--rekor-url', stack.url, '--yes', image], env3);
    const predicate = join(dir, 'sbom.json');
    writeFileSync(predicate, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [] }));
    await sgClient(['attest', '--key', clientUri('release'), '--rekor-url', stack.url, '--predicate', predicate, '--type', 'cyclonedx', '--yes', image], env3);
    t.match((await runClientOk(cosign3, ['verify', '--key', releasePub, image], { env: env3 })).stderr, /verified against the specified public key/);
    await runClientOk(cosign3, ['verify-attestation', '--key', releasePub, '--type', 'cyclonedx', image], { env: env3 });
  });

  await t.test('refusals: a wrong PIN, a missing object, an RSA key: one line, nothing written, no fallback', async (t) => {
    const rsa = join(dir, 'rsa.pem');
    await runOk('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', rsa]);
    await runOk(peer('softhsm2-util'), ['--module', token.module, '--import', rsa, '--token', token.label, '--label', 'rsa', '--id', 'a1', '--pin', token.pin]);
    const missing = `pkcs11:token=${token.label};object=no-such-key?module-path=${token.module}&pin-value=${token.pin}`;
    const rsaUri = `pkcs11:token=${token.label};object=rsa?module-path=${token.module}&pin-value=${token.pin}`;
    const cases: [string, string, RegExp][] = [
      ['wrong PIN', clientUri('release', '0000'), /the token refused the PIN \(CKR_PIN_INCORRECT\)/],
      ['missing object', missing, /no private key object=no-such-key on the token/],
      ['RSA key', rsaUri, /private key object=rsa is not an ECDSA P-256\/P-384 or Ed25519 key/],
      ['no token', `pkcs11:object=release?module-path=${token.module}&pin-value=${token.pin}`, /names no token: give token= \(its label\) or slot-id=/],
      ['relative module', `pkcs11:token=${token.label};object=release?module-path=libsofthsm2.so&pin-value=${token.pin}`, /is not an absolute path/],
    ];
    for (const [what, uri, re] of cases) {
      for (const verb of ['sign-blob', 'attest-blob']) {
        const bundle = join(dir, `refused-${verb}-${what.replace(/ /g, '-')}.json`);
        const extra = verb === 'attest-blob' ? ['--predicate', join(dir, 'predicate.json')] : [];
        const r = await runClientFails(node, [...bin, verb, '--key', uri, ...extra, '--rekor-url', stack.url, '--bundle', bundle, '--yes', artifact], { env: env3 });
        t.match(r.stderr, re, `${verb}: ${what}`);
        t.match(r.stderr, /(^|\n)Error: --key pkcs11:[^\n]*\n$/, `${verb}: ${what}: one line, last`);
        t.equal(r.stderr.match(/Error/g)?.length, 1, `${verb}: ${what}: one error`);
        t.notMatch(r.stderr, /pin-value=(0000|pin-5d31)/, `${verb}: ${what}: the PIN is not printed`);
        t.notOk(existsSync(bundle), `${verb}: ${what}: no bundle written`);
      }
    }
    const noPin = await runClientFails(node, [...bin, 'public-key', '--key', `pkcs11:token=${token.label};object=release?module-path=${token.module}`], { env: env3, input: '' });
    t.match(noPin.stderr, /^Error: .*no PIN: give pin-value= in the URI or set COSIGN_PKCS11_PIN\n$/, 'no PIN and no terminal: refused');
  });

  t.equal(stack.child.exitCode, null, 'the stack kept serving');
});
