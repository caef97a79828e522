// Rekor v2 (issue 11) with the real clients, on a stack whose signing config offers it
// (rekorV2.offerInSigningConfig): cosign 3.1 signs keyless (with the TSA) and with a key,
// and attests, through the stack's signing config, and verifies with its trusted root;
// sigstore-go's example clients do the same; sigstore-js signs to v2 (RekorWitness with
// majorApiVersion 2) and verifies. Each bundle's entry is hashedrekord 0.0.2 (sigstore-js
// DSSE: dsse 0.0.2) with integratedTime 0, whose proof this test checks itself against
// the v2 checkpoint with the engine's verifier. On the same running stack, cosign 2.5
// and rekor-cli keep using Rekor v1. No insecure flag. protocols.md §7, §9.3, §12.2, §13.
import t, { type Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClient, runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { generateCosignKeyPair } from './lib/cosign-keys.js';
import { clientEnv } from './lib/client-env.js';
import { cosign3Blob } from './lib/cosign3-blob.js';
import { sigstoreJsVerify } from './lib/sigstore-js.js';
import { createEd25519NoteVerifier, leafHash, verifyCheckpoint, verifyInclusion } from './lib/merkle.js';

t.setTimeout(400_000);

const dir = tempDir(t);
const { stack, idp, env3: env } = await startKeylessStack(t, dir, { stackYaml: 'rekorV2:\n  offerInSigningConfig: true\n' });
const cosign3 = peer('cosign3');
const cosign2 = peer('cosign2');
const blob3 = cosign3Blob(stack, env, cosign3);

const trustedRoot = JSON.parse(readFileSync(stack.trustedRoot, 'utf8'));
const signingConfig = JSON.parse(readFileSync(stack.signingConfig, 'utf8'));
const host = new URL(stack.url).hostname;
const v2Log = trustedRoot.tlogs.find((l: { publicKey: { keyDetails: string } }) => l.publicKey.keyDetails === 'PKIX_ED25519');

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `signed to Rekor v2 at ${new Date().toISOString()}\n`);
const predicate = join(dir, 'predicate.json');
writeFileSync(predicate, JSON.stringify({ buildType: 'https://example.com/build', builder: { id: 'local' } }));
const statement = join(dir, 'statement.json');
writeFileSync(
  statement,
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'artifact.txt', digest: { sha256: createHash('sha256').update(readFileSync(artifact)).digest('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {},
  }),
);

/**
 * The bundle's one tlog entry is from the v2 log, of `kind` 0.0.2, with no integrated
 * time and no promise, and its inclusion proof verifies against its checkpoint, which
 * verifies with the v2 key under the host name (as sigstore-go checks it).
 */
function checkV2Entry(t: Test, bundlePath: string, kind = 'hashedrekord'): void {
  const b = JSON.parse(readFileSync(bundlePath, 'utf8'));
  const entries = b.verificationMaterial.tlogEntries;
  t.equal(entries.length, 1, 'one tlog entry');
  const e = entries[0];
  t.same(e.kindVersion, { kind, version: '0.0.2' });
  t.equal(e.logId.keyId, v2Log.logId.keyId, 'from the v2 log');
  t.equal(Number(e.integratedTime ?? 0), 0, 'integratedTime 0');
  t.notOk(e.inclusionPromise, 'no SET');
  const cp = verifyCheckpoint(e.inclusionProof.checkpoint.envelope, [createEd25519NoteVerifier(host, Buffer.from(v2Log.publicKey.rawBytes, 'base64'))], { origin: host });
  const body = Buffer.from(e.canonicalizedBody, 'base64');
  t.equal(JSON.parse(body.toString()).kind, kind);
  t.doesNotThrow(() => verifyInclusion(leafHash(body), Number(e.logIndex ?? 0), cp.size, (e.inclusionProof.hashes ?? []).map((h: string) => Buffer.from(h, 'base64')), cp.rootHash), 'inclusion proof verifies against the v2 checkpoint');
}

t.test('trusted_root lists both logs; the signing config offers v2 (majorApiVersion 2) before v1', async (t) => {
  t.equal(trustedRoot.tlogs.length, 2);
  t.ok(v2Log, 'an Ed25519 log');
  t.equal(new URL(v2Log.baseUrl).hostname, host, 'its baseUrl host is the checkpoint origin');
  t.same(v2Log.checkpointKeyId, v2Log.logId);
  t.same(
    signingConfig.rekorTlogUrls.map((s: { url: string; majorApiVersion: number }) => [s.url, s.majorApiVersion]),
    [
      [stack.url, 2],
      [stack.url, 1],
    ],
  );
  t.equal(signingConfig.tsaUrls.length, 1, 'with the TSA keyless v2 signing needs');
});

const keylessBundle = join(dir, 'keyless.sigstore.json');
t.test('cosign 3.1 sign-blob keyless (CA, Rekor v2, TSA from the signing config) and verify-blob', async (t) => {
  const token = await idp.emailToken('v2@example.com');
  await blob3.signKeyless(tokenFile(dir, token), keylessBundle, artifact);
  checkV2Entry(t, keylessBundle);
  t.match((await blob3.verify(keylessBundle, 'v2@example.com', idp.url, artifact)).stderr, /Verified OK/);
  const tampered = join(dir, 'tampered.txt');
  writeFileSync(tampered, 'not what was signed\n');
  const bad = await blob3.verify(keylessBundle, 'v2@example.com', idp.url, tampered, runClient);
  t.not(bad.code, 0, 'a tampered artifact is refused');
});

t.test('cosign 3.1 sign-blob and attest-blob with a key, verified with the key and the trusted root', async (t) => {
  const keys = await generateCosignKeyPair(cosign3, dir, env, 'v2key');
  const b = join(dir, 'key.sigstore.json');
  await blob3.signWithKey(keys.key, b, artifact);
  checkV2Entry(t, b);
  t.match((await blob3.verifyWithKey(keys.pub, b, artifact)).stderr, /Verified OK/);
  const a = join(dir, 'key-att.sigstore.json');
  await runClientOk(
    cosign3,
    ['attest-blob', '--key', keys.key, '--signing-config', stack.signingConfig, '--trusted-root', stack.trustedRoot, '--predicate', predicate, '--type', 'slsaprovenance', '--bundle', a, '--yes', artifact],
    { env },
  );
  checkV2Entry(t, a);
  t.match(
    (await runClientOk(cosign3, ['verify-blob-attestation', '--key', keys.pub, '--bundle', a, '--trusted-root', stack.trustedRoot, '--type', 'slsaprovenance', artifact], { env })).stderr,
    /Verified OK/,
  );
});

const keylessAttestation = join(dir, 'keyless-att.sigstore.json');
t.test('cosign 3.1 attest-blob keyless: DSSE logged as hashedrekord 0.0.2 over the PAE digest', async (t) => {
  const token = await idp.emailToken('v2@example.com');
  await runClientOk(
    cosign3,
    [
      'attest-blob', '--signing-config', stack.signingConfig, '--trusted-root', stack.trustedRoot, '--identity-token', tokenFile(dir, token),
      '--predicate', predicate, '--type', 'slsaprovenance', '--bundle', keylessAttestation, '--yes', artifact,
    ],
    { env },
  );
  checkV2Entry(t, keylessAttestation);
  const r = await runClientOk(
    cosign3,
    [
      'verify-blob-attestation', '--bundle', keylessAttestation, '--trusted-root', stack.trustedRoot, '--certificate-identity', 'v2@example.com',
      '--certificate-oidc-issuer', idp.url, '--type', 'slsaprovenance', artifact,
    ],
    { env },
  );
  t.match(r.stderr, /Verified OK/);
});

t.test('sigstore-go-signing (message and in-toto) with the signing config; sigstore-go-verification', async (t) => {
  const signer = peer('sigstore-go-signing');
  const verifier = peer('sigstore-go-verification');
  for (const [name, input, extra] of [
    ['message', artifact, []],
    ['in-toto', statement, ['-in-toto']],
  ] as const) {
    const token = await idp.emailToken('gov2@example.com');
    const r = await runClientOk(signer, [...extra, '-id-token', token, '-signing-config', stack.signingConfig, '-trusted-root', stack.trustedRoot, '-rekor', '-tsa', input], { env });
    const out = join(dir, `go-${name}.sigstore.json`);
    writeFileSync(out, r.stdout.split('\n').find((l) => l.startsWith('{'))!);
    checkV2Entry(t, out);
    const v = await runClientOk(verifier, ['-trustedrootJSONpath', stack.trustedRoot, '-expectedSAN', 'gov2@example.com', '-expectedIssuer', idp.url, '-artifact', artifact, out], { env });
    t.match(v.stdout + v.stderr, /Verification successful!/, name);
  }
});

t.test('sigstore-js signs to Rekor v2 (RekorWitness majorApiVersion 2) and verifies; cosign 3.1 verifies the message signature', async (t) => {
  const sign = await import('@sigstore/sign');
  const token = await idp.emailToken('js@example.com');
  const signer = new sign.FulcioSigner({ fulcioBaseURL: stack.url, identityProvider: { getToken: async () => token } });
  const witnesses = [new sign.RekorWitness({ rekorBaseURL: stack.url, majorApiVersion: 2 }), new sign.TSAWitness({ tsaBaseURL: stack.url })];
  const msg = join(dir, 'js-message.sigstore.json');
  writeFileSync(msg, JSON.stringify(bundleToJSON(await new sign.MessageSignatureBundleBuilder({ signer, witnesses }).create({ data: readFileSync(artifact) }))));
  checkV2Entry(t, msg);
  const dsse = join(dir, 'js-dsse.sigstore.json');
  writeFileSync(
    dsse,
    JSON.stringify(bundleToJSON(await new sign.DSSEBundleBuilder({ signer, witnesses }).create({ data: readFileSync(statement), type: 'application/vnd.in-toto+json' }))),
  );
  checkV2Entry(t, dsse, 'dsse');
  const policy = { certificateIssuer: idp.url, certificateIdentityEmail: 'js@example.com' };
  t.same(await sigstoreJsVerify(msg, readFileSync(artifact), stack.trustedRoot, policy), { ok: true });
  t.same(await sigstoreJsVerify(dsse, undefined as unknown as Buffer, stack.trustedRoot, policy), { ok: true });
  t.match((await blob3.verify(msg, 'js@example.com', idp.url, artifact)).stderr, /Verified OK/);
});

t.test('sigstore-js verifies the cosign 3.1 bundles (message and attestation) from Rekor v2', async (t) => {
  const policy = { certificateIssuer: idp.url, certificateIdentityEmail: 'v2@example.com' };
  t.same(await sigstoreJsVerify(keylessBundle, readFileSync(artifact), stack.trustedRoot, policy), { ok: true });
  t.same(await sigstoreJsVerify(keylessAttestation, undefined as unknown as Buffer, stack.trustedRoot, policy), { ok: true });
});

t.test('cosign 2.5 and rekor-cli keep using Rekor v1 on the same stack', async (t) => {
  const env2 = clientEnv(join(dir, 'v1'), { SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub });
  const keys = await generateCosignKeyPair(cosign2, dir, env2, 'v1key');
  const b = join(dir, 'v1.bundle');
  const s = await runClientOk(cosign2, ['sign-blob', '--key', keys.key, '--rekor-url', stack.url, '--bundle', b, '--yes', artifact], { env: env2 });
  const index = /tlog entry created with index: (\d+)/.exec(s.stderr)?.[1];
  t.ok(index, 'a Rekor v1 index');
  t.match((await runClientOk(cosign2, ['verify-blob', '--key', keys.pub, '--bundle', b, '--rekor-url', stack.url, artifact], { env: env2 })).stderr, /Verified OK/);
  const rekorCli = peer('rekor-cli');
  const cliEnv = clientEnv(join(dir, 'rekor-cli'));
  const info = await runClientOk(rekorCli, ['--rekor_server', stack.url, 'loginfo'], { env: cliEnv });
  t.match(info.stdout, /^Verification Successful!$/m, 'rekor-cli verifies the v1 checkpoint');
  t.equal(Number(/^Active Tree Size:\s+(\d+)$/m.exec(info.stdout)?.[1]), Number(index) + 1, 'the v1 log holds only v1 entries');
  const got = await runClientOk(rekorCli, ['--rekor_server', stack.url, 'get', '--log-index', index!, '--format', 'json'], { env: cliEnv });
  t.equal(JSON.parse(got.stdout).LogIndex, Number(index), 'rekor-cli gets (and verifies) the cosign 2.5 entry');
});
