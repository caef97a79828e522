// Cross-check with the real cosign (2.5 and 3.1) against a live stack and Docker's
// distribution registry: our reader finds and parses what cosign wrote (layers,
// annotations, Rekor bundles, payload digests; signatures checked with cosign.pub by the
// fake verifier), and what our writer stores has the same shape (media types,
// annotations, tags, referrers) as cosign's. No signing core is needed for either.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from '../../../../test/lib/peers.js';
import { startTestStack } from '../../../../test/lib/test-stack.js';
import { startRegistry } from '../../../../test/lib/registry.js';
import { tempDir } from '../../../../test/lib/temp-dir.js';
import { clientEnv } from '../../../../test/lib/client-env.js';
import { generateCosignKeyPair } from '../../../../test/lib/cosign-keys.js';
import { runClientOk } from '../../../../test/lib/client-run.js';
import { pushTestImage } from '../../../../test/lib/oci-image.js';
import { RegistryClient } from '../../src/oci/registry-client.js';
import { readCosign2Layers } from '../../src/oci/cosign2-layout.js';
import { signImage, attestImage } from '../../src/oci/image-signing.js';
import { verifyImage, verifyImageAttestations } from '../../src/oci/image-verification.js';
import { FakeSigner, FakeVerifier } from './fake-bundles.js';

t.setTimeout(240_000);
const dir = tempDir(t);
const [stack, registry] = await Promise.all([startTestStack(t), startRegistry(t, join(dir, 'registry'))]);
const env2 = clientEnv(dir, { SIGSTORE_REKOR_PUBLIC_KEY: stack.rekorPub });
const env3 = clientEnv(dir);
const keys = await generateCosignKeyPair(peer('cosign2'), dir, env2);
const cosignVerifier = new FakeVerifier(readFileSync(keys.pub, 'utf8'));
const predicate = join(dir, 'predicate.json');
writeFileSync(predicate, JSON.stringify({ scanner: 'sigstack', result: 'clean' }));
const [img2, img3, ours] = await Promise.all(['c2', 'c3', 'ours'].map((tag) => pushTestImage(registry.host, 'test/x', tag, dir, env2)));
const client = new RegistryClient({ credentials: () => undefined });
const repo = { registry: registry.host, repository: 'test/x' };
const digestOf = (ref: string) => ref.split('@')[1]!;

async function manifestJson(reference: string): Promise<Record<string, any>> {
  return JSON.parse(Buffer.from((await client.getManifest(repo, reference))!.bytes).toString());
}
function shape(m: Record<string, any>): unknown {
  return {
    keys: Object.keys(m),
    mediaType: m.mediaType,
    config: { mediaType: m.config.mediaType, artifactType: m.config.artifactType },
    layers: m.layers.map((l: any) => ({ keys: Object.keys(l), mediaType: l.mediaType, annotations: Object.keys(l.annotations ?? {}) })),
    annotations: Object.keys(m.annotations ?? {}),
    artifactType: m.artifactType,
    subjectKeys: m.subject && Object.keys(m.subject),
  };
}

await runClientOk(peer('cosign2'), ['sign', '--key', keys.key, '--rekor-url', stack.url, '-a', 'team=payments', '--yes', img2!], { env: env2 });
await runClientOk(peer('cosign2'), ['attest', '--key', keys.key, '--rekor-url', stack.url, '--predicate', predicate, '--type', 'https://example.com/scan/v1', '--yes', img2!], { env: env2 });
await runClientOk(peer('cosign3'), ['sign', '--use-signing-config=false', '--rekor-url', stack.url, '--key', keys.key, '-a', 'team=payments', '--yes', img3!], { env: env3 });
await runClientOk(peer('cosign3'), ['attest', '--use-signing-config=false', '--rekor-url', stack.url, '--key', keys.key, '--predicate', predicate, '--type', 'https://example.com/scan/v1', '--yes', img3!], { env: env3 });

t.test('our reader verifies what cosign 2.5 wrote (.sig and .att)', async (t) => {
  const v = await verifyImage(img2!, { verifier: cosignVerifier, registry: client });
  t.equal(v.verified.length, 1);
  t.equal(v.verified[0]?.simpleSigning?.critical.image['docker-manifest-digest'], digestOf(img2!));
  t.same(v.verified[0]?.simpleSigning?.optional, { team: 'payments' });
  const entry = v.verified[0]!.bundle.verificationMaterial.tlogEntries[0]!;
  t.same(entry.kindVersion, { kind: 'hashedrekord', version: '0.0.1' }, 'the Rekor bundle annotation became a tlog entry');
  t.equal(Buffer.from(entry.logId.keyId, 'base64').length, 32);
  const a = await verifyImageAttestations(img2!, { verifier: cosignVerifier, registry: client, predicateType: 'https://example.com/scan/v1' });
  t.equal(a.verified.length, 1);
  t.equal(a.verified[0]?.statement.subject[0]?.name, `${registry.host}/test/x`);
  t.equal(a.verified[0]?.bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, 'dsse');
  const [layer] = await readCosign2Layers(client, repo, digestOf(img2!), 'att');
  const body = JSON.parse(Buffer.from(a.verified[0]!.bundle.verificationMaterial.tlogEntries[0]!.canonicalizedBody, 'base64').toString());
  t.equal(`sha256:${body.spec.envelopeHash.value}`, layer?.descriptor.digest, "Rekor's envelopeHash is the .att layer's digest");
});

t.test('our reader verifies what cosign 3.1 wrote (bundle referrers through the tag fallback)', async (t) => {
  const { source } = await client.referrers(repo, digestOf(img3!));
  t.equal(source, 'tag', 'the distribution registry has no referrers API');
  const v = await verifyImage(img3!, { verifier: cosignVerifier, registry: client });
  t.equal(v.verified.length, 1);
  t.equal(v.verified[0]?.layout, 'cosign3');
  t.same(v.verified[0]?.statement?.subject[0]?.annotations, { team: 'payments' });
  const a = await verifyImageAttestations(img3!, { verifier: cosignVerifier, registry: client });
  t.same(a.verified.map((x) => x.predicateType), ['https://example.com/scan/v1']);
  await t.rejects(verifyImage(img3!, { verifier: new FakeVerifier(new FakeSigner().publicKey), registry: client }), { code: 'VERIFY_SIGNATURE' });
});

t.test('what we write has the shape cosign writes', async (t) => {
  const signer = new FakeSigner();
  await signImage(ours!, { signer, layout: 'both', annotations: { team: 'payments' }, registry: client });
  await attestImage(ours!, { signer, layout: 'both', predicateType: 'https://example.com/scan/v1', predicate: { scanner: 'sigstack' }, registry: client });
  const tagOf = (ref: string, suffix?: string) => digestOf(ref).replace(':', '-') + (suffix ?? '');
  // cosign 2: .sig and .att images.
  for (const suffix of ['.sig', '.att']) {
    const theirs = await manifestJson(tagOf(img2!, suffix));
    const mine = await manifestJson(tagOf(ours!, suffix));
    t.same(shape(mine), shape(theirs), `${suffix} manifest`);
    const cfgTheirs = JSON.parse(Buffer.from(await client.readBlob(repo, theirs.config.digest)).toString());
    const cfgMine = JSON.parse(Buffer.from(await client.readBlob(repo, mine.config.digest)).toString());
    t.same({ ...cfgMine, rootfs: { ...cfgMine.rootfs, diff_ids: [] } }, { ...cfgTheirs, rootfs: { ...cfgTheirs.rootfs, diff_ids: [] } }, `${suffix} config`);
  }
  const sigLayer = (await readCosign2Layers(client, repo, digestOf(ours!), 'sig'))[0]!;
  const theirPayload = JSON.parse(Buffer.from((await readCosign2Layers(client, repo, digestOf(img2!), 'sig'))[0]!.payload).toString());
  t.same(JSON.parse(Buffer.from(sigLayer.payload).toString()), { ...theirPayload, critical: { ...theirPayload.critical, image: { 'docker-manifest-digest': digestOf(ours!) } } }, 'the same simple-signing payload but for the digest');
  // cosign 3: referrers in the fallback tag index.
  const theirIndex = await manifestJson(tagOf(img3!));
  const myIndex = await manifestJson(tagOf(ours!));
  t.equal(myIndex.mediaType, theirIndex.mediaType);
  t.equal(myIndex.manifests.length, 2, 'signature and attestation');
  const byPredicate = (a: any, b: any) => String(a.annotations['dev.sigstore.bundle.predicateType']).localeCompare(String(b.annotations['dev.sigstore.bundle.predicateType']));
  const theirs = (await Promise.all(theirIndex.manifests.map((d: any) => manifestJson(d.digest)))).sort(byPredicate);
  const mine = (await Promise.all(myIndex.manifests.map((d: any) => manifestJson(d.digest)))).sort(byPredicate);
  t.same(mine.map(shape), theirs.map(shape), 'referrer manifests');
  t.same(
    mine.map((m) => m.annotations['dev.sigstore.bundle.predicateType']),
    theirs.map((m) => m.annotations['dev.sigstore.bundle.predicateType']),
  );
  t.same(myIndex.manifests.map((d: any) => Object.keys(d).slice(0, 3)), theirIndex.manifests.map((d: any) => Object.keys(d).slice(0, 3)), 'index descriptors (mediaType, size, digest)');
  const ourStatement = JSON.parse(Buffer.from(signer.calls[1]!.payload).toString());
  const theirSign = theirs.find((m) => m.annotations['dev.sigstore.bundle.predicateType'] === 'https://sigstore.dev/cosign/sign/v1');
  const theirBundle = JSON.parse(Buffer.from(await client.readBlob(repo, theirSign.layers[0].digest)).toString());
  const theirStatement = JSON.parse(Buffer.from(theirBundle.dsseEnvelope.payload, 'base64').toString());
  t.same(ourStatement, { ...theirStatement, subject: [{ ...theirStatement.subject[0], digest: { sha256: digestOf(ours!).slice(7) } }] }, 'the same statement cosign 3.1 signs, but for the digest');
});
