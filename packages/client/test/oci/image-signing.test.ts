// signImage / attestImage / verifyImage / verifyImageAttestations against Docker's
// distribution registry with a fake signing core (the ImageBundleSigner /
// ImageBundleVerifier interfaces only): both layouts, recursive index signing, tags,
// copied signatures, tampering.
import t from 'tap';
import { join } from 'node:path';
import { startRegistry } from '../../../../test/lib/registry.js';
import { tempDir } from '../../../../test/lib/temp-dir.js';
import { clientEnv } from '../../../../test/lib/client-env.js';
import { pushTestImage } from '../../../../test/lib/oci-image.js';
import { RegistryClient } from '../../src/oci/registry-client.js';
import { signImage, attestImage } from '../../src/oci/image-signing.js';
import { verifyImage, verifyImageAttestations } from '../../src/oci/image-verification.js';
import { appendCosign2Layer, readCosign2Layers, simpleSigningPayload } from '../../src/oci/cosign2-layout.js';
import { OCI_INDEX, SIGSTORE_BUNDLE_V03, DSSE_ENVELOPE, SIMPLE_SIGNING } from '../../src/oci/media-types.js';
import { FakeSigner, FakeVerifier } from './fake-bundles.js';

const dir = tempDir(t);
const registry = await startRegistry(t, join(dir, 'registry'));
const env = clientEnv(dir);
const client = new RegistryClient({ credentials: () => undefined });
const signer = new FakeSigner();
const verifier = new FakeVerifier(signer.publicKey);
const other = new FakeSigner();
const now = () => new Date('2026-12-04T10:00:00.123Z');
const [imgA, imgB, imgC, imgD] = await Promise.all(['a', 'b', 'c', 'd'].map((tag) => pushTestImage(registry.host, 'test/sign', tag, dir, env)));
const digestOf = (ref: string) => ref.split('@')[1]!;
const repo = { registry: registry.host, repository: 'test/sign' };

t.test('cosign 2 layout: sign, verify, annotations, dedupe', async (t) => {
  const r = await signImage(imgA!, { signer, layout: 'cosign2', annotations: { foo: 'bar', abc: '1' }, registry: client });
  t.same(r.warnings, []);
  t.equal(r.signed[0]?.cosign2Tag, `${digestOf(imgA!).replace(':', '-')}.sig`);
  t.equal(
    Buffer.from(signer.calls[0]!.payload).toString(),
    `{"critical":{"identity":{"docker-reference":"${registry.host}/test/sign"},"image":{"docker-manifest-digest":"${digestOf(imgA!)}"},"type":"cosign container image signature"},"optional":{"abc":"1","foo":"bar"}}`,
    'the simple-signing payload as cosign writes it',
  );
  const layers = await readCosign2Layers(client, repo, digestOf(imgA!), 'sig');
  t.equal(layers.length, 1);
  t.equal(layers[0]?.descriptor.mediaType, SIMPLE_SIGNING);
  t.same(Object.keys(layers[0]!.descriptor.annotations!), ['dev.cosignproject.cosign/signature', 'dev.sigstore.cosign/bundle']);
  const rb = JSON.parse(layers[0]!.descriptor.annotations!['dev.sigstore.cosign/bundle']!);
  t.same(Object.keys(rb), ['SignedEntryTimestamp', 'Payload']);
  t.same(Object.keys(rb.Payload), ['body', 'integratedTime', 'logIndex', 'logID']);
  t.match(rb.Payload.logID, /^[0-9a-f]{64}$/);
  t.type(rb.Payload.integratedTime, 'number');

  const v = await verifyImage(imgA!, { verifier, registry: client });
  t.equal(v.verified.length, 1);
  t.equal(v.verified[0]?.layout, 'cosign2');
  t.same(v.verified[0]?.simpleSigning?.optional, { abc: '1', foo: 'bar' });
  t.equal(v.verified[0]?.publicKeyHint, '');
  t.equal(verifier.seen.at(-1)?.mediaType, 'application/vnd.dev.sigstore.bundle+json;version=0.1', 'rebuilt as a v0.1 bundle with the SET');
  t.ok(verifier.seen.at(-1)?.verificationMaterial.tlogEntries[0]?.inclusionPromise);

  await signImage(imgA!, { signer, layout: 'cosign2', registry: client });
  t.equal((await readCosign2Layers(client, repo, digestOf(imgA!), 'sig')).length, 2, 'a second signature is appended');
  // The same layer again (same payload, same annotations): not added twice.
  const [first] = await readCosign2Layers(client, repo, digestOf(imgA!), 'sig');
  const again = await appendCosign2Layer(client, repo, digestOf(imgA!), 'sig', first!.payload, first!.descriptor.annotations!);
  t.equal(again.added, false, 'identical layer deduplicated');
  t.equal((await verifyImage(imgA!, { verifier, registry: client })).verified.length, 2);

  await t.rejects(verifyImage(imgA!, { verifier: new FakeVerifier(other.publicKey), registry: client }), { code: 'VERIFY_SIGNATURE', message: /none of the 2 signatures/ });
  await t.rejects(verifyImage(imgD!, { verifier, registry: client }), { code: 'NOT_FOUND', message: /no signatures found/ });
});

t.test('a signature copied from another image fails, naming it', async (t) => {
  // Sign B's digest payload and store it under C's .sig tag (what a copy of the layer does).
  const payload = simpleSigningPayload(`${registry.host}/test/sign`, digestOf(imgB!));
  const bundle = await signer.signMessage(payload);
  const { cosign2Annotations } = await import('../../src/oci/cosign2-layout.js');
  await appendCosign2Layer(client, repo, digestOf(imgC!), 'sig', payload, cosign2Annotations(bundle));
  await t.rejects(verifyImage(imgC!, { verifier, registry: client }), { code: 'VERIFY_DIGEST', message: new RegExp(`signature is for image ${digestOf(imgB!)}, not ${digestOf(imgC!)}`) });
});

t.test('cosign 3 layout: referrer shape, verify, tag warning', async (t) => {
  const tagRef = `${registry.host}/test/sign:b`;
  const r = await signImage(tagRef, { signer, layout: 'cosign3', annotations: { k: 'v' }, registry: client, now });
  t.match(r.warnings[0], /^WARNING: Image reference 127\.0\.0\.1:\d+\/test\/sign:b uses a tag, not a digest/);
  t.equal(r.signed[0]?.digest, digestOf(imgB!), 'the tag was resolved');
  const statement = JSON.parse(Buffer.from(signer.calls.at(-1)!.payload).toString());
  t.same(statement, { _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: digestOf(imgB!).slice(7) }, annotations: { k: 'v' } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {} });
  const { manifests, source } = await client.referrers(repo, digestOf(imgB!));
  t.equal(source, 'tag');
  t.equal(manifests.length, 1);
  t.equal(manifests[0]?.artifactType, SIGSTORE_BUNDLE_V03);
  const m = JSON.parse(Buffer.from((await client.getManifest(repo, manifests[0]!.digest))!.bytes).toString());
  t.same(Object.keys(m), ['schemaVersion', 'mediaType', 'config', 'layers', 'annotations', 'subject', 'artifactType'], 'field order as cosign writes it');
  t.same(m.annotations, { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1', 'org.opencontainers.image.created': '2026-12-04T10:00:00Z' });
  t.same(m.config, { mediaType: 'application/vnd.oci.empty.v1+json', size: 2, digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', artifactType: SIGSTORE_BUNDLE_V03 });
  t.equal(m.layers[0].mediaType, SIGSTORE_BUNDLE_V03);
  t.equal(m.subject.digest, digestOf(imgB!));

  const v = await verifyImage(imgB!, { verifier, registry: client });
  t.equal(v.verified.length, 1);
  t.equal(v.verified[0]?.layout, 'cosign3');
  t.same(v.verified[0]?.statement?.subject[0]?.annotations, { k: 'v' });
  t.equal(v.verified[0]?.publicKeyHint, 'fake-hint');
  await t.rejects(verifyImage(imgB!, { verifier, registry: client, layout: 'cosign2' }), { code: 'NOT_FOUND' });
});

t.test('attestations in both layouts; predicate type filter', async (t) => {
  const r = await attestImage(imgD!, { signer, layout: 'both', predicateType: 'https://slsa.dev/provenance/v1', predicate: { buildDefinition: { x: '<&>' } }, registry: client, now });
  t.ok(r.signed[0]?.cosign2Tag?.endsWith('.att'));
  t.ok(r.signed[0]?.referrer);
  const statementText = Buffer.from(signer.calls.at(-1)!.payload).toString();
  t.match(statementText, /^\{"_type":"https:\/\/in-toto.io\/Statement\/v0.1","predicateType":"https:\/\/slsa.dev\/provenance\/v1","subject":\[\{"name":"127/);
  t.match(statementText, /\\u003c\\u0026\\u003e/, 'Go escaping');
  const [layer] = await readCosign2Layers(client, repo, digestOf(imgD!), 'att');
  t.equal(layer?.descriptor.mediaType, DSSE_ENVELOPE);
  t.equal(layer?.descriptor.annotations?.predicateType, 'https://slsa.dev/provenance/v1');
  t.equal(layer?.descriptor.annotations?.['dev.cosignproject.cosign/signature'], '');
  t.match(Buffer.from(layer!.payload).toString(), /^\{"payloadType":"application\/vnd.in-toto\+json","payload":"[^"]+","signatures":\[\{"keyid":"","sig":"/);

  const v = await verifyImageAttestations(imgD!, { verifier, registry: client });
  t.same(v.verified.map((a) => a.layout).sort(), ['cosign2', 'cosign3']);
  t.ok(v.verified.every((a) => a.predicateType === 'https://slsa.dev/provenance/v1'));
  t.equal((await verifyImageAttestations(imgD!, { verifier, registry: client, predicateType: 'https://slsa.dev/provenance/v1' })).verified.length, 2);
  await t.rejects(verifyImageAttestations(imgD!, { verifier, registry: client, predicateType: 'https://spdx.dev/Document' }), { code: 'VERIFY_ATTESTATION', message: /none with predicate type https:\/\/spdx.dev\/Document/ });
  await t.rejects(verifyImage(imgD!, { verifier, registry: client }), { code: 'NOT_FOUND' }, 'attestations are not signatures');
  await t.rejects(verifyImageAttestations(imgB!, { verifier, registry: client }), { code: 'NOT_FOUND' }, 'signatures are not attestations');
});

t.test('recursive: an index and every manifest in it', async (t) => {
  const children = await Promise.all([imgA!, imgB!].map(async (r) => (await client.headManifest(repo, digestOf(r)))!));
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map((c, i) => ({ ...c, platform: { architecture: i ? 'arm64' : 'amd64', os: 'linux' } })) }));
  const { digest } = await client.putManifest(repo, 'multi', index, OCI_INDEX);
  const r = await signImage(`${registry.host}/test/sign@${digest}`, { signer, layout: 'both', recursive: true, registry: client, now });
  t.same(r.signed.map((s) => s.digest), [digest, ...children.map((c) => c.digest)]);
  for (const d of [digest, ...children.map((c) => c.digest)]) {
    const v = await verifyImage(`${registry.host}/test/sign@${d}`, { verifier, registry: client });
    t.ok(v.verified.some((s) => s.layout === 'cosign2') && v.verified.some((s) => s.layout === 'cosign3'), `${d} signed in both layouts`);
  }
});

t.test('tampered layers and bad references', async (t) => {
  await t.rejects(signImage('Not A Ref', { signer, registry: client }), { code: 'REFERENCE_INVALID' });
  await t.rejects(signImage(`${registry.host}/test/sign:nope`, { signer, registry: client }), { code: 'NOT_FOUND', message: /not found/ });
  // A .sig layer whose bundle annotation is not JSON: the candidate fails as BUNDLE_INVALID.
  const payload = simpleSigningPayload(`${registry.host}/test/sign`, digestOf(imgC!));
  await appendCosign2Layer(client, { registry: registry.host, repository: 'test/sign' }, digestOf(imgC!), 'sig', payload, { 'dev.cosignproject.cosign/signature': 'AAAA', 'dev.sigstore.cosign/bundle': '{nope' });
  const err = await verifyImage(imgC!, { verifier, registry: client }).catch((e: unknown) => e as Error);
  t.match(err, { message: /the Rekor bundle is not JSON/ });
});
