// Witnessing in the stack (issue 11) with hostile witnesses, in process: one that lies
// (a well-formed cosignature by its own key, over another tree) and one that never
// answers. What the log serves is only ever its own signed checkpoint: no forged line
// reaches the tile checkpoint or a write's answer; a Rekor v2 write that waits for the
// witnesses is 503 NOT_WITNESSED with the entry logged; /metrics counts the failures.
// The honest path (real `sigstack witness` processes, cosign 3.1, sigstore-go) is
// test/witness.test.ts.
import t from 'tap';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEphemeralSigner } from '@sigstack/core';
import { createCosignatureV1Signer, parseNote, signNote, verifyCheckpoint, parseVerifierKey } from '@sigstack/merkle';
import { tempStack } from './fixtures.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

// The liar: cosigns, with its real key, a checkpoint of another tree than the one sent.
const liarKey = createCosignatureV1Signer('liar.example', createEphemeralSigner('ed25519'));
const requests = { liar: 0, hang: 0 };
const liar = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', async () => {
    requests.liar++;
    const cp = body.slice(body.indexOf('\n\n') + 2);
    const [origin, size] = cp.split('\n');
    const other = await signNote(`${origin}\n${size}\n${randomBytes(32).toString('base64')}\n`, [liarKey]);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(other.slice(other.indexOf('\n\n') + 2));
  });
});
// The hanging witness: reads the request, never answers.
const hangKey = createCosignatureV1Signer('hang.example', createEphemeralSigner('ed25519'));
const hanging = new Set<import('node:http').ServerResponse>();
const hang = createServer((req, res) => {
  requests.hang++;
  req.resume();
  hanging.add(res);
});
const [liarUrl, hangUrl] = [await listen(liar), await listen(hang)];
t.teardown(async () => {
  for (const r of hanging) r.destroy();
  await Promise.all([new Promise((r) => liar.close(r)), new Promise((r) => hang.close(r))]);
});

const { stack, cleanup } = await tempStack({
  rekorV2: {
    witnessing: {
      witnesses: [
        { name: 'liar', url: liarUrl, key: liarKey.verifierKey },
        { name: 'hang', url: hangUrl, key: hangKey.verifierKey },
      ],
      quorum: 1,
      waitForWitnesses: true,
      timeoutMs: 300,
    },
  },
});
t.teardown(cleanup);
const app = stack.app;
const host = new URL(stack.url).hostname;
const trustedRoot = JSON.parse(readFileSync(join(stack.trustDir, 'trusted_root.json'), 'utf8'));
const v2 = trustedRoot.tlogs.find((l: { publicKey: { keyDetails: string } }) => l.publicKey.keyDetails === 'PKIX_ED25519');
// The v2 line: origin = the host name (Rekor v1's origin is `<host> - <tree ID>`).
const logKey = parseVerifierKey(readFileSync(join(stack.trustDir, 'witness-logs.txt'), 'utf8').split('\n').find((l) => l.startsWith(`${host} ${host}+`))!.split(' ')[1]!);

t.test('witness-logs.txt names the v2 log by the key the trusted root lists', async (t) => {
  t.equal(logKey.name, host);
  t.equal(Buffer.from(v2.checkpointKeyId.keyId, 'base64').subarray(0, 4).toString('hex'), logKey.keyHint.toString('hex'), 'same key ID');
});

t.test('a write waiting for lying and hanging witnesses: 503 NOT_WITNESSED, logged, nothing forged served', async (t) => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const artifact = randomBytes(64);
  const body = {
    hashedRekordRequestV002: {
      digest: createHash('sha256').update(artifact).digest('base64'),
      signature: {
        content: sign('sha256', artifact, key.privateKey).toString('base64'),
        verifier: { publicKey: { rawBytes: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' },
      },
    },
  };
  const r = await app.inject({ method: 'POST', url: '/api/v2/log/entries', payload: body });
  t.equal(r.statusCode, 503);
  t.ok(Number(r.headers['retry-after']) >= 1, 'Retry-After');
  t.equal(r.headers['x-log-index'], '0');
  t.match(r.json().message, /^the entry is logged at index 0, but its checkpoint was not cosigned by the witnesses in time \(0 of the 1 witness cosignatures/);
  t.ok(requests.liar >= 1 && requests.hang >= 1, 'both witnesses were asked');

  const served = (await app.inject({ method: 'GET', url: '/api/v2/checkpoint' })).body;
  const cp = verifyCheckpoint(served, [logKey], { origin: host });
  t.equal(cp.size, 1, 'the log moved on (fail open for reads)');
  t.same(
    parseNote(served).signatures.map((s) => s.name),
    [host],
    "only the log's own signature: the liar's cosignature over another tree is dropped",
  );
  const again = await app.inject({ method: 'POST', url: '/api/v2/log/entries', payload: body });
  t.equal(again.statusCode, 409, 'the entry was kept');
  t.equal(again.headers['x-log-index'], '0');
});

t.test('/metrics: each witness failing, none cosigned', async (t) => {
  const m = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(m, /sigstack_witness_consecutive_failures\{log="rekorV2",witness="liar"\} [1-9]/);
  t.match(m, /sigstack_witness_cosigned_size\{log="rekorV2",witness="liar"\} 0/);
  t.match(m, /sigstack_witness_last_cosigned_timestamp_seconds\{log="rekorV2",witness="hang"\} 0/);
});
