// scripts/conformance-client, the sigstore-conformance entry point, against a live
// keyless stack: it signs with the stack's signing config and trusted root exactly as
// the conformance suite calls it (token inline, flags in the protocol's order), cosign
// 3.1 verifies the bundles, and verify-bundle accepts and refuses what it must.
import t from 'tap';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { sigstack } from './lib/sigstack-cli.js';

t.setTimeout(300_000);

const ENTRY = fileURLToPath(new URL('../scripts/conformance-client', import.meta.url));
const dir = tempDir(t);
const { stack, idp, env3: env } = await startKeylessStack(t, dir);
const cosign3 = peer('cosign3');
const conf = (args: string[]) => runClientOk(ENTRY, args, { env });
const confFails = (args: string[]) => runClientFails(ENTRY, args, { env });

const artifact = join(dir, 'a.txt');
writeFileSync(artifact, `an artifact signed through the conformance entry point at ${new Date().toISOString()}\n`);
const other = join(dir, 'other.txt');
writeFileSync(other, 'another artifact\n');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const digestOf = (p: string) => `sha256:${sha256(readFileSync(p))}`;
const token = await idp.emailToken('alice@example.com');
const who = ['--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url];
const trust = ['--trusted-root', stack.trustedRoot];

t.test('sign-bundle: a message signature that cosign 3.1 verifies; verify-bundle accepts and refuses', async (t) => {
  const bundle = join(dir, 'a.txt.sigstore.json');
  await conf(['sign-bundle', '--identity-token', token, '--bundle', bundle, ...trust, '--signing-config', stack.signingConfig, artifact]);
  const b = JSON.parse(readFileSync(bundle, 'utf8'));
  t.ok(b.messageSignature, 'a message signature');
  t.notOk(b.dsseEnvelope, 'no DSSE envelope');
  t.match((await runClientOk(cosign3, ['verify-blob', '--bundle', bundle, ...trust, ...who, artifact], { env })).stderr, /Verified OK/);

  await conf(['verify-bundle', '--bundle', bundle, ...who, ...trust, artifact]);
  await conf(['verify-bundle', '--bundle', bundle, ...who, ...trust, digestOf(artifact)]);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, ...trust, artifact])).stderr, /Error: identity/);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', 'https://issuer.invalid', ...trust, artifact])).stderr, /Error: identity/);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, ...who, ...trust, other])).stderr, /not the one signed/);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, ...who, ...trust, digestOf(other)])).stderr, /not the one signed/);
  // the protocol: a sha256: string that names a file on disk is that file
  const named = join(dir, digestOf(other));
  copyFileSync(other, named);
  t.match((await runClientFails(ENTRY, ['verify-bundle', '--bundle', bundle, ...who, ...trust, digestOf(other)], { env, cwd: dir })).stderr, /not the one signed/);
  copyFileSync(artifact, join(dir, digestOf(artifact)));
  await runClientOk(ENTRY, ['verify-bundle', '--bundle', bundle, ...who, ...trust, digestOf(artifact)], { env, cwd: dir });
  // a certificate bundle is not verified with a key
  const keys = { ...env, COSIGN_PASSWORD: 'pw' };
  await runClientOk(...sigstack(['generate-key-pair', '--output-key-prefix', join(dir, 'k')]), { env: keys });
  t.match((await confFails(['verify-bundle', '--bundle', bundle, '--key', join(dir, 'k.pub'), ...trust, artifact])).stderr, /carries a certificate/);
});

t.test('sign-bundle --in-toto: the statement signed as DSSE; cosign 3.1 verifies the attestation; the input is a subject', async (t) => {
  const statement = join(dir, 'statement.json');
  const predicateType = 'https://slsa.dev/provenance/v1';
  writeFileSync(statement, JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a.txt', digest: { sha256: sha256(readFileSync(artifact)) } }], predicateType, predicate: { buildDefinition: { buildType: 'https://example.com/build/v1' } } }));
  const bundle = join(dir, 'statement.sigstore.json');
  await conf(['sign-bundle', '--in-toto', '--identity-token', token, '--bundle', bundle, ...trust, '--signing-config', stack.signingConfig, statement]);
  const b = JSON.parse(readFileSync(bundle, 'utf8'));
  t.equal(b.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
  t.same(Buffer.from(b.dsseEnvelope.payload, 'base64'), readFileSync(statement), 'the statement, byte for byte');
  t.match((await runClientOk(cosign3, ['verify-blob-attestation', '--bundle', bundle, '--type', predicateType, ...trust, ...who, artifact], { env })).stderr, /Verified OK/);

  await conf(['verify-bundle', '--bundle', bundle, ...who, ...trust, artifact]);
  await conf(['verify-bundle', '--bundle', bundle, ...who, ...trust, digestOf(artifact)]);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, ...who, ...trust, other])).stderr, /Error: .*subject/i);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, ...trust, artifact])).stderr, /Error: identity/);
});

t.test('verify-bundle --key: a key-signed bundle', async (t) => {
  const keys = { ...env, COSIGN_PASSWORD: 'pw2' };
  await runClientOk(...sigstack(['generate-key-pair', '--output-key-prefix', join(dir, 'signer')]), { env: keys });
  const bundle = join(dir, 'key.sigstore.json');
  await runClientOk(...sigstack(['sign-blob', '--key', join(dir, 'signer.key'), '--signing-config', stack.signingConfig, '--bundle', bundle, '--yes', artifact]), { env: keys });
  await conf(['verify-bundle', '--bundle', bundle, '--key', join(dir, 'signer.pub'), ...trust, artifact]);
  await conf(['verify-bundle', '--bundle', bundle, '--key', join(dir, 'signer.pub'), ...trust, digestOf(artifact)]);
  await runClientOk(...sigstack(['generate-key-pair', '--output-key-prefix', join(dir, 'stranger')]), { env: keys });
  t.match((await confFails(['verify-bundle', '--bundle', bundle, '--key', join(dir, 'stranger.pub'), ...trust, artifact])).stderr, /Error: /);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, '--key', join(dir, 'signer.pub'), ...trust, other])).stderr, /not the one signed/);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, ...who, ...trust, artifact])).stderr, /signed with a key/);
});

t.test('protocol errors: --staging refused, usage errors, no artifact', async (t) => {
  const bundle = join(dir, 'a.txt.sigstore.json');
  t.match((await confFails(['sign-bundle', '--staging', '--identity-token', token, '--bundle', join(dir, 'x.json'), artifact])).stderr, /--staging/);
  t.match((await confFails(['verify-bundle', '--staging', '--bundle', bundle, ...who, artifact])).stderr, /--staging/);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, ...who, '--key', join(dir, 'k.pub'), ...trust, artifact])).stderr, /either --key or --certificate-identity/);
  t.match((await confFails(['verify-bundle', '--bundle', bundle, ...who, ...trust, join(dir, 'missing.txt')])).stderr, /no such file/);
  t.match((await confFails(['frobnicate'])).stderr, /unknown command/);
});
