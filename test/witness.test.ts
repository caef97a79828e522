// Witness cosigning end to end (issue 11, C2SP tlog-witness): two real `sigstack witness`
// processes follow the logs of a stack (given `trust/witness-logs.txt`); Rekor v2 waits
// for both (quorum 2, waitForWitnesses), Rekor v1 and the CT log are cosigned in the
// background by one each. cosign 3.1 signs keyless (CA, Rekor v2, TSA from the signing
// config) and with a key: the bundle's checkpoint carries both cosignatures, and cosign
// 3.1 and sigstore-go verify it with the trusted root. Every tile checkpoint of a log
// with witnesses carries its cosignatures. A forked checkpoint, signed with the log's
// own key, is refused by the witness (422 naming the fork, logged) and keeps being
// refused; the stack keeps serving. A witness down: the v2 write is 503 + Retry-After,
// the entry is logged all the same (the retry gets 409), and once the witness is back
// writes are cosigned again. A restarted stack learns each witness's size from its 409.
// No insecure flag.
import t, { type Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { runClientOk } from './lib/client-run.js';
import { runOk } from './lib/run.js';
import { sigstack } from './lib/sigstack-cli.js';
import { freePort } from './lib/free-port.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { startTestStack, stopStack } from './lib/test-stack.js';
import { generateCosignKeyPair } from './lib/cosign-keys.js';
import { cosign3Blob } from './lib/cosign3-blob.js';
import { hashedRekordV002Request, newSigningKey } from './lib/hashedrekord-entry.js';
import { startWitness, type WitnessProcess } from './lib/witness-process.js';
import { createEd25519NoteSigner, createEd25519NoteVerifier, parseNote, parseVerifierKey, signNote, verifyCheckpoint, verifyNote } from './lib/merkle.js';
import { FileSigner } from '../packages/core/dist/index.js';
import { pollFor } from './lib/poll.js';

t.setTimeout(400_000);
const root = t;

const dir = tempDir(t);
const cosign3 = peer('cosign3');

// 1. The witnesses' keys first (made on first use): the stack is configured with them.
const W = [
  { name: 'w1', keyName: 'w1.witness.example', dataDir: join(dir, 'w1'), port: await freePort() },
  { name: 'w2', keyName: 'w2.witness.example', dataDir: join(dir, 'w2'), port: await freePort() },
];
const vkeys: string[] = [];
for (const w of W) vkeys.push((await runOk(...sigstack(['witness', 'key', '--data-dir', w.dataDir, '--name', w.keyName]))).stdout.trim());
const witnessYaml = (ws: number[], extra = '') =>
  `  witnessing:\n    witnesses:\n${ws.map((i) => `      - { name: ${W[i]!.name}, url: "http://127.0.0.1:${W[i]!.port}", key: "${vkeys[i]}" }\n`).join('')}${extra}`;
const TIMEOUT_MS = 3000;

// 2. The stack: Rekor v2 offered and waiting for both witnesses; v1 and CT fail open.
const { stack, idp, env3: env } = await startKeylessStack(t, dir, {
  stackYaml:
    `rekorV2:\n  offerInSigningConfig: true\n${witnessYaml([0, 1], `    quorum: 2\n    waitForWitnesses: true\n    timeoutMs: ${TIMEOUT_MS}\n`)}` +
    `rekor:\n${witnessYaml([0])}` +
    `ctlog:\n${witnessYaml([1])}`,
});
const blob3 = cosign3Blob(stack, env, cosign3);
const host = new URL(stack.url).hostname;
const trustedRoot = JSON.parse(readFileSync(stack.trustedRoot, 'utf8'));
const v2Log = trustedRoot.tlogs.find((l: { publicKey: { keyDetails: string } }) => l.publicKey.keyDetails === 'PKIX_ED25519');
const v2Verifier = createEd25519NoteVerifier(host, Buffer.from(v2Log.publicKey.rawBytes, 'base64'));

// 3. The witnesses, given the stack's logs as it publishes them.
const logsFile = join(stack.trustDir, 'witness-logs.txt');
const witnesses: WitnessProcess[] = [];
for (const w of W) witnesses.push(await startWitness(t, { dataDir: w.dataDir, name: w.keyName, port: w.port, logsFile }));

/** The witnesses (by index) whose cosignature on `note` verifies with their configured key. */
function cosignedBy(note: string): number[] {
  return vkeys.flatMap((k, i) => {
    try {
      return verifyNote(note, [parseVerifierKey(k)]).verified.length === 1 ? [i] : [];
    } catch {
      return [];
    }
  });
}


async function getText(url: string): Promise<string> {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return r.text();
}

function postV2(body: unknown, url = stack.url): Promise<Response> {
  return fetch(`${url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

t.test('the stack publishes its logs for witnesses; each log with witnesses serves a cosigned tile checkpoint', async (t) => {
  const lines = readFileSync(logsFile, 'utf8').trim().split('\n');
  t.equal(lines.length, 3, 'Rekor v1, Rekor v2, CT');
  t.ok(lines.some((l) => l.startsWith(`${host} ${host}+`)), 'Rekor v2: origin = key name = host');
  t.ok(lines.some((l) => l.startsWith(`${host}/ct ${host}/ct+`)), 'CT: origin <host>/ct');
  for (const [path, want] of [
    ['/api/v2/checkpoint', [0, 1]],
    ['/api/v1/log/tiles/checkpoint', [0]],
    ['/ct/checkpoint', [1]],
  ] as const) {
    const note = await pollFor(`cosignatures on ${path}`, async () => {
      const n = await getText(`${stack.url}${path}`);
      return cosignedBy(n).length === want.length ? n : undefined;
    });
    t.same(cosignedBy(note), want, `${path}: cosigned by ${want.map((i) => W[i]!.name).join(', ')}`);
    t.equal(parseNote(note).signatures.length, 1 + want.length, "the log's signature and the cosignatures, nothing else");
  }
  t.ok(verifyCheckpoint(await getText(`${stack.url}/api/v2/checkpoint`), [v2Verifier], { origin: host }), 'the v2 checkpoint still verifies with the log key');
  const metrics = await getText(`${stack.url}/metrics`);
  t.match(metrics, /sigstack_witness_cosigned_size\{log="rekorV2",witness="w1"\} \d+/);
  t.match(metrics, /sigstack_witness_consecutive_failures\{log="rekorV2",witness="w2"\} 0/);
});

/** The bundle's checkpoint: signed by the v2 log, cosigned by both witnesses, covering its entry. */
function checkCosignedBundle(t: Test, bundlePath: string): void {
  const b = JSON.parse(readFileSync(bundlePath, 'utf8'));
  const e = b.verificationMaterial.tlogEntries[0];
  t.same(e.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
  const envelope: string = e.inclusionProof.checkpoint.envelope;
  const cp = verifyCheckpoint(envelope, [v2Verifier], { origin: host });
  t.equal(String(cp.size), e.inclusionProof.treeSize, 'the checkpoint of the inclusion proof');
  t.same(cosignedBy(envelope), [0, 1], 'cosigned by w1 and w2');
  const names = parseNote(envelope).signatures.map((s: { name: string }) => s.name);
  t.same(names, [host, W[0]!.keyName, W[1]!.keyName], 'note lines: the log, then the witnesses');
}

const artifact = join(dir, 'artifact.txt');
writeFileSync(artifact, `witnessed at ${new Date().toISOString()}\n`);
const keylessBundle = join(dir, 'keyless.sigstore.json');

t.test('cosign 3.1 keyless to Rekor v2: the bundle checkpoint is cosigned; cosign 3.1 and sigstore-go verify it', async (t) => {
  const token = await idp.emailToken('witnessed@example.com');
  await blob3.signKeyless(tokenFile(dir, token), keylessBundle, artifact);
  checkCosignedBundle(t, keylessBundle);
  t.match((await blob3.verify(keylessBundle, 'witnessed@example.com', idp.url, artifact)).stderr, /Verified OK/);
  const v = await runClientOk(
    peer('sigstore-go-verification'),
    ['-trustedrootJSONpath', stack.trustedRoot, '-expectedSAN', 'witnessed@example.com', '-expectedIssuer', idp.url, '-artifact', artifact, keylessBundle],
    { env },
  );
  t.match(v.stdout + v.stderr, /Verification successful!/);
});

t.test('cosign 3.1 with a key to Rekor v2: cosigned checkpoint, verify-blob accepts it', async (t) => {
  const keys = await generateCosignKeyPair(cosign3, dir, env, 'wkey');
  const b = join(dir, 'key.sigstore.json');
  await blob3.signWithKey(keys.key, b, artifact);
  checkCosignedBundle(t, b);
  t.match((await blob3.verifyWithKey(keys.pub, b, artifact)).stderr, /Verified OK/);
});

t.test('a forked checkpoint (signed with the log key itself) is refused, logged, and refused again; the stack keeps serving', async (t) => {
  const w = witnesses[0]!;
  const monitor = `${w.url}/${createHash('sha256').update(host).digest('hex')}/checkpoint`;
  const held = await getText(monitor);
  const size = Number(held.split('\n')[1]);
  t.ok(size > 0, `the witness holds size ${size} of the v2 log`);
  // Whoever holds the log key can sign any tree: the witness is what catches it.
  const logKey = createEd25519NoteSigner(host, FileSigner.open({ path: join(stack.dataDir, 'keys', 'rekor-v2.pem') }));
  const fork = (n: number) => signNote(`${host}\n${n}\n${randomBytes(32).toString('base64')}\n`, [logKey]);
  const addCheckpoint = (body: string) => fetch(`${w.url}/add-checkpoint`, { method: 'POST', body });

  for (const attempt of ['first', 'again']) {
    const r = await addCheckpoint(`old ${size}\n\n${await fork(size)}`);
    t.equal(r.status, 422, `same size, another root (${attempt}): 422`);
    const j = (await r.json()) as { code: number; message: string };
    t.equal(j.code, 422);
    t.match(j.message, new RegExp(`^fork: ${host} already has a different tree of size ${size} .*this witness will not cosign it$`));
  }
  const bigger = await addCheckpoint(`old ${size}\n${randomBytes(32).toString('base64')}\n\n${await fork(size + 3)}`);
  t.equal(bigger.status, 422, 'a larger tree that is not an extension: 422');
  t.match(((await bigger.json()) as { message: string }).message, /does not verify: a bad proof, or a fork of/);
  // Wait for the third refusal's line too: the first one's may reach us before it.
  await pollFor('the forks in the witness log', async () => (w.output().includes(`FORK of ${host}: refused`) && /does not verify: a bad proof, or a fork of/.test(w.output()) ? true : undefined), 5000);
  t.match(w.output(), /does not verify: a bad proof, or a fork of/, 'the larger forked tree is logged too');
  t.equal(await getText(monitor), held, 'the witness still holds the checkpoint it cosigned');

  const r = await postV2(hashedRekordV002Request(newSigningKey()));
  t.equal(r.status, 201, 'the stack still takes writes');
  const envelope = ((await r.json()) as { inclusionProof: { checkpoint: { envelope: string } } }).inclusionProof.checkpoint.envelope;
  t.same(cosignedBy(envelope), [0, 1], 'cosigned by both witnesses, the forking attempt notwithstanding');
});

t.test('a witness down: v2 writes get 503 + Retry-After, the entry stays logged; back up, writes are cosigned again', async (t) => {
  await witnesses[1]!.stop();
  const body = hashedRekordV002Request(newSigningKey());
  const r = await postV2(body);
  t.equal(r.status, 503, 'quorum 2 with one witness: 503');
  t.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
  const index = r.headers.get('x-log-index');
  t.match(index, /^\d+$/, 'x-log-index names the logged entry');
  const j = (await r.json()) as { code: number; message: string };
  t.equal(j.code, 503);
  t.match(j.message, new RegExp(`^the entry is logged at index ${index}, but its checkpoint was not cosigned by the witnesses in time \\(1 of the 2 witness cosignatures`));
  const again = await postV2(body);
  t.equal(again.status, 409, 'the retry finds the entry: nothing lost');
  t.equal(again.headers.get('x-log-index'), index);

  const served = await getText(`${stack.url}/api/v2/checkpoint`);
  t.ok(verifyCheckpoint(served, [v2Verifier], { origin: host }), 'the tile checkpoint is still the log-signed one');
  t.ok(cosignedBy(served).includes(0), 'with the cosignature of the witness that is up');

  // Stopped when the file ends (not with this subtest): the restart test below needs it.
  witnesses[1] = await startWitness(root, { dataDir: W[1]!.dataDir, name: W[1]!.keyName, port: W[1]!.port, logsFile });
  // The log asks a failed witness again after a growing back-off (1 s, 2 s, 4 s, ...). Wait for
  // a checkpoint that covers the entry logged while it was down: for a few seconds the tile
  // checkpoint may still be the older one both had cosigned, and w2 may still be in back-off.
  await pollFor('w2 to cosign the v2 log again', async () => {
    const cp = await getText(`${stack.url}/api/v2/checkpoint`);
    return cosignedBy(cp).length === 2 && Number(cp.split('\n')[1]) > Number(index) ? true : undefined;
  });
  const ok = await postV2(hashedRekordV002Request(newSigningKey()));
  t.equal(ok.status, 201);
  t.same(cosignedBy(((await ok.json()) as { inclusionProof: { checkpoint: { envelope: string } } }).inclusionProof.checkpoint.envelope), [0, 1]);
});

t.test('the stack restarts knowing nothing of the witnesses: each answers 409 with its size, the log proves from there', async (t) => {
  const held = Number((await getText(`${witnesses[0]!.url}/${createHash('sha256').update(host).digest('hex')}/checkpoint`)).split('\n')[1]);
  t.ok(held > 0, `w1 holds size ${held}`);
  await stopStack(stack);
  // Same data directory, port and configuration: the cosigner starts from size 0 for every witness.
  const again = await startTestStack(root, {
    dataDir: stack.dataDir,
    port: stack.port,
    args: ['--fulcio-config', join(dir, 'fulcio-config.json'), '--config', join(dir, 'sigstack.yaml')],
  });
  const note = await pollFor('both cosignatures after the restart', async () => {
    const n = await getText(`${again.url}/api/v2/checkpoint`);
    return cosignedBy(n).length === 2 ? n : undefined;
  });
  t.ok(Number(note.split('\n')[1]) >= held, 'cosigned at the size the witnesses hold (or beyond)');
  const ok = await postV2(hashedRekordV002Request(newSigningKey()), again.url);
  t.equal(ok.status, 201, 'writes are cosigned again');
  t.same(cosignedBy(((await ok.json()) as { inclusionProof: { checkpoint: { envelope: string } } }).inclusionProof.checkpoint.envelope), [0, 1]);
});
