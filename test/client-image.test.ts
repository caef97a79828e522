// The sigstack client's image verbs (sign, verify, attest, verify-attestation, --policy)
// in a real local registry against a live stack, both ways with the real clients: cosign
// 3.1 reads what sigstack stores as OCI referrers (new bundle format), cosign 2.5 reads
// what it stores under sha256-<digest>.sig/.att (--new-bundle-format=false), and sigstack
// reads what each of them stores. With a key and keyless; SBOM and provenance attestations.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { startRegistry } from './lib/registry.js';
import { pushTestImage } from './lib/oci-image.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { sigstack } from './lib/sigstack-cli.js';

t.setTimeout(500_000);

const dir = tempDir(t);
const [{ stack, idp, env2, env3 }, registry] = await Promise.all([startKeylessStack(t, dir), startRegistry(t, join(dir, 'registry'))]);
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const kenv3 = { ...env3, COSIGN_PASSWORD: 'pw' };
const kenv2 = { ...env2, COSIGN_PASSWORD: 'pw' };
const sg = (args: string[], env = env3) => runClientOk(...sigstack(args), { env });
const sgFails = (args: string[], env = env3) => runClientFails(...sigstack(args), { env });
const trust = ['--trusted-root', stack.trustedRoot];
const who = ['--certificate-identity', 'dora@example.com', '--certificate-oidc-issuer', idp.url];
const token = async () => tokenFile(dir, await idp.emailToken('dora@example.com'));

const images: Record<string, string> = {};
for (const name of ['key3', 'key2', 'keyless3', 'keyless2', 'theirs3', 'theirs2', 'gate'])
  images[name] = await pushTestImage(registry.host, 'test/client', name, dir, env3, `image ${name}\n`);

await sg(['generate-key-pair', '--output-key-prefix', join(dir, 'ours')], kenv3);
await runClientOk(cosign3, ['generate-key-pair', '--output-key-prefix', join(dir, 'theirs')], { env: kenv3 });
const sbom = join(dir, 'sbom.cdx.json');
writeFileSync(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [{ type: 'library', name: 'left-pad', version: '1.3.0' }] }));
const provenance = join(dir, 'provenance.json');
writeFileSync(provenance, JSON.stringify({ buildDefinition: { buildType: 'https://example.com/build/v1', externalParameters: {} }, runDetails: { builder: { id: 'https://ci.example.com/builder' } } }));

t.test('with a key: sigstack signs and attests, cosign 3.1 and 2.5 verify', async (t) => {
  const key = ['--key', join(dir, 'ours.key')];
  await sg(['sign', ...key, '--rekor-url', stack.url, '--yes', images.key3!], kenv3);
  await sg(['attest', ...key, '--rekor-url', stack.url, '--predicate', sbom, '--type', 'cyclonedx', '--yes', images.key3!], kenv3);
  t.match((await runClientOk(cosign3, ['verify', '--key', join(dir, 'ours.pub'), ...trust, images.key3!], { env: env3 })).stderr, /verified against the specified public key/);
  await runClientOk(cosign3, ['verify-attestation', '--key', join(dir, 'ours.pub'), ...trust, '--type', 'cyclonedx', images.key3!], { env: env3 });

  await sg(['sign', ...key, '--rekor-url', stack.url, '--new-bundle-format=false', '--yes', images.key2!], kenv2);
  await sg(['attest', ...key, '--rekor-url', stack.url, '--new-bundle-format=false', '--predicate', provenance, '--type', 'slsaprovenance1', '--yes', images.key2!], kenv2);
  await runClientOk(cosign2, ['verify', '--key', join(dir, 'ours.pub'), '--rekor-url', stack.url, images.key2!], { env: env2 });
  await runClientOk(cosign2, ['verify-attestation', '--key', join(dir, 'ours.pub'), '--rekor-url', stack.url, '--type', 'slsaprovenance1', images.key2!], { env: env2 });

  for (const img of [images.key3!, images.key2!]) {
    const v = await sg(['verify', '--key', join(dir, 'ours.pub'), ...trust, img]);
    t.ok(JSON.parse(v.stdout).length >= 1, 'verified signatures on stdout as JSON');
    await sgFails(['verify', '--key', join(dir, 'theirs.pub'), ...trust, img]);
  }
  await sg(['verify-attestation', '--key', join(dir, 'ours.pub'), ...trust, '--type', 'cyclonedx', images.key3!]);
  const wrongType = await sgFails(['verify-attestation', '--key', join(dir, 'ours.pub'), ...trust, '--type', 'spdxjson', images.key3!]);
  t.match(wrongType.stderr, /predicate type/);
});

t.test('keyless: sigstack signs and attests, cosign 3.1 and 2.5 verify', async (t) => {
  await sg(['sign', '--signing-config', stack.signingConfig, '--identity-token', await token(), '--yes', images.keyless3!]);
  await sg(['attest', '--signing-config', stack.signingConfig, '--identity-token', await token(), '--predicate', provenance, '--type', 'slsaprovenance1', '--yes', images.keyless3!]);
  await runClientOk(cosign3, ['verify', ...who, ...trust, images.keyless3!], { env: env3 });
  await runClientOk(cosign3, ['verify-attestation', ...who, ...trust, '--type', 'slsaprovenance1', images.keyless3!], { env: env3 });

  await sg(['sign', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--new-bundle-format=false', '--identity-token', await token(), '--yes', images.keyless2!], env2);
  await sg(['attest', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--new-bundle-format=false', '--identity-token', await token(), '--predicate', sbom, '--type', 'cyclonedx', '--yes', images.keyless2!], env2);
  await runClientOk(cosign2, ['verify', ...who, '--rekor-url', stack.url, images.keyless2!], { env: env2 });
  await runClientOk(cosign2, ['verify-attestation', ...who, '--rekor-url', stack.url, '--type', 'cyclonedx', images.keyless2!], { env: env2 });

  await sg(['verify', ...who, ...trust, images.keyless3!]);
  await sg(['verify', ...who, images.keyless2!], env2); // trust from cosign 2's SIGSTORE_* files
  await sg(['verify-attestation', ...who, ...trust, '--type', 'slsaprovenance1', images.keyless3!]);
  const wrong = await sgFails(['verify', '--certificate-identity', 'mallory@example.com', '--certificate-oidc-issuer', idp.url, ...trust, images.keyless3!]);
  t.match(wrong.stderr, /Error: .*identity/);
});

t.test('sigstack verifies what cosign 3.1 and 2.5 signed and attested', async (t) => {
  await runClientOk(cosign3, ['sign', '--signing-config', stack.signingConfig, ...trust, '--identity-token', await token(), '--yes', images.theirs3!], { env: env3 });
  await runClientOk(cosign3, ['attest', '--signing-config', stack.signingConfig, ...trust, '--identity-token', await token(), '--predicate', sbom, '--type', 'cyclonedx', '--yes', images.theirs3!], { env: env3 });
  await runClientOk(cosign3, ['sign', '--use-signing-config=false', '--rekor-url', stack.url, '--key', join(dir, 'theirs.key'), '--yes', images.theirs3!], { env: kenv3 });
  await sg(['verify', ...who, ...trust, images.theirs3!]);
  await sg(['verify', '--key', join(dir, 'theirs.pub'), ...trust, images.theirs3!]);
  await sg(['verify-attestation', ...who, ...trust, '--type', 'cyclonedx', images.theirs3!]);

  await runClientOk(cosign2, ['sign', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', await token(), '--yes', images.theirs2!], { env: env2 });
  await runClientOk(cosign2, ['attest', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', await token(), '--predicate', provenance, '--type', 'slsaprovenance1', '--yes', images.theirs2!], { env: env2 });
  await sg(['verify', ...who, ...trust, images.theirs2!]);
  await sg(['verify-attestation', ...who, ...trust, '--type', 'slsaprovenance1', images.theirs2!]);
  t.pass('all verified');
});

t.test('the deploy gate: --policy with a ClusterImagePolicy', async (t) => {
  await sg(['sign', '--signing-config', stack.signingConfig, '--identity-token', await token(), '--yes', images.gate!]);
  await sg(['attest', '--signing-config', stack.signingConfig, '--identity-token', await token(), '--predicate', provenance, '--type', 'slsaprovenance1', '--yes', images.gate!]);
  const policy = (name: string, subject: string, extra = '') => `apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: ${name}
spec:
  images:
  - glob: "${registry.host}/test/**"
  authorities:
  - name: release-ci
    keyless:
      identities:
      - issuer: ${idp.url}
        subject: ${subject}
${extra}`;
  const allow = join(dir, 'allow.yaml');
  writeFileSync(allow, policy('signed-by-dora', 'dora@example.com', `    attestations:\n    - name: provenance\n      predicateType: slsaprovenance1\n`));
  const admitted = await sg(['verify-attestation', '--policy', allow, ...trust, images.gate!]);
  t.match(admitted.stderr, /admitted by policy signed-by-dora/);
  const sig = join(dir, 'sig.yaml');
  writeFileSync(sig, policy('signed-by-dora', 'dora@example.com'));
  await sg(['verify', '--policy', sig, ...trust, images.gate!]);

  const deny = join(dir, 'deny.yaml');
  writeFileSync(deny, policy('signed-by-erin', 'erin@example.com'));
  const denied = await sgFails(['verify', '--policy', deny, ...trust, images.gate!]);
  t.match(denied.stderr, new RegExp(`image ${images.gate!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: policy signed-by-erin: authority release-ci`));
  const sbomRequired = join(dir, 'sbom.yaml');
  writeFileSync(sbomRequired, policy('needs-sbom', 'dora@example.com', `    attestations:\n    - name: sbom\n      predicateType: cyclonedx\n`));
  t.match((await sgFails(['verify-attestation', '--policy', sbomRequired, ...trust, images.gate!])).stderr, /sbom/);
  const other = join(dir, 'other.yaml');
  writeFileSync(other, policy('other-images', 'dora@example.com').replace('test/**', 'elsewhere/**'));
  t.match((await sgFails(['verify', '--policy', other, ...trust, images.gate!])).stderr, /no policy matches/);
});

t.test('--recursive signs an index and every manifest in it; cosign 3.1 verifies each', async (t) => {
  const [a, b] = [images.key3!, images.key2!];
  const indexTag = `${registry.host}/test/client:multi`;
  await runClientOk(peer('crane'), ['index', 'append', '-m', a, '-m', b, '-t', indexTag], { env: env3 });
  const digest = (await runClientOk(peer('crane'), ['digest', indexTag], { env: env3 })).stdout.trim();
  const index = `${registry.host}/test/client@${digest}`;
  const r = await sg(['sign', '--key', join(dir, 'theirs.key'), '--rekor-url', stack.url, '--recursive', '--yes', index], kenv3);
  t.equal((r.stderr.match(/Pushing signature/g) ?? []).length, 3, 'the index and its two manifests');
  for (const img of [index, a, b]) await runClientOk(cosign3, ['verify', '--key', join(dir, 'theirs.pub'), ...trust, img], { env: env3 });
});

t.test('signing by tag warns as cosign does; hostile input is a clear error', async (t) => {
  const tagged = images.key3!.replace(/@sha256:.*/, ':key3');
  const r = await sg(['sign', '--key', join(dir, 'ours.key'), '--rekor-url', stack.url, '--yes', tagged], kenv3);
  t.match(r.stderr, /tag/i);
  t.match((await sgFails(['verify', '--key', join(dir, 'ours.pub'), ...trust, 'not a reference!'])).stderr, /Error: /);
  t.match((await sgFails(['verify', '--key', join(dir, 'ours.pub'), ...trust, `${registry.host}/test/none@sha256:${'0'.repeat(64)}`])).stderr, /Error: /);
});
