// Every key of the stack on an HSM: a SoftHSM2 token holds the CA intermediate, the CT
// log, Rekor v1, Rekor v2 (Ed25519), TSA and TUF online keys, made with `sigstack hsm generate` and
// named in the config by pkcs11: URIs (README "Keys in an HSM"). The real clients sign
// and verify against it with no insecure flag: cosign 2.5 keyless (CA, SCT, Rekor v1),
// cosign 3.1 with the trusted root and signing config (Rekor v2 and the TSA), rekor-cli
// verify, openssl ts -verify. A wrong PIN stops the start with a clear message; a token
// that goes away turns writes into 503 + Retry-After while reads go on, and the stack
// signs again, with the same keys, once the token is back. The TUF online key signs the
// operator's repository in the ceremony and then timestamp.json in the running stack;
// cosign 3.1 initialises from it.
import t from 'tap';
import { createHash, generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { run, runOk } from './lib/run.js';
import { runClientOk } from './lib/client-run.js';
import { sigstack } from './lib/sigstack-cli.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { startStack } from './lib/stack-process.js';
import { startTestStack, stopStack } from './lib/test-stack.js';
import { clientEnv } from './lib/client-env.js';
import { cosign3Blob } from './lib/cosign3-blob.js';
import { cosignInitialize } from './lib/tuf-clients.js';
import { ceremonyFromDevRepository, toTufKey } from './lib/tuf-ceremony.js';
import { createSoftHsmToken } from './lib/softhsm.js';
import { hashedrekordEntry, hashedRekordV002Request, newSigningKey } from './lib/hashedrekord-entry.js';

t.setTimeout(400_000);

const dir = tempDir(t);
const token = createSoftHsmToken({ label: 'sigstack', pin: 'pin-8a7c' });
t.teardown(() => token.remove());
// The stack processes started below inherit it (SoftHSM reads it when the module loads).
process.env.SOFTHSM2_CONF = token.conf;

const KEYS = {
  rekor: 'ecdsa-p256-sha256',
  rekorV2: 'ed25519',
  ctlog: 'ecdsa-p256-sha256',
  fulcio: 'ecdsa-p256-sha256',
  tsa: 'ecdsa-p256-sha256',
} as const;
const uris: Record<string, string> = {};
const pubs: Record<string, string> = {};

const [node, bin] = sigstack([]);
const cli = (args: string[]) => run(node, [...bin, ...args]);

t.test('sigstack hsm generate makes each key on the token; pubkey and check find it', async (t) => {
  for (const [name, algorithm] of Object.entries(KEYS)) {
    const r = await runOk(node, [...bin, 'hsm', 'generate', '--uri', token.uri(name), '--algorithm', algorithm]);
    const m = /^uri: (\S+)$/m.exec(r.stdout);
    t.ok(m, `${name}: the URI with its id is printed`);
    uris[name] = m![1]!;
    pubs[name] = /-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\n/.exec(r.stdout)![0];
  }
  const pub = await runOk(node, [...bin, 'hsm', 'pubkey', '--uri', uris.rekor!]);
  t.equal(pub.stdout, pubs.rekor);
  const check = await runOk(node, [...bin, 'hsm', 'check', '--uri', uris.rekorV2!, '--algorithm', 'ed25519']);
  t.match(check.stdout, /^ok: ed25519 key .*signs, and its public key verifies/s);
  const again = await cli(['hsm', 'generate', '--uri', token.uri('rekor'), '--algorithm', 'ecdsa-p256-sha256']);
  t.equal(again.code, 2);
  t.match(again.stderr, /a private key object=rekor exists on the token already/, 'a key is never replaced');
  const csr = join(dir, 'fulcio.csr');
  await runOk(node, [...bin, 'hsm', 'csr', '--uri', uris.fulcio!, '--organization', 'example', '--common-name', 'example intermediate', '--out', csr]);
  const req = await runOk('openssl', ['req', '-in', csr, '-verify', '-noout', '-subject', '-pubkey']);
  t.match(req.stdout, /subject=O\s?=\s?example, CN\s?=\s?example intermediate/);
  t.ok(req.stdout.includes(pubs.fulcio!), 'the request carries the token key');
  t.match(req.stderr + req.stdout, /verify OK/i, 'openssl verifies the signature made on the token');
  const wrongAlg = await cli(['hsm', 'check', '--uri', uris.rekor!, '--algorithm', 'ed25519']);
  t.match(wrongAlg.stderr, /is ecdsa-p256-sha256, expected ed25519/);
});

const spkiOfFirst = (file: string) => {
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(readFileSync(file, 'utf8'))![0];
  return new X509Certificate(first).publicKey.export({ type: 'spki', format: 'der' });
};
const spkiOfPem = (pem: string) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');

t.test('ca init and tsa init --key: the chains certify the token keys; a stack on them starts, and refuses a key the chain does not name', async (t) => {
  const dataDir = join(dir, 'init-data');
  await runOk(node, [...bin, 'ca', 'init', '--dir', join(dataDir, 'fulcio'), '--key', uris.fulcio!]).then((r) => t.match(r.stdout, /intermediate key pkcs11:token=sigstack;object=fulcio/));
  await runOk(node, [...bin, 'tsa', 'init', '--dir', join(dataDir, 'tsa'), '--key', uris.tsa!]).then((r) => t.match(r.stdout, /leaf key pkcs11:token=sigstack;object=tsa/));
  t.ok(spkiOfFirst(join(dataDir, 'fulcio', 'fulcio_chain.pem')).equals(spkiOfPem(pubs.fulcio!)), 'the intermediate certificate names the token key');
  t.ok(spkiOfFirst(join(dataDir, 'tsa', 'tsa_chain.pem')).equals(spkiOfPem(pubs.tsa!)), 'the TSA leaf certificate names the token key');
  const notUri = await cli(['ca', 'init', '--dir', join(dir, 'other-ca'), '--key', '/some/file.pem']);
  t.match(notUri.stderr, /--key takes a pkcs11: URI/);
  const cfg = join(dir, 'init.yaml');
  writeFileSync(cfg, `fulcio:\n  key: { path: '${uris.fulcio}' }\ntsa:\n  key: { path: '${uris.tsa}' }\n`);
  const s = await startStack({ dataDir, args: ['--config', cfg] });
  const chain = await (await fetch(`${s.url}/api/v1/timestamp/certchain`)).text();
  t.equal(chain, readFileSync(join(dataDir, 'tsa', 'tsa_chain.pem'), 'utf8'), 'the TSA serves the chain tsa init made');
  await s.stop();
  // The CA key swapped for another token key: the chain does not name it, and the start says so.
  writeFileSync(cfg, `fulcio:\n  key: { path: '${uris.ctlog}' }\ntsa:\n  key: { path: '${uris.tsa}' }\n`);
  const err = await startStack({ dataDir, args: ['--config', cfg] }).then(
    async (s2) => {
      await s2.stop();
      return undefined;
    },
    (e: Error) => e,
  );
  t.match(err?.message ?? '', /the intermediate certificate does not certify the CA's signing key/, 'a chain that does not name the key stops the start');
});

const yaml = (u: Record<string, string>, extra = '') =>
  `rekor:\n  key: { path: '${u.rekor}' }\n` +
  `rekorV2:\n  offerInSigningConfig: true\n  key: { path: '${u.rekorV2}' }\n` +
  `ctlog:\n  key: { path: '${u.ctlog}' }\n` +
  `fulcio:\n  key: { path: '${u.fulcio}' }\n` +
  `tsa:\n  key: { path: '${u.tsa}' }\n` +
  extra;

t.test('a wrong PIN, a missing key or a wrong key type stops the start with a clear message', async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['wrong PIN', { ...uris, ctlog: uris.ctlog!.replace(/pin-source=[^&]*/, 'pin-value=0000') }, /HSM key pkcs11:token=sigstack;object=ctlog;id=[^:]*: (the token refused the PIN|the PIN differs from the one this process logged in to the token with)/],
    ['wrong PIN, first key', { ...uris, rekor: uris.rekor!.replace(/pin-source=[^&]*/, 'pin-value=0000') }, /HSM key pkcs11:token=sigstack;object=rekor;id=[^:]*: the token refused the PIN \(CKR_PIN_INCORRECT\)/],
    ['missing key', { ...uris, tsa: token.uri('no-such-key') }, /no private key object=no-such-key on the token/],
    ['wrong key type', { ...uris, rekor: uris.rekorV2! }, /is ed25519, expected ecdsa-p256-sha256/],
  ];
  for (const [what, u, re] of cases) {
    const cfg = join(dir, `bad-${what.replace(/ /g, '-')}.yaml`);
    writeFileSync(cfg, yaml(u));
    const err = await startStack({ dataDir: join(dir, `bad-${what.replace(/ /g, '-')}`), args: ['--config', cfg] }).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    t.ok(err, `${what}: the stack did not start`);
    t.match(err?.message ?? '', re, what);
    t.notMatch(err?.message ?? '', /pin-value=0000/, 'the PIN is not printed');
  }
});

t.test('the whole stack with every key on the token', async (t) => {
  const { stack, idp, env2, env3 } = await startKeylessStack(t, dir, { stackYaml: yaml(uris) });
  const cosign2 = peer('cosign2');
  const cosign3 = peer('cosign3');
  const artifact = join(dir, 'artifact.txt');
  writeFileSync(artifact, `signed with HSM keys at ${new Date().toISOString()}\n`);
  const blob3 = cosign3Blob(stack, env3, cosign3);
  /** cosign 2.5 keyless by the legacy flags (Fulcio and Rekor v1 at the stack), then verify-blob for the same identity. */
  const cosign2Keyless = async (email: string, bundle: string) => {
    const tok = await idp.emailToken(email);
    const signed = await runClientOk(
      cosign2,
      ['sign-blob', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--identity-token', tokenFile(dir, tok), '--bundle', bundle, '--yes', artifact],
      { env: env2 },
    );
    const verified = await runClientOk(
      cosign2,
      ['verify-blob', '--bundle', bundle, '--certificate-identity', email, '--certificate-oidc-issuer', idp.url, '--rekor-url', stack.url, artifact],
      { env: env2 },
    );
    return { signed, verified };
  };

  await t.test('the published trust material carries the token keys', async (t) => {
    t.equal(readFileSync(stack.rekorPub, 'utf8'), pubs.rekor, 'rekor.pub is the token key');
    t.equal(readFileSync(stack.ctfePub, 'utf8'), pubs.ctlog, 'ctfe.pub is the token key');
    const spki = spkiOfPem;
    const chainSpki = spkiOfFirst;
    t.ok(chainSpki(stack.fulcioChain).equals(spki(pubs.fulcio!)), 'the CA intermediate certifies the token key');
    t.ok(chainSpki(stack.tsaChain).equals(spki(pubs.tsa!)), 'the TSA leaf certifies the token key');
    const root = JSON.parse(readFileSync(stack.trustedRoot, 'utf8'));
    const v2 = root.tlogs.find((l: { publicKey: { keyDetails: string } }) => l.publicKey.keyDetails === 'PKIX_ED25519');
    t.ok(v2 && Buffer.from(v2.publicKey.rawBytes, 'base64').equals(spki(pubs.rekorV2!)), 'trusted_root.json lists the Rekor v2 token key');
  });

  const bundle2 = join(dir, 'cosign2.bundle');
  await t.test('cosign 2.5 keyless: certificate from the token CA with an SCT from the token CT log, entry in Rekor v1', async (t) => {
    const { signed, verified } = await cosign2Keyless('alice@example.com', bundle2);
    t.match(signed.stderr, /Successfully verified SCT/);
    t.match(verified.stderr, /Verified OK/);
  });

  await t.test('cosign 3.1 with the trusted root and signing config: Rekor v2 (Ed25519 on the token) and the TSA', async (t) => {
    const tok = await idp.emailToken('bob@example.com');
    const bundle = join(dir, 'cosign3.sigstore.json');
    await blob3.signKeyless(tokenFile(dir, tok), bundle, artifact);
    const b = JSON.parse(readFileSync(bundle, 'utf8'));
    t.equal(b.verificationMaterial.tlogEntries[0].kindVersion.version, '0.0.2', 'a Rekor v2 entry');
    t.ok(b.verificationMaterial.timestampVerificationData?.rfc3161Timestamps?.length, 'an RFC 3161 timestamp');
    t.match((await blob3.verify(bundle, 'bob@example.com', idp.url, artifact)).stderr, /Verified OK/);
    // And to Rekor v1 by the legacy flags, verified against the same trusted root.
    const legacy = join(dir, 'cosign3-v1.sigstore.json');
    await runClientOk(
      cosign3,
      [
        'sign-blob', '--use-signing-config=false', '--fulcio-url', stack.url, '--rekor-url', stack.url, '--trusted-root', stack.trustedRoot,
        '--identity-token', tokenFile(dir, tok), '--bundle', legacy, '--yes', artifact,
      ],
      { env: env3 },
    );
    t.match((await blob3.verify(legacy, 'bob@example.com', idp.url, artifact)).stderr, /Verified OK/);
  });

  await t.test('rekor-cli verifies the Rekor v1 entry (SET and checkpoint signed on the token)', async (t) => {
    const raw = JSON.parse(readFileSync(bundle2, 'utf8'));
    const cert = join(dir, 'cosign2-cert.pem');
    writeFileSync(cert, Buffer.from(raw.cert, 'base64'));
    const sig = join(dir, 'cosign2.sig');
    writeFileSync(sig, Buffer.from(raw.base64Signature, 'base64')); // DER, as openssl dgst -sign writes it
    const r = await runClientOk(
      peer('rekor-cli'),
      // hashedrekord from --artifact-hash (rekor-cli's documented form; see rekor-cli.test.ts)
      ['--rekor_server', stack.url, 'verify', '--type', 'hashedrekord', '--pki-format', 'x509', '--artifact-hash', createHash('sha256').update(readFileSync(artifact)).digest('hex'), '--signature', sig, '--public-key', cert],
      { env: env2 },
    );
    t.match(r.stdout, /Inclusion Proof/);
  });

  const tsq = join(dir, 'q.tsq');
  const tsaPems = () => {
    const pems = readFileSync(stack.tsaChain, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
    writeFileSync(join(dir, 'tsa-leaf.pem'), pems.slice(0, -1).join(''));
    writeFileSync(join(dir, 'tsa-root.pem'), pems[pems.length - 1] ?? '');
  };
  const timestamp = (body: Buffer) =>
    fetch(`${stack.url}/api/v1/timestamp`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body });

  await t.test('openssl ts -verify accepts a timestamp signed on the token', async (t) => {
    tsaPems();
    await runOk('openssl', ['ts', '-query', '-data', artifact, '-sha256', '-cert', '-out', tsq]);
    const res = await timestamp(readFileSync(tsq));
    t.equal(res.status, 200);
    const tsr = join(dir, 'r.tsr');
    writeFileSync(tsr, Buffer.from(await res.arrayBuffer()));
    const ok = await runOk('openssl', ['ts', '-verify', '-data', artifact, '-in', tsr, '-CAfile', join(dir, 'tsa-root.pem'), '-untrusted', join(dir, 'tsa-leaf.pem')]);
    t.match(ok.stdout, /Verification: OK/);
  });

  await t.test('the token goes away: writes 503 + Retry-After, reads go on; back: the same keys sign again', async (t) => {
    const [tokenSubdir] = readdirSync(token.tokenDir);
    const away = join(token.dir, 'away');
    renameSync(join(token.tokenDir, tokenSubdir!), away);
    let restored = false;
    t.teardown(() => {
      if (!restored) renameSync(away, join(token.tokenDir, tokenSubdir!));
    });

    const tsa = await timestamp(readFileSync(tsq));
    t.equal(tsa.status, 503, 'TSA: 503');
    t.ok(Number(tsa.headers.get('retry-after')) >= 1, 'TSA: Retry-After');
    t.match(await tsa.json(), { code: 503, message: /signing key is unavailable/ });

    const key = newSigningKey();
    const rekorWrite = () => fetch(`${stack.url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashedrekordEntry(key).entry) });
    const rk = await rekorWrite();
    t.equal(rk.status, 503, 'Rekor v1: 503');
    t.ok(Number(rk.headers.get('retry-after')) >= 1, 'Rekor v1: Retry-After');
    const v2 = await fetch(`${stack.url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashedRekordV002Request(key)) });
    t.equal(v2.status, 503, 'Rekor v2 (Ed25519 checkpoint key): 503');
    t.ok(Number(v2.headers.get('retry-after')) >= 1, 'Rekor v2: Retry-After');
    t.match(await v2.json(), { code: 503, message: /signing key is unavailable/ });

    const tok = await idp.emailToken('carol@example.com');
    const client = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const fulcio = await fetch(`${stack.url}/api/v2/signingCert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        credentials: { oidcIdentityToken: tok },
        publicKeyRequest: {
          publicKey: { algorithm: 'ECDSA', content: client.publicKey.export({ type: 'spki', format: 'pem' }) },
          proofOfPossession: sign('sha256', Buffer.from('carol@example.com'), client.privateKey).toString('base64'),
        },
      }),
    });
    t.equal(fulcio.status, 503, 'Fulcio: 503');
    t.ok(Number(fulcio.headers.get('retry-after')) >= 1, 'Fulcio: Retry-After');
    t.match(await fulcio.json(), { code: 14, message: /unavailable/ });

    for (const path of ['/api/v1/log', '/api/v1/log/publicKey', '/api/v1/timestamp/certchain', '/healthz'])
      t.equal((await fetch(`${stack.url}${path}`)).status, 200, `read ${path} still served`);
    const entry = await fetch(`${stack.url}/api/v1/log/entries?logIndex=0`);
    t.equal(entry.status, 200, 'an existing entry is still served');

    renameSync(away, join(token.tokenDir, tokenSubdir!));
    restored = true;
    // The signer reconnects at most once a second.
    let again: Response | undefined;
    for (let i = 0; i < 20; i++) {
      again = await timestamp(readFileSync(tsq));
      if (again.status === 200) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    t.equal(again?.status, 200, 'the TSA signs again');
    const tsr = join(dir, 'r2.tsr');
    writeFileSync(tsr, Buffer.from(await again!.arrayBuffer()));
    await runOk('openssl', ['ts', '-verify', '-data', artifact, '-in', tsr, '-CAfile', join(dir, 'tsa-root.pem'), '-untrusted', join(dir, 'tsa-leaf.pem')]);
    let rk2: Response | undefined;
    for (let i = 0; i < 20; i++) {
      rk2 = await rekorWrite();
      if (rk2.status === 201) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    t.equal(rk2?.status, 201, 'Rekor v1 logs again');
    const { verified } = await cosign2Keyless('carol@example.com', join(dir, 'after.bundle'));
    t.match(verified.stderr, /Verified OK/, 'cosign signs keyless again, verified with the trust published before the outage');
    t.equal(stack.child.exitCode, null, 'the stack never stopped');
    t.notMatch(stack.output(), /pin-8a7c/, 'no PIN in the logs');
  });
});

t.test('TUF: the online key (snapshot, timestamp) on the token; the stack re-signs with it and cosign 3.1 initialises', async (t) => {
  const r = await runOk(node, [...bin, 'hsm', 'generate', '--uri', token.uri('tuf-online'), '--algorithm', 'ed25519']);
  const uri = /^uri: (\S+)$/m.exec(r.stdout)![1]!;
  // The ceremony (offline, in this process) signs with the token key too.
  const { Pkcs11Signer } = await import('../packages/pkcs11/dist/index.js');
  const online = await Pkcs11Signer.open({ uri, algorithm: 'ed25519' });
  t.teardown(() => online.close());
  const dataDir = join(dir, 'tuf-data');
  const first = await startTestStack(t, { dataDir });
  await stopStack(first);
  const op = await ceremonyFromDevRepository(join(dataDir, 'tuf', 'repository'), join(dir, 'tuf-operator'), { online, timestampExpiryDays: 4 / 86_400 });
  const cfg = join(dir, 'tuf.json');
  writeFileSync(cfg, JSON.stringify({ tuf: { repositoryDir: op.repository, onlineKey: { path: uri }, timestampExpirySeconds: 4 } }));
  const stack = await startTestStack(t, { dataDir, port: first.port, args: ['--config', cfg] });
  const keyid = toTufKey(online.publicKey).keyID;
  const timestamp = async () => (await (await fetch(`${stack.url}/tuf/timestamp.json`)).json()) as { signed: { version: number }; signatures: { keyid: string }[] };
  const ts1 = await timestamp();
  t.same(ts1.signatures.map((s) => s.keyid), [keyid], 'timestamp.json is signed by the token key');
  let ts2 = ts1;
  for (let i = 0; i < 20 && ts2.signed.version === ts1.signed.version; i++) {
    await new Promise((res) => setTimeout(res, 500));
    ts2 = await timestamp();
  }
  t.ok(ts2.signed.version > ts1.signed.version, 'the running stack re-signed timestamp.json');
  t.same(ts2.signatures.map((s) => s.keyid), [keyid], 'with the token key');
  await cosignInitialize(peer('cosign3'), clientEnv(join(dir, 'tuf-client')), `${stack.url}/tuf`, stack.tufRoot);
});
