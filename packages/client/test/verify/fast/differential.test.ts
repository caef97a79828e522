// Differential tests of the fast verification path against sigstore-js (BundleVerifier):
// bundles made by our library and by cosign 3.1 / cosign 2.5 against a live stack, each
// verified by both, then systematic mutations of every field: both must accept every
// valid bundle and reject every mutation. Where the fast path is stricter, the case is
// listed in STRICTER with the reason, and only there may the verdicts differ.
import t from 'tap';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from '../../../../../test/lib/peers.js';
import { tempDir } from '../../../../../test/lib/temp-dir.js';
import { runClientOk } from '../../../../../test/lib/client-run.js';
import { startKeylessStack } from '../../../../../test/lib/keyless-stack.js';
import { BundleSigner } from '../../../src/sign/bundle-signer.js';
import { loadPrivateKey } from '../../../src/keys/private-key.js';
import { servicesFromSigningConfig } from '../../../src/trust/signing-config.js';
import { readTrustedRootFile } from '../../../src/trust/trusted-root.js';
import { bundleToJSON } from '@sigstore/bundle';
import { parseBundle } from '../../../src/verify/bundle-reader.js';
import { BundleVerifier, type ArtifactInput, type VerifierOptions } from '../../../src/verify/bundle-verifier.js';
import { FastBundleVerifier, VerifierPool } from '../../../src/verify/fast/index.js';
import { ClientError } from '../../../src/errors.js';

t.setTimeout(400_000);

const dir = tempDir(t);
const { stack, idp, env3: env, env2 } = await startKeylessStack(t, dir);
const token = await idp.emailToken('alice@example.com');
const services = servicesFromSigningConfig(readFileSync(stack.signingConfig, 'utf8'), stack.signingConfig);
const trustedRoot = readTrustedRootFile(stack.trustedRoot);
const identity = { subject: 'alice@example.com', issuer: idp.url };
const cenv = { ...env, COSIGN_PASSWORD: 'pw' };
await runClientOk(peer('cosign3'), ['generate-key-pair', '--output-key-prefix', join(dir, 'c')], { env: cenv });
const key: KeyObject = createPublicKey(readFileSync(join(dir, 'c.pub')));
const keyless = BundleSigner.create({ identity: { kind: 'keyless', token: async () => token }, services });
const keyed = BundleSigner.create({ identity: { kind: 'key', key: await loadPrivateKey(readFileSync(join(dir, 'c.key'), 'utf8'), () => 'pw') }, services: { rekor: services.rekor } });

type Json = Record<string, any>;
interface Case {
  name: string;
  json: Json;
  artifact: ArtifactInput;
  mode: 'keyless' | 'key';
}
const artifact = Buffer.from('the artifact\n');
const artifactFile = join(dir, 'artifact.txt');
writeFileSync(artifactFile, artifact);
const bytes: ArtifactInput = { kind: 'bytes', data: artifact };
const STATEMENT = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: '00'.repeat(32) } }], predicateType: 'https://example.com/p', predicate: {} }));

// A few entries first, so that inclusion proofs have hashes.
for (let i = 0; i < 3; i++) await keyed.signMessage(Buffer.from(`warm ${i}`));

const cases: Case[] = [
  { name: 'sigstack keyless message', json: (await keyless.signMessage(artifact)) as Json, artifact: bytes, mode: 'keyless' },
  { name: 'sigstack keyless DSSE', json: (await keyless.signDsse(STATEMENT, 'application/vnd.in-toto+json')) as Json, artifact: { kind: 'none' }, mode: 'keyless' },
  { name: 'sigstack key message', json: (await keyed.signMessage(artifact)) as Json, artifact: bytes, mode: 'key' },
  { name: 'sigstack key DSSE', json: (await keyed.signDsse(STATEMENT, 'application/vnd.in-toto+json')) as Json, artifact: { kind: 'none' }, mode: 'key' },
];
const trust = ['--trusted-root', stack.trustedRoot];
const cosignOut = async (name: string, cmd: string, args: string[], mode: Case['mode'], a: ArtifactInput, e = env) => {
  const out = join(dir, `${name.replace(/\W+/g, '-')}.json`);
  await runClientOk(peer(cmd), [...args, '--bundle', out, '--yes', artifactFile], { env: e });
  // cosign 2's legacy format is read as the v0.1 bundle it is equivalent to: mutations edit that.
  cases.push({ name, json: bundleToJSON(parseBundle(readFileSync(out, 'utf8'))) as Json, artifact: a, mode });
};
writeFileSync(join(dir, 'pred.json'), '{"scan":"clean"}');
await cosignOut('cosign 3.1 keyless sign-blob', 'cosign3', ['sign-blob', '--signing-config', stack.signingConfig, ...trust, '--identity-token', token], 'keyless', bytes);
await cosignOut('cosign 3.1 key sign-blob', 'cosign3', ['sign-blob', '--use-signing-config=false', '--rekor-url', stack.url, '--key', join(dir, 'c.key')], 'key', bytes, cenv);
await cosignOut('cosign 3.1 keyless attest-blob', 'cosign3', ['attest-blob', '--signing-config', stack.signingConfig, ...trust, '--identity-token', token, '--predicate', join(dir, 'pred.json'), '--type', 'vuln'], 'keyless', { kind: 'none' });
await cosignOut('cosign 2.5 keyless legacy bundle (v0.1, SET)', 'cosign2', ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', token], 'keyless', bytes, env2);
await cosignOut('cosign 2.5 key legacy bundle (v0.1, SET)', 'cosign2', ['sign-blob', '--rekor-url', stack.url, '--key', join(dir, 'c.key')], 'key', bytes, { ...cenv });
await cosignOut('cosign 2.5 key legacy attest-blob (intoto 0.0.2)', 'cosign2', ['attest-blob', '--rekor-url', stack.url, '--key', join(dir, 'c.key'), '--predicate', join(dir, 'pred.json'), '--type', 'vuln'], 'key', { kind: 'none' }, { ...cenv });

const opts = (mode: Case['mode'], extra: Partial<VerifierOptions> = {}): VerifierOptions => ({ trustedRoot, ...(mode === 'key' ? { key } : { identity }), ...extra });
const verifiers = { keyless: { slow: new BundleVerifier(opts('keyless')), fast: new FastBundleVerifier(opts('keyless')) }, key: { slow: new BundleVerifier(opts('key')), fast: new FastBundleVerifier(opts('key')) } };

/** 'ok', or the error code (a parse refusal is 'BUNDLE_INVALID' for both). */
async function verdict(v: BundleVerifier | FastBundleVerifier, json: Json, a: ArtifactInput): Promise<string> {
  try {
    const b = parseBundle(structuredClone(json));
    if (v instanceof FastBundleVerifier && !v.supports(b)) return 'UNSUPPORTED';
    // BundleVerifier routes supported shapes to the fast path: the differential side is its sigstore-js path.
    if (v instanceof BundleVerifier) await v.verifyWithSigstoreJs(b, a);
    else await v.verify(b, a);
    return 'ok';
  } catch (e) {
    if (e instanceof ClientError) return `${e.code}: ${e.message}`;
    return `CRASH: ${(e as Error).stack}`;
  }
}

/** Cases (by mutation name) where only the fast path refuses, and why (stricter by design). */
const STRICTER: Record<string, string> = {};

const flip = (b64: string, at = -1): string => {
  const b = Buffer.from(b64, 'base64');
  const i = at < 0 ? b.length + at : at;
  b[i] = b[i]! ^ 0x01;
  return b.toString('base64');
};
const entry = (j: Json): Json => j.verificationMaterial.tlogEntries[0];
const content = (j: Json): Json => j.messageSignature ?? j.dsseEnvelope;
const certOf = (j: Json): Json | undefined => j.verificationMaterial.certificate ?? j.verificationMaterial.x509CertificateChain?.certificates[0];

/** Mutations: name → edit (returns false when it does not apply to this bundle). */
const MUTATIONS: Record<string, (j: Json, c: Case) => boolean | ArtifactInput> = {
  'signature bytes': (j) => {
    if (j.messageSignature) j.messageSignature.signature = flip(j.messageSignature.signature, 10);
    else j.dsseEnvelope.signatures[0].sig = flip(j.dsseEnvelope.signatures[0].sig, 10);
    return true;
  },
  'message digest': (j) => (j.messageSignature ? ((j.messageSignature.messageDigest.digest = flip(j.messageSignature.messageDigest.digest, 0)), true) : false),
  'other artifact': (j) => (j.messageSignature ? { kind: 'bytes', data: Buffer.from('another artifact\n') } : false),
  'DSSE payload': (j) => (j.dsseEnvelope ? ((j.dsseEnvelope.payload = flip(j.dsseEnvelope.payload, 5)), true) : false),
  'DSSE payload type': (j) => (j.dsseEnvelope ? ((j.dsseEnvelope.payloadType = 'application/x-other'), true) : false),
  'certificate signature byte': (j) => (certOf(j) ? ((certOf(j)!.rawBytes = flip(certOf(j)!.rawBytes, -3)), true) : false),
  'certificate TBS byte (inside the SCT)': (j) => {
    const c = certOf(j);
    if (!c) return false;
    const der = Buffer.from(c.rawBytes, 'base64');
    const i = der.indexOf(Buffer.from('060a2b06010401d679020402', 'hex')); // the SCT list extension's OID
    if (i < 0) return false;
    der[i + 60] = der[i + 60]! ^ 0x01;
    c.rawBytes = der.toString('base64');
    return true;
  },
  'certificate replaced by garbage': (j) => (certOf(j) ? ((certOf(j)!.rawBytes = Buffer.from('not a certificate').toString('base64')), true) : false),
  'certificate of another bundle': (j, c) => {
    const other = cases.find((x) => x !== c && x.mode === 'keyless' && certOf(x.json) && certOf(x.json)!.rawBytes !== certOf(j)?.rawBytes);
    if (!certOf(j) || !other) return false;
    certOf(j)!.rawBytes = certOf(other.json)!.rawBytes;
    return true;
  },
  'log index': (j) => ((entry(j).logIndex = String(Number(entry(j).logIndex) + 1)), true),
  'integrated time': (j) => ((entry(j).integratedTime = String(Number(entry(j).integratedTime) - 1)), true),
  'log ID': (j) => ((entry(j).logId.keyId = flip(entry(j).logId.keyId, 0)), true),
  'kind version': (j) => ((entry(j).kindVersion.version = entry(j).kindVersion.kind === 'intoto' ? '0.0.1' : '0.0.9'), true),
  'canonicalized body': (j) => ((entry(j).canonicalizedBody = flip(entry(j).canonicalizedBody, 30)), true),
  SET: (j) => (entry(j).inclusionPromise ? ((entry(j).inclusionPromise.signedEntryTimestamp = flip(entry(j).inclusionPromise.signedEntryTimestamp, 10)), true) : false),
  'inclusion proof hash': (j) => (entry(j).inclusionProof?.hashes?.length ? ((entry(j).inclusionProof.hashes[0] = flip(entry(j).inclusionProof.hashes[0], 0)), true) : false),
  'inclusion proof dropped hash': (j) => (entry(j).inclusionProof?.hashes?.length ? (entry(j).inclusionProof.hashes.pop(), true) : false),
  'inclusion proof log index': (j) => (entry(j).inclusionProof ? ((entry(j).inclusionProof.logIndex = String(Number(entry(j).inclusionProof.logIndex) ^ 1)), true) : false),
  'inclusion proof root hash': (j) => (entry(j).inclusionProof ? ((entry(j).inclusionProof.rootHash = flip(entry(j).inclusionProof.rootHash, 0)), true) : false),
  'checkpoint text (size)': (j) => {
    const p = entry(j).inclusionProof;
    if (!p?.checkpoint) return false;
    const lines = p.checkpoint.envelope.split('\n');
    lines[1] = String(Number(lines[1]) + 1);
    p.checkpoint.envelope = lines.join('\n');
    p.treeSize = lines[1];
    return true;
  },
  'checkpoint text (origin)': (j) => {
    const p = entry(j).inclusionProof;
    if (!p?.checkpoint) return false;
    p.checkpoint.envelope = `x${p.checkpoint.envelope}`;
    return true;
  },
  'checkpoint signature': (j) => {
    const p = entry(j).inclusionProof;
    if (!p?.checkpoint) return false;
    p.checkpoint.envelope = p.checkpoint.envelope.replace(/(\u2014 \S+ )(\S+)\n$/, (_: string, a: string, s: string) => `${a}${flip(s, 20)}\n`);
    return true;
  },
  'no SET and no proof': (j) => (delete entry(j).inclusionPromise, delete entry(j).inclusionProof, true),
  'no log entry': (j) => ((j.verificationMaterial.tlogEntries = []), true),
  'entry twice': (j) => (j.verificationMaterial.tlogEntries.push(structuredClone(entry(j))), true),
  'TSA token signature': (j) => {
    const ts = j.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.[0];
    return ts ? ((ts.signedTimestamp = flip(ts.signedTimestamp, -2)), true) : false;
  },
  'TSA token TSTInfo': (j) => {
    const ts = j.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.[0];
    if (!ts) return false;
    const der = Buffer.from(ts.signedTimestamp, 'base64');
    const i = der.indexOf(Buffer.from('180f', 'hex')); // genTime (GeneralizedTime, 15 octets)
    if (i < 0) return false;
    der[i + 15] = der[i + 15] === 0x30 ? 0x31 : 0x30;
    ts.signedTimestamp = der.toString('base64');
    return true;
  },
  'TSA token garbage': (j) => {
    const ts = j.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.[0];
    return ts ? ((ts.signedTimestamp = Buffer.from('30030201ff', 'hex').toString('base64')), true) : false;
  },
  'no timestamp at all (no SET, no TSA token)': (j) => {
    if (!entry(j).inclusionProof) return false;
    delete entry(j).inclusionPromise;
    if (j.verificationMaterial.timestampVerificationData) j.verificationMaterial.timestampVerificationData.rfc3161Timestamps = [];
    return true;
  },
};

/** Edits that keep the bundle valid: both verifiers must still accept (or both refuse, same reason). */
const VARIANTS: Record<string, (j: Json) => boolean> = {
  'SET removed (TSA or proof remains)': (j) => (entry(j).inclusionPromise && entry(j).inclusionProof && j.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length ? (delete entry(j).inclusionPromise, true) : false),
  'inclusion proof removed (SET remains)': (j) => (entry(j).inclusionPromise && entry(j).inclusionProof ? (delete entry(j).inclusionProof, true) : false),
  'TSA token removed (SET remains)': (j) => (entry(j).inclusionPromise && j.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length ? ((j.verificationMaterial.timestampVerificationData.rfc3161Timestamps = []), true) : false),
};

const tally = { valid: 0, mutations: 0, variants: 0, stricter: 0 };

t.test('every valid bundle: both accept, the fast path supports it', async (t) => {
  for (const c of cases) {
    const v = verifiers[c.mode];
    t.equal(await verdict(v.slow, c.json, c.artifact), 'ok', `sigstore-js accepts ${c.name}`);
    t.equal(await verdict(v.fast, c.json, c.artifact), 'ok', `fast path accepts ${c.name}`);
    tally.valid++;
  }
});

t.test('every mutation: both reject', async (t) => {
  for (const c of cases) {
    for (const [name, edit] of Object.entries(MUTATIONS)) {
      const j = structuredClone(c.json);
      const r = edit(j, c);
      if (r === false) continue;
      const a = r === true ? c.artifact : r;
      const v = verifiers[c.mode];
      const [slow, fast] = [await verdict(v.slow, j, a), await verdict(v.fast, j, a)];
      t.notMatch(fast, /^CRASH/, `${c.name} / ${name}: no crash (${fast})`);
      t.not(fast, 'ok', `${c.name} / ${name}: fast path rejects`);
      if (STRICTER[name] && slow === 'ok') tally.stricter++;
      else t.not(slow, 'ok', `${c.name} / ${name}: sigstore-js rejects`);
      tally.mutations++;
    }
  }
});

t.test('valid variants: the same verdict', async (t) => {
  for (const c of cases) {
    for (const [name, edit] of Object.entries(VARIANTS)) {
      const j = structuredClone(c.json);
      if (!edit(j)) continue;
      const v = verifiers[c.mode];
      const [slow, fast] = [await verdict(v.slow, j, c.artifact), await verdict(v.fast, j, c.artifact)];
      t.equal(fast === 'ok', slow === 'ok', `${c.name} / ${name}: sigstore-js ${slow}, fast ${fast}`);
      tally.variants++;
    }
  }
});

t.test('identity policy and keys', async (t) => {
  const c = cases.find((x) => x.name === 'sigstack keyless message')!;
  const k = cases.find((x) => x.name === 'sigstack key message')!;
  const policies: [string, Partial<VerifierOptions>, boolean][] = [
    ['wrong subject', { identity: { subject: 'mallory@example.com', issuer: idp.url } }, false],
    ['subject as a prefix', { identity: { subject: 'alice@example', issuer: idp.url } }, false],
    ['wrong issuer', { identity: { subject: 'alice@example.com', issuer: 'https://elsewhere' } }, false],
    ['subject regexp', { identity: { subjectRegExp: '^alice@', issuer: idp.url } }, true],
    ['subject regexp no match', { identity: { subjectRegExp: '^bob@', issuer: idp.url } }, false],
    ['issuer regexp', { identity: { subject: 'alice@example.com', issuerRegExp: '^http://127\\.0\\.0\\.1' } }, true],
    ['issuer regexp no match', { identity: { subject: 'alice@example.com', issuerRegExp: '^https://' } }, false],
  ];
  for (const [name, extra, ok] of policies) {
    const o = opts('keyless', extra);
    const [slow, fast] = [await verdict(new BundleVerifier(o), c.json, c.artifact), await verdict(new FastBundleVerifier(o), c.json, c.artifact)];
    t.equal(fast === 'ok', ok, `${name}: fast ${fast}`);
    if (name === 'subject as a prefix') t.equal(slow, 'ok', 'sigstore-js matches the subject as an unanchored regexp (the fast path compares it exactly, as cosign does)');
    else t.equal(slow === 'ok', ok, `${name}: sigstore-js ${slow}`);
    if (!ok) t.match(fast, /^VERIFY_IDENTITY/);
  }
  const other = createPublicKey(readFileSync(join(dir, 'c.pub'))).export({ type: 'spki', format: 'pem' });
  t.ok(other);
  const { publicKey } = await import('node:crypto').then((m) => m.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const o = opts('key', { key: publicKey });
  t.match(await verdict(new FastBundleVerifier(o), k.json, k.artifact), /^VERIFY_(SIGNATURE|TLOG)/, 'another key: refused');
  t.not(await verdict(new BundleVerifier(o), k.json, k.artifact), 'ok');
  t.match(await verdict(verifiers.key.fast, c.json, c.artifact), /^VERIFY_SIGNATURE: the bundle carries a certificate/, 'a certificate bundle with --key');
  t.match(await verdict(verifiers.keyless.fast, k.json, k.artifact), /^VERIFY_SIGNATURE: the bundle was signed with a key/, 'a key bundle with an identity');
  const d = await import('node:crypto').then((m) => m.createHash('sha256').update(artifact).digest());
  t.equal(await verdict(verifiers.keyless.fast, c.json, { kind: 'digest', algorithm: 'sha256', digest: d }), 'ok', 'by digest');
  t.equal(await verdict(verifiers.key.fast, k.json, { kind: 'file', path: artifactFile }), 'ok', 'by file');
  t.match(await verdict(verifiers.key.fast, k.json, { kind: 'digest', algorithm: 'sha256', digest: Buffer.alloc(32) }), /^VERIFY_DIGEST/, 'another digest');
});

t.test('supports(): other shapes go to sigstore-js', async (t) => {
  const c = cases[0]!;
  const j = structuredClone(c.json);
  entry(j).kindVersion.version = '0.0.2';
  t.notOk(verifiers.keyless.fast.supports(parseBundle(j)), 'hashedrekord 0.0.2 (Rekor v2)');
  t.ok(verifiers.keyless.fast.supports(parseBundle(structuredClone(c.json))));
});

t.test('the batch API: same verdicts on worker threads', async (t) => {
  const pool = new VerifierPool(opts('keyless'), { threads: 2, chunkSize: 3 });
  t.teardown(() => pool.close());
  const keylessCases = cases.filter((c) => c.mode === 'keyless');
  const bad = structuredClone(keylessCases[0]!.json);
  bad.messageSignature.signature = flip(bad.messageSignature.signature, 10);
  const items = [...keylessCases.map((c) => ({ bundle: JSON.stringify(c.json), artifact: c.artifact })), { bundle: bad, artifact: keylessCases[0]!.artifact }, { bundle: '{"truncated', artifact: bytes }];
  const r = await pool.verify(items);
  t.equal(r.length, items.length);
  keylessCases.forEach((c, i) => t.ok(r[i]!.ok && !r[i]!.fallback, `${c.name}: ok on a worker`));
  const tampered = r[keylessCases.length]!;
  t.ok(!tampered.ok && /^VERIFY_/.test(tampered.error.code), 'tampered signature');
  const last = r.at(-1)!;
  t.ok(!last.ok && last.error.code === 'BUNDLE_INVALID', 'unparseable bundle');
  const again = await pool.verify(items.slice(0, 2));
  t.ok(again.every((x) => x.ok), 'the pool is reused');
});

t.teardown(() => {
  console.error(`# differential: ${cases.length} bundles (${cases.map((c) => c.name).join('; ')}), ${tally.valid} valid verifications, ${tally.mutations} mutations, ${tally.variants} valid variants, ${tally.stricter} stricter-only refusals`);
});
