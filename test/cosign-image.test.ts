// Container images in a real local registry (Docker distribution on 127.0.0.1), signed
// and attested with a key through the transparency log, by cosign 2.5 (signature in the
// `.sig` tag, SET in the dev.sigstore.cosign/bundle annotation) and cosign 3.1 (Sigstore
// bundle attached as an OCI referrer, through the referrers tag fallback of a registry
// without the referrers API). Note: cosign 3.1 signs an image as a DSSE envelope (an
// in-toto statement), so even plain `cosign sign` submits a dsse 0.0.1 entry, not a
// hashedrekord; cosign 2.5 `sign` submits hashedrekord. go-containerregistry speaks plain HTTP to 127.0.0.1 on its
// own, so no --allow-insecure-registry is needed. protocols.md §6.9, §11.2, §12.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { generateCosignKeyPair } from './lib/cosign-keys.js';
import { runClientFails, runClientOk } from './lib/client-run.js';
import { startRegistry } from './lib/registry.js';
import { pushTestImage } from './lib/oci-image.js';
import { getEntry } from './lib/rekor-api.js';
import { leafHash } from './lib/merkle.js';
import { logIdOf } from './lib/bundles.js';

t.setTimeout(280_000);

const dir = tempDir(t);
const [stack, registry] = await Promise.all([startTestStack(t), startRegistry(t, join(dir, 'registry'))]);
const cosign2 = peer('cosign2');
const cosign3 = peer('cosign3');
const env2 = clientEnv(dir, { SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub });
const env3 = clientEnv(dir);
const keys = await generateCosignKeyPair(cosign2, dir, env2);
const otherKeys = await generateCosignKeyPair(cosign2, dir, env2, 'other');
const logID = logIdOf(stack.rekorPub);

const predicate = join(dir, 'predicate.json');
writeFileSync(predicate, JSON.stringify({ scanner: 'sigstack interop test', result: 'clean', at: new Date().toISOString() }));

const [image2, image3, unsigned] = await Promise.all([
  pushTestImage(registry.host, 'test/app', 'cosign2', dir, env2),
  pushTestImage(registry.host, 'test/app', 'cosign3', dir, env2),
  pushTestImage(registry.host, 'test/app', 'unsigned', dir, env2),
]);

/** The layers of cosign 2's `sha256-<digest>.<suffix>` artifact for an image. */
async function cosignLayers(image: string, suffix: 'sig' | 'att'): Promise<{ annotations?: Record<string, string> }[]> {
  const [repo, digest] = image.split('@');
  const tag = `${repo}:${digest!.replace(':', '-')}.${suffix}`;
  const m = await runClientOk(peer('crane'), ['manifest', tag], { env: env2 });
  return JSON.parse(m.stdout).layers ?? [];
}

/** The JSON lines cosign verify / verify-attestation print on stdout. */
function jsonLines(stdout: string): any[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{') || l.trim().startsWith('['))
    .flatMap((l) => {
      const v = JSON.parse(l);
      return Array.isArray(v) ? v : [v];
    });
}

t.test('cosign 2.5 sign --key --rekor-url, verify --key with SIGSTORE_REKOR_PUBLIC_KEY', async (t) => {
  const s = await runClientOk(cosign2, ['sign', '--key', keys.key, '--rekor-url', stack.url, '--yes', image2], { env: env2 });
  t.match(s.stderr, /tlog entry created with index: \d+/);

  const v = await runClientOk(cosign2, ['verify', '--key', keys.pub, '--rekor-url', stack.url, image2], { env: env2 });
  t.match(v.stderr, /Existence of the claims in the transparency log was verified offline/);
  t.match(v.stderr, /The signatures were verified against the specified public key/);
  const [sig] = jsonLines(v.stdout);
  t.equal(sig?.critical?.image?.['docker-manifest-digest'], image2.split('@')[1], 'the signed payload names the image digest');
  const bundle = sig?.optional?.Bundle;
  t.ok(bundle, 'the verified signature carries the Rekor bundle');
  if (bundle) {
    t.equal(bundle.Payload.logID, logID);
    const body = Buffer.from(bundle.Payload.body, 'base64');
    t.equal(JSON.parse(body.toString()).kind, 'hashedrekord');
    const [id] = await getEntry(stack.url, leafHash(body).toString('hex'));
    t.equal(id.slice(16), leafHash(body).toString('hex'), 'the entry is in the log');
  }
});

t.test('cosign 2.5 verify refuses an unsigned image and the wrong key', async (t) => {
  await runClientFails(cosign2, ['verify', '--key', keys.pub, '--rekor-url', stack.url, unsigned], { env: env2 });
  await runClientFails(cosign2, ['verify', '--key', otherKeys.pub, '--rekor-url', stack.url, image2], { env: env2 });
  t.pass('both refused');
});

for (const entryType of ['dsse', 'intoto'] as const) {
  t.test(`cosign 2.5 attest --rekor-entry-type ${entryType}, verify-attestation`, async (t) => {
    const type = entryType === 'dsse' ? 'custom' : 'https://sigstack.dev/test/intoto-entry';
    await runClientOk(cosign2, ['attest', '--key', keys.key, '--rekor-url', stack.url, '--rekor-entry-type', entryType, '--predicate', predicate, '--type', type, '--yes', image2], { env: env2 });
    const v = await runClientOk(cosign2, ['verify-attestation', '--key', keys.pub, '--rekor-url', stack.url, '--type', type, image2], { env: env2 });
    t.match(v.stderr, /Existence of the claims in the transparency log was verified offline/);
    const atts = jsonLines(v.stdout);
    t.ok(atts.length >= 1, 'cosign prints the verified attestation');
    const kinds = new Set<string>();
    for (const att of atts) {
      const statement = JSON.parse(Buffer.from(att.payload, 'base64').toString());
      if (statement.predicateType === (type === 'custom' ? 'https://cosign.sigstore.dev/attestation/v1' : type)) {
        t.equal(statement.subject?.[0]?.digest?.sha256, image2.split('@sha256:')[1], 'the statement names the image');
      }
    }
    // The attestation's own Rekor entry, from the bundle annotation of the .att layers.
    for (const layer of await cosignLayers(image2, 'att')) {
      const b = JSON.parse(layer.annotations?.['dev.sigstore.cosign/bundle'] ?? 'null');
      if (!b) continue;
      t.equal(b.Payload.logID, logID);
      const body = Buffer.from(b.Payload.body, 'base64');
      kinds.add(JSON.parse(body.toString()).kind);
      await getEntry(stack.url, leafHash(body).toString('hex'));
    }
    t.ok(kinds.has(entryType), `an attestation layer records a ${entryType} entry (kinds: ${[...kinds].join(', ')})`);
  });
}

t.test('cosign 3.1 sign --key (bundle as OCI referrer), verify --key --trusted-root', async (t) => {
  await runClientOk(cosign3, ['sign', '--use-signing-config=false', '--rekor-url', stack.url, '--key', keys.key, '--yes', image3], { env: env3 });
  const tags = (await runClientOk(peer('crane'), ['ls', image3.split('@')[0]!], { env: env3 })).stdout.split('\n');
  const fallback = image3.split('@')[1]!.replace(':', '-');
  t.ok(tags.includes(fallback), `the bundle is attached through the referrers tag ${fallback}`, { tags });
  const v = await runClientOk(cosign3, ['verify', '--key', keys.pub, '--trusted-root', stack.trustedRoot, image3], { env: env3 });
  t.match(v.stderr, /Existence of the claims in the transparency log was verified offline/);
  t.match(v.stderr, /The signatures were verified against the specified public key/);
  await runClientFails(cosign3, ['verify', '--key', keys.pub, '--trusted-root', stack.trustedRoot, unsigned], { env: env3 });
  await runClientFails(cosign3, ['verify', '--key', otherKeys.pub, '--trusted-root', stack.trustedRoot, image3], { env: env3 });
});

t.test('cosign 3.1 attest --key, verify-attestation --trusted-root', async (t) => {
  await runClientOk(cosign3, ['attest', '--use-signing-config=false', '--rekor-url', stack.url, '--key', keys.key, '--predicate', predicate, '--type', 'custom', '--yes', image3], { env: env3 });
  const v = await runClientOk(cosign3, ['verify-attestation', '--key', keys.pub, '--trusted-root', stack.trustedRoot, '--type', 'custom', image3], { env: env3 });
  t.match(v.stderr, /Existence of the claims in the transparency log was verified offline/);
  t.match(v.stderr, /The signatures were verified against the specified public key/);
});
