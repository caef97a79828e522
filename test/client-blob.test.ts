// The sigstack client (sign-blob, verify-blob, attest-blob, verify-blob-attestation)
// against a live stack, both ways with the real clients: cosign 3.1 and cosign 2.5
// verify what sigstack signed, sigstack verifies what they signed; with a key and
// keyless; sigstore-go's verifier accepts our bundles. No insecure flag anywhere.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClient, runClientFails, runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { sigstack } from './lib/sigstack-cli.js';

t.setTimeout(400_000);

const dir = tempDir(t);
const { stack, idp, env3: env, env2 } = await startKeylessStack(t, dir);
const cosign3 = peer('cosign3');
const cosign2 = peer('cosign2');
const sg = (args: string[], opts = { env }) => runClientOk(...sigstack(args), opts);
const sgFails = (args: string[], opts = { env }) => runClientFails(...sigstack(args), opts);

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `an artifact signed at ${new Date().toISOString()}\n`);
const other = join(dir, 'other.txt');
writeFileSync(other, 'another artifact\n');
const digestOf = (p: string) => 'sha256:' + createHash('sha256').update(readFileSync(p)).digest('hex');
const trust = ['--trusted-root', stack.trustedRoot];

// cosign 2.5 cannot verify a new-format bundle whose entry has log index 0 (test/README.md):
// the first entry of this fresh log goes to a throwaway signature.
await sg(['generate-key-pair', '--output-key-prefix', join(dir, 'warmup')], { env: { ...env, COSIGN_PASSWORD: 'x' } });
await sg(['sign-blob', '--key', join(dir, 'warmup.key'), '--rekor-url', stack.url, '--bundle', join(dir, 'warmup.json'), other], { env: { ...env, COSIGN_PASSWORD: 'x' } });

t.test('with a key', async (t) => {
  const kenv = { ...env, COSIGN_PASSWORD: 'correct horse' };
  const prefix = join(dir, 'ours');
  await sg(['generate-key-pair', '--output-key-prefix', prefix], { env: kenv });
  const bundle = join(dir, 'key.sigstore.json');
  await sg(['sign-blob', '--key', `${prefix}.key`, '--rekor-url', stack.url, '--bundle', bundle, '--yes', artifact], { env: kenv });
  const b = JSON.parse(readFileSync(bundle, 'utf8'));
  t.equal(b.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  t.ok(b.verificationMaterial.publicKey, 'a key hint, no certificate');
  t.equal(b.verificationMaterial.tlogEntries[0].kindVersion.kind, 'hashedrekord');

  await t.test('cosign 3.1 and 2.5 verify it', async (t) => {
    const r3 = await runClientOk(cosign3, ['verify-blob', '--key', `${prefix}.pub`, '--bundle', bundle, ...trust, artifact], { env });
    t.match(r3.stderr, /Verified OK/);
    const r2 = await runClientOk(cosign2, ['verify-blob', '--key', `${prefix}.pub`, '--bundle', bundle, '--new-bundle-format', ...trust, artifact], { env });
    t.match(r2.stderr, /Verified OK/);
  });
  await t.test('sigstack verifies it, by file and by digest, and refuses a tampered artifact and another key', async (t) => {
    t.match((await sg(['verify-blob', '--key', `${prefix}.pub`, '--bundle', bundle, ...trust, artifact])).stderr, /Verified OK/);
    t.match((await sg(['verify-blob', '--key', `${prefix}.pub`, '--bundle', bundle, ...trust, digestOf(artifact)])).stderr, /Verified OK/);
    const tampered = await sgFails(['verify-blob', '--key', `${prefix}.pub`, '--bundle', bundle, ...trust, other]);
    t.match(tampered.stderr, /Error: .*(digest|not the one signed)/);
    t.notMatch(tampered.stderr, /at .*\.js:\d+/, 'no stack trace');
    const wrongKey = await sgFails(['verify-blob', '--key', join(dir, 'warmup.pub'), '--bundle', bundle, ...trust, artifact]);
    t.match(wrongKey.stderr, /Error: .*(signature|not signed by that key)/);
  });
  await t.test('sigstack verifies what cosign 3.1 and cosign 2.5 signed with their own keys', async (t) => {
    const cenv = { ...env, COSIGN_PASSWORD: 'theirs' };
    await runClientOk(cosign3, ['generate-key-pair', '--output-key-prefix', join(dir, 'c3')], { env: cenv });
    const b3 = join(dir, 'c3.sigstore.json');
    await runClientOk(cosign3, ['sign-blob', '--use-signing-config=false', '--rekor-url', stack.url, '--key', join(dir, 'c3.key'), '--bundle', b3, '--yes', artifact], { env: cenv });
    t.match((await sg(['verify-blob', '--key', join(dir, 'c3.pub'), '--bundle', b3, ...trust, artifact])).stderr, /Verified OK/);
    const b2 = join(dir, 'c2.sigstore.json');
    await runClientOk(cosign2, ['sign-blob', '--new-bundle-format', '--rekor-url', stack.url, '--key', join(dir, 'c3.key'), '--bundle', b2, '--yes', artifact], { env: cenv });
    t.match((await sg(['verify-blob', '--key', join(dir, 'c3.pub'), '--bundle', b2, ...trust, artifact])).stderr, /Verified OK/);
    // cosign 2's own --bundle format (its default): sign-blob and attest-blob
    const legacy = join(dir, 'c2.legacy.bundle');
    await runClientOk(cosign2, ['sign-blob', '--rekor-url', stack.url, '--key', join(dir, 'c3.key'), '--bundle', legacy, '--yes', artifact], { env: cenv });
    t.match((await sg(['verify-blob', '--key', join(dir, 'c3.pub'), '--bundle', legacy, ...trust, artifact])).stderr, /Verified OK/);
    t.match((await sgFails(['verify-blob', '--key', join(dir, 'c3.pub'), '--bundle', legacy, ...trust, other])).stderr, /not the one signed/);
    const legacyAtt = join(dir, 'c2.legacy-att.bundle');
    writeFileSync(join(dir, 'pred.json'), '{"scan":"clean"}');
    await runClientOk(cosign2, ['attest-blob', '--rekor-url', stack.url, '--key', join(dir, 'c3.key'), '--predicate', join(dir, 'pred.json'), '--type', 'vuln', '--bundle', legacyAtt, '--yes', artifact], { env: cenv });
    t.match((await sg(['verify-blob-attestation', '--key', join(dir, 'c3.pub'), '--bundle', legacyAtt, '--type', 'vuln', ...trust, artifact])).stderr, /Verified OK/);
    // and our client signs with cosign's key file
    const b4 = join(dir, 'ours-with-their-key.json');
    await sg(['sign-blob', '--key', join(dir, 'c3.key'), '--rekor-url', stack.url, '--bundle', b4, artifact], { env: cenv });
    await runClientOk(cosign3, ['verify-blob', '--key', join(dir, 'c3.pub'), '--bundle', b4, ...trust, artifact], { env });
  });
});

t.test('keyless', async (t) => {
  const token = tokenFile(dir, await idp.emailToken('alice@example.com'));
  const who = ['--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url];
  const legacyFlags = join(dir, 'keyless-flags.json');
  const fromConfig = join(dir, 'keyless-config.json');

  await t.test('signs with cosign 2 flags and with cosign 3 signing config', async (t) => {
    await sg(['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', token, '--bundle', legacyFlags, '--yes', artifact]);
    await sg(['sign-blob', '--signing-config', stack.signingConfig, '--identity-token', token, '--bundle', fromConfig, '--yes', artifact]);
    const b = JSON.parse(readFileSync(fromConfig, 'utf8'));
    t.ok(b.verificationMaterial.certificate, 'a certificate (v0.3)');
    t.ok(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 'an RFC 3161 timestamp from the signing config TSA');
  });
  await t.test('cosign 3.1, cosign 2.5 and sigstore-go verify them', async (t) => {
    for (const b of [legacyFlags, fromConfig]) {
      await runClientOk(cosign3, ['verify-blob', '--bundle', b, ...trust, ...who, artifact], { env });
      await runClientOk(cosign2, ['verify-blob', '--bundle', b, '--new-bundle-format', ...trust, ...who, artifact], { env });
      const r = await runClient(peer('sigstore-go-verification'), ['-trustedrootJSONpath', stack.trustedRoot, '-expectedSAN', 'alice@example.com', '-expectedIssuer', idp.url, '-artifact', artifact, b], { env });
      t.match(r.stdout + r.stderr, /Verification successful!/);
    }
  });
  await t.test('sigstack verifies them and refuses a wrong identity, a wrong issuer, a tampered artifact', async (t) => {
    t.match((await sg(['verify-blob', '--bundle', fromConfig, ...trust, ...who, artifact])).stderr, /Verified OK/);
    await sg(['verify-blob', '--bundle', fromConfig, ...trust, '--certificate-identity-regexp', '^alice@', '--certificate-oidc-issuer-regexp', '^http://127\\.0\\.0\\.1', artifact]);
    t.match((await sgFails(['verify-blob', '--bundle', fromConfig, ...trust, '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, artifact])).stderr, /Error: identity/);
    t.match((await sgFails(['verify-blob', '--bundle', fromConfig, ...trust, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', 'https://elsewhere', artifact])).stderr, /Error: identity/);
    t.match((await sgFails(['verify-blob', '--bundle', fromConfig, ...trust, ...who, other])).stderr, /Error: .*digest/);
    t.match((await sgFails(['verify-blob', '--bundle', fromConfig, ...trust, artifact])).stderr, /--certificate-identity/);
  });
  await t.test('sigstack verifies what cosign 3.1 signed keyless', async (t) => {
    const b = join(dir, 'cosign3-keyless.json');
    await runClientOk(cosign3, ['sign-blob', '--signing-config', stack.signingConfig, ...trust, '--identity-token', token, '--bundle', b, '--yes', artifact], { env });
    t.match((await sg(['verify-blob', '--bundle', b, ...trust, ...who, artifact])).stderr, /Verified OK/);
  });
  await t.test('sigstack verifies what cosign 2.5 signed keyless (its own bundle format, trust from SIGSTORE_* as cosign 2 takes it)', async (t) => {
    const b = join(dir, 'cosign2-keyless.bundle');
    await runClientOk(cosign2, ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', token, '--bundle', b, '--yes', artifact], { env: env2 });
    t.match((await sg(['verify-blob', '--bundle', b, ...who, artifact], { env: env2 })).stderr, /Verified OK/);
    t.match((await sgFails(['verify-blob', '--bundle', b, '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, artifact], { env: env2 })).stderr, /identity/);
  });
  await t.test('--offline on a machine with no route out (a network namespace with no interface up)', async (t) => {
    const b = join(dir, 'cosign3-keyless.json');
    const r = await runClient('unshare', ['--net', ...sigstack(['verify-blob', '--offline', '--bundle', b, ...trust, ...who, artifact]).flat()], { env });
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /Verified OK/);
  });
});

t.test('every refusal names what failed, never a stack trace', async (t) => {
  const token = tokenFile(dir, await idp.emailToken('alice@example.com'));
  const who = ['--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url];
  const good = join(dir, 'refusals.sigstore.json');
  await sg(['sign-blob', '--signing-config', stack.signingConfig, '--identity-token', token, '--bundle', good, '--yes', artifact]);
  const b = JSON.parse(readFileSync(good, 'utf8'));
  const variant = (name: string, edit: (x: any) => void) => {
    const copy = JSON.parse(JSON.stringify(b));
    edit(copy);
    const p = join(dir, `refusal-${name}.json`);
    writeFileSync(p, JSON.stringify(copy));
    return p;
  };
  const flip = (b64: string) => {
    const buf = Buffer.from(b64, 'base64');
    buf.writeUInt8(buf.readUInt8(buf.length - 1) ^ 1, buf.length - 1);
    return buf.toString('base64');
  };
  const cases: [string, string, RegExp, string[]?][] = [
    ['inclusion proof', variant('proof', (x) => (x.verificationMaterial.tlogEntries[0].inclusionProof.hashes = [flip(x.verificationMaterial.tlogEntries[0].inclusionProof.hashes[0] ?? Buffer.alloc(32).toString('base64'))])), /transparency log/],
    ['checkpoint', variant('checkpoint', (x) => (x.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope = x.verificationMaterial.tlogEntries[0].inclusionProof.checkpoint.envelope.replace(/\n(\d+)\n/, (_m: string, n: string) => `\n${Number(n) + 1}\n`))), /transparency log/],
    ['no log entry', variant('no-entry', (x) => (x.verificationMaterial.tlogEntries = [])), /transparency log/],
    ['signature', variant('signature', (x) => (x.messageSignature.signature = flip(x.messageSignature.signature))), /signature|transparency log|timestamp/],
    ['certificate', variant('certificate', (x) => (x.verificationMaterial.certificate.rawBytes = flip(x.verificationMaterial.certificate.rawBytes))), /certificate|bundle/],
    ['timestamp', variant('timestamp', (x) => (x.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp = flip(x.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp))), /timestamp|bundle/],
  ];
  for (const [name, path, message] of cases) {
    const r = await sgFails(['verify-blob', '--bundle', path, ...trust, ...who, artifact]);
    t.match(r.stderr, /^Error: /m, name);
    t.match(r.stderr, message, name);
    t.notMatch(r.stderr, /internal error|\n\s+at /, `${name}: no stack trace`);
  }
  // no CT log in the trust root: the SCT cannot be checked
  const noCt = join(dir, 'no-ct.json');
  const root = JSON.parse(readFileSync(stack.trustedRoot, 'utf8'));
  root.ctlogs = [];
  writeFileSync(noCt, JSON.stringify(root));
  t.match((await sgFails(['verify-blob', '--bundle', good, '--trusted-root', noCt, ...who, artifact])).stderr, /SCT/);
  // truncated and oversized bundles
  const truncated = join(dir, 'truncated.json');
  writeFileSync(truncated, readFileSync(good, 'utf8').slice(0, 200));
  t.match((await sgFails(['verify-blob', '--bundle', truncated, ...trust, ...who, artifact])).stderr, /not JSON \(truncated\?\)/);
  // a failed signing writes nothing
  const none = join(dir, 'never-written.json');
  const bad = tokenFile(dir, 'not-a-token');
  await sgFails(['sign-blob', '--signing-config', stack.signingConfig, '--identity-token', bad, '--bundle', none, '--yes', artifact]);
  t.notOk(existsSync(none), 'no bundle written on failure');
});

t.test('attestations', async (t) => {
  const token = tokenFile(dir, await idp.emailToken('alice@example.com'));
  const who = ['--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url];
  const predicate = join(dir, 'provenance.json');
  writeFileSync(predicate, JSON.stringify({ buildDefinition: { buildType: 'https://example.com/build/v1', externalParameters: {} }, runDetails: { builder: { id: 'https://example.com/builder' } } }));
  const ours = join(dir, 'attestation.sigstore.json');

  await t.test('sigstack attest-blob; cosign 3.1 and 2.5 verify the attestation', async (t) => {
    await sg(['attest-blob', '--signing-config', stack.signingConfig, '--identity-token', token, '--predicate', predicate, '--type', 'slsaprovenance1', '--bundle', ours, '--yes', artifact]);
    const b = JSON.parse(readFileSync(ours, 'utf8'));
    t.equal(b.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
    t.equal(b.verificationMaterial.tlogEntries[0].kindVersion.kind, 'dsse');
    await runClientOk(cosign3, ['verify-blob-attestation', '--bundle', ours, '--type', 'slsaprovenance1', ...trust, ...who, artifact], { env });
    await runClientOk(cosign2, ['verify-blob-attestation', '--bundle', ours, '--new-bundle-format', '--type', 'slsaprovenance1', ...trust, ...who, artifact], { env });
  });
  await t.test('sigstack verify-blob-attestation: right type and artifact pass; another type or artifact is refused', async (t) => {
    t.match((await sg(['verify-blob-attestation', '--bundle', ours, '--type', 'slsaprovenance1', ...trust, ...who, artifact])).stderr, /Verified OK/);
    t.match((await sg(['verify-blob-attestation', '--bundle', ours, '--type', 'https://slsa.dev/provenance/v1', ...trust, ...who, digestOf(artifact)])).stderr, /Verified OK/);
    t.match((await sgFails(['verify-blob-attestation', '--bundle', ours, '--type', 'cyclonedx', ...trust, ...who, artifact])).stderr, /predicate type/);
    t.match((await sgFails(['verify-blob-attestation', '--bundle', ours, '--type', 'slsaprovenance1', ...trust, ...who, other])).stderr, /subject/);
  });
  await t.test('sigstack verifies what cosign 3.1 attested (SBOM, key)', async (t) => {
    const cenv = { ...env, COSIGN_PASSWORD: 'theirs' };
    const sbom = join(dir, 'sbom.cdx.json');
    writeFileSync(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [] }));
    const b = join(dir, 'cosign3-attestation.json');
    await runClientOk(cosign3, ['attest-blob', '--use-signing-config=false', '--rekor-url', stack.url, '--key', join(dir, 'c3.key'), '--predicate', sbom, '--type', 'cyclonedx', '--bundle', b, '--yes', artifact], { env: cenv });
    t.match((await sg(['verify-blob-attestation', '--key', join(dir, 'c3.pub'), '--bundle', b, '--type', 'cyclonedx', ...trust, artifact])).stderr, /Verified OK/);
  });
});

t.test('trust from TUF: initialize, then no service or trust flag', async (t) => {
  const tenv = { ...env, TUF_ROOT: join(dir, 'tuf-sigstack') };
  await sg(['initialize', '--mirror', `${stack.url}/tuf`, '--root', stack.tufRoot], { env: tenv });
  const token = tokenFile(dir, await idp.emailToken('alice@example.com'));
  const b = join(dir, 'tuf.sigstore.json');
  await sg(['sign-blob', '--identity-token', token, '--bundle', b, '--yes', artifact], { env: tenv });
  t.match((await sg(['verify-blob', '--bundle', b, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url, artifact], { env: tenv })).stderr, /Verified OK/);
  t.match((await sg(['verify-blob', '--offline', '--bundle', b, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url, artifact], { env: tenv })).stderr, /Verified OK/);
  const none = await sgFails(['verify-blob', '--bundle', b, '--certificate-identity', 'alice@example.com', '--certificate-oidc-issuer', idp.url, artifact], { env: { ...env, TUF_ROOT: join(dir, 'never-initialised') } });
  t.match(none.stderr, /no trusted root/);
});
