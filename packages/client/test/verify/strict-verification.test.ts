// Strict verification where sigstore-js is lax, one test per class of failure that the
// sigstore-conformance bundle vectors exposed. Every bundle here is made by the test: a
// log key of our own, a hashedrekord entry in a two-leaf tree, a signed checkpoint and a
// SET; then each case mutates that bundle (re-signing where the mutation must look
// genuine to the log key).
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { canonicalize } from '@sigstack/core';
import { BundleVerifier, parseBundle, parseTrustedRoot } from '../../src/index.js';
import { verifyNoRootInBundle, verifyTlogEntriesStrict } from '../../src/verify/strict-checks.js';

const sha256 = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();
const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64');

const logKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const logSpki = logKey.publicKey.export({ type: 'spki', format: 'der' });
const logId = sha256(logSpki);
const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const artifact = Buffer.from('an artifact signed for the strict verification tests\n');
const ORIGIN = 'rekor.test - 42';

function trustedRootJson(validFor: object = { start: '2020-01-01T00:00:00Z' }): string {
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: 'https://rekor.test', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: b64(logSpki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor }, logId: { keyId: b64(logId) } }],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
}

function signedCheckpoint(size: number, root: Buffer, key: KeyObject = logKey.privateKey): string {
  const note = `${ORIGIN}\n${size}\n${b64(root)}\n`;
  const sig = sign('sha256', Buffer.from(note), key);
  return `${note}\n\u2014 rekor.test ${b64(Buffer.concat([logId.subarray(0, 4), sig]))}\n`;
}

function setFor(body: string, integratedTime: number, logIndex: number): string {
  const payload = canonicalize({ body: b64(body), integratedTime, logID: logId.toString('hex'), logIndex });
  return b64(sign('sha256', Buffer.from(payload), logKey.privateKey));
}

interface Made {
  json: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a bundle's JSON, mutated by the cases
  entry: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  body: string;
}

/** A v0.3 key-signed bundle whose entry is leaf 0 of a two-leaf tree. */
function makeBundle(integratedTime = Math.floor(Date.now() / 1000) - 60): Made {
  const signature = sign('sha256', artifact, signer.privateKey);
  const body = canonicalize({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: sha256(artifact).toString('hex') } },
      signature: { content: b64(signature), publicKey: { content: b64(signer.publicKey.export({ type: 'spki', format: 'pem' }) as string) } },
    },
  });
  const leaf = sha256(Buffer.concat([Buffer.from([0]), Buffer.from(body)]));
  const sibling = sha256('the other leaf');
  const root = sha256(Buffer.concat([Buffer.from([1]), leaf, sibling]));
  const entry = {
    logIndex: '0',
    logId: { keyId: b64(logId) },
    kindVersion: { kind: 'hashedrekord', version: '0.0.1' },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: setFor(body, integratedTime, 0) },
    inclusionProof: { logIndex: '0', rootHash: b64(root), treeSize: '2', hashes: [b64(sibling)], checkpoint: { envelope: signedCheckpoint(2, root) } },
    canonicalizedBody: b64(body),
  };
  const json = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: '' }, tlogEntries: [entry], timestampVerificationData: { rfc3161Timestamps: [] } },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: b64(sha256(artifact)) }, signature: b64(signature) },
  };
  return { json, entry, body };
}

const verifier = new BundleVerifier({ trustedRoot: parseTrustedRoot(trustedRootJson(), 'test root'), key: signer.publicKey });
const verifyJson = (json: object) => verifier.verify(parseBundle(JSON.stringify(json)), { kind: 'bytes', data: artifact });

t.test('the bundle as made verifies (baseline for every mutation below)', async (t) => {
  const v = await verifyJson(makeBundle().json);
  t.equal(v.timestamps.length, 1);
});

t.test('trusted root: a validity window without a start is refused, not read as unbounded', async (t) => {
  t.throws(() => new BundleVerifier({ trustedRoot: parseTrustedRoot(trustedRootJson({ end: '2099-01-01T00:00:00Z' }), 'r'), key: signer.publicKey }), { code: 'TRUST_INVALID', message: /tlogs\[0\].*validFor has no start/ });
  t.ok(new BundleVerifier({ trustedRoot: parseTrustedRoot(trustedRootJson({ start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z' }), 'r'), key: signer.publicKey }), 'start and end: fine');
});

t.test('checkpoint and inclusion proof must describe the same tree (sigstore-js proves against the checkpoint only)', async (t) => {
  const size = makeBundle();
  size.entry.inclusionProof.treeSize = '3';
  await t.rejects(verifyJson(size.json), { code: 'VERIFY_TLOG', message: /checkpoint is for a tree of size 2, the inclusion proof for size 3/ });

  const root = makeBundle();
  root.entry.inclusionProof.rootHash = b64(sha256('another root'));
  await t.rejects(verifyJson(root.json), { code: 'VERIFY_TLOG', message: /root hash .* is not the inclusion proof's/ });

  // a checkpoint genuinely signed by the log, for another tree: self-consistent, wrong for this entry
  const other = makeBundle();
  other.entry.inclusionProof.checkpoint.envelope = signedCheckpoint(7, sha256('tree of seven'));
  await t.rejects(verifyJson(other.json), { code: 'VERIFY_TLOG', message: /size 7/ });

  const malformed = makeBundle();
  malformed.entry.inclusionProof.checkpoint.envelope = 'rekor.test\n\n\u2014 rekor.test AAAA\n';
  await t.rejects(verifyJson(malformed.json), { code: 'VERIFY_TLOG', message: /malformed checkpoint/ });

  const outside = makeBundle();
  outside.entry.inclusionProof.logIndex = '2';
  await t.rejects(verifyJson(outside.json), { code: 'VERIFY_TLOG', message: /outside its tree/ });
});

t.test('an integrated time in the future is refused, even with a valid SET (no certificate validity to catch it)', async (t) => {
  const future = makeBundle(Math.floor(Date.now() / 1000) + 3600);
  await t.rejects(verifyJson(future.json), { code: 'VERIFY_TLOG', message: /in the future/ });
  const clocked = new BundleVerifier({ trustedRoot: parseTrustedRoot(trustedRootJson(), 'r'), key: signer.publicKey, now: () => new Date(Date.now() + 7200_000) });
  t.ok(await clocked.verify(parseBundle(JSON.stringify(future.json)), { kind: 'bytes', data: artifact }), 'the injected clock decides');
});

t.test('the same log entry twice is refused', async (t) => {
  const dup = makeBundle();
  dup.json.verificationMaterial.tlogEntries = [dup.entry, structuredClone(dup.entry)];
  await t.rejects(verifyJson(dup.json), { code: 'BUNDLE_INVALID', message: /appears twice/ });
});

t.test('negative or non-integer indexes are refused when the bundle is read', async (t) => {
  for (const [field, value] of [['logIndex', '-1'], ['logIndex', -1], ['integratedTime', '12a'], ['logIndex', 1.5]] as const) {
    const b = makeBundle();
    b.entry[field] = value;
    t.throws(() => parseBundle(JSON.stringify(b.json)), { code: 'BUNDLE_INVALID', message: new RegExp(`tlogEntries\\[0\\]\\.${field} is .*not a non-negative integer`) }, `${field} ${JSON.stringify(value)}`);
  }
  const proof = makeBundle();
  proof.entry.inclusionProof.treeSize = '-2';
  t.throws(() => parseBundle(JSON.stringify(proof.json)), { code: 'BUNDLE_INVALID', message: /inclusionProof\.treeSize/ });
});

t.test('bytes fields must be base64 (the protobuf decoder would read garbage as other bytes)', async (t) => {
  const bad = makeBundle();
  bad.json.messageSignature.signature = 'NOT!!VALID!!BASE64====';
  t.throws(() => parseBundle(JSON.stringify(bad.json)), { code: 'BUNDLE_INVALID', message: /messageSignature\.signature is not valid base64/ });
  const badHash = makeBundle();
  badHash.entry.inclusionProof.hashes = ['AAA*'];
  t.throws(() => parseBundle(JSON.stringify(badHash.json)), { code: 'BUNDLE_INVALID', message: /hashes\[0\] is not valid base64/ });
  const len = makeBundle();
  len.json.messageSignature.messageDigest.digest = 'AAAAA';
  t.throws(() => parseBundle(JSON.stringify(len.json)), { code: 'BUNDLE_INVALID', message: /digest is not valid base64/ });
  // line breaks (base64(1) output) are skipped, as Go's protojson decoder skips them
  const wrapped = makeBundle();
  const s: string = wrapped.json.messageSignature.signature;
  wrapped.json.messageSignature.signature = `${s.slice(0, 20)}\n${s.slice(20)}`;
  t.ok(await verifyJson(wrapped.json));
  // URL-safe and unpadded forms are protobuf JSON too
  const urlsafe = makeBundle();
  urlsafe.json.messageSignature.messageDigest.digest = b64(sha256(artifact)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  t.ok(await verifyJson(urlsafe.json));
});

t.test('an inclusion proof without a checkpoint: the SET proves inclusion, or the entry is refused (no TypeError)', async (t) => {
  const v01 = makeBundle();
  v01.json.mediaType = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
  delete v01.entry.inclusionProof.checkpoint;
  t.ok(await verifyJson(v01.json), 'v0.1 with a SET');
  // The bundle types refuse this shape; the check stands on its own for bundles built in code.
  const bundle = parseBundle(JSON.stringify(makeBundle().json));
  const { inclusionPromise: _set, ...entry } = bundle.verificationMaterial.tlogEntries[0]!;
  const stripped = { ...bundle, verificationMaterial: { ...bundle.verificationMaterial, tlogEntries: [{ ...entry, inclusionProof: { ...entry.inclusionProof!, checkpoint: undefined } }] } } as unknown as typeof bundle;
  t.throws(() => verifyTlogEntriesStrict(stripped, new Date()), { code: 'VERIFY_TLOG', message: /no checkpoint .* no SET/ });
});

t.test('a root certificate in the bundle is refused; a leaf is not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'strict-root-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const der = (args: string[], name: string): Buffer => {
    execFileSync('openssl', [...args, '-outform', 'DER', '-out', join(dir, name)], { stdio: 'ignore' });
    return readFileSync(join(dir, name));
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'];
  const root = der(['req', '-x509', ...ec, '-keyout', join(dir, 'root.key'), '-subj', '/O=test/CN=test root', '-addext', 'basicConstraints=critical,CA:TRUE'], 'root.der');
  const leafSelf = der(['req', '-x509', ...ec, '-keyout', join(dir, 'leaf.key'), '-subj', '/CN=self-signed leaf', '-addext', 'basicConstraints=critical,CA:FALSE'], 'leaf.der');
  const withChain = (certs: Buffer[]) =>
    parseBundle({ mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2', verificationMaterial: { x509CertificateChain: { certificates: certs.map((c) => ({ rawBytes: b64(c) })) }, tlogEntries: [makeBundle().entry] }, messageSignature: makeBundle().json.messageSignature });
  t.throws(() => verifyNoRootInBundle(withChain([leafSelf, root])), { code: 'VERIFY_CERTIFICATE', message: /carries a root certificate \(O=test, CN=test root\)/ });
  t.doesNotThrow(() => verifyNoRootInBundle(withChain([leafSelf])), 'self-signed but not a CA: left to chain building');
  const v3 = (cert: Buffer) => parseBundle({ ...makeBundle().json, verificationMaterial: { certificate: { rawBytes: b64(cert) }, tlogEntries: [makeBundle().entry] } });
  t.throws(() => verifyNoRootInBundle(v3(root)), { code: 'VERIFY_CERTIFICATE' });
  t.throws(() => verifyNoRootInBundle(v3(Buffer.from('not a certificate'))), { code: 'VERIFY_CERTIFICATE', message: /not an X\.509 certificate/ });
});
