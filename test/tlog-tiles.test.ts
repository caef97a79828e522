// issue 11 part B: every log of a real stack read through its C2SP tlog-tiles view by an
// independent reader (test/lib/tlog-tiles-reader.ts: own hashing, paths and note
// verification, no @sigstack/merkle): the tree recomputed from entry bundles and tiles
// matches the signed checkpoint, the log grows and consistency is checked from tiles
// alone; cache headers; hostile paths sent raw (no client-side normalisation).
import t from 'tap';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { startTestStack } from './lib/test-stack.js';
import { SIGSTACK_BIN } from './lib/stack-process.js';
import { run } from './lib/run.js';
import { hashedrekordEntry, hashedRekordV002Request, newSigningKey } from './lib/hashedrekord-entry.js';
import { getLogInfo, postEntry } from './lib/rekor-api.js';
import { keyHint, TlogTilesReader, verifyCheckpointNote, verifyConsistency, type Checkpoint, type NoteKey } from './lib/tlog-tiles-reader.js';

t.setTimeout(300_000);

const stack = await startTestStack(t);
const host = new URL(stack.url).hostname;
const signingKey = newSigningKey();

/** Runs `n` jobs, `concurrency` at a time. */
async function pool(n: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < n; i = next++) await job(i);
  }));
}

/**
 * Sends until the stack accepts: under CI's parallel load the stack may shed a write with
 * 503 + Retry-After (its load shedding), and a client is expected to come back then.
 */
async function accepted<R extends { status: number; headers: Headers }>(send: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const r = await send();
    if (r.status !== 503 || attempt === 10) return r;
    await new Promise((res) => setTimeout(res, 1000 * Math.min(5, Number(r.headers.get('retry-after')) || 1)));
  }
}

async function rekorEntries(n: number): Promise<void> {
  await pool(n, 16, async () => {
    const r = await accepted(() => postEntry(stack.url, hashedrekordEntry(signingKey).entry));
    if (r.status !== 201) throw new Error(`POST entry: ${r.status} ${r.body}`);
  });
}

// CT entries the way they are made in production: each Fulcio certificate's precertificate.
const email = 'tiles@example.com';
const tok = await run(process.execPath, [SIGSTACK_BIN, 'dev-token', '--data-dir', stack.dataDir, '--email', email, '--ttl', '3600'], { timeoutMs: 20_000 });
if (tok.code !== 0) throw new Error(`dev-token failed: ${tok.stderr}`);
const token = tok.stdout.trim();
async function certificates(n: number): Promise<void> {
  await pool(n, 8, async () => {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const r = await accepted(() => fetch(`${stack.url}/api/v2/signingCert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        publicKeyRequest: {
          publicKey: { algorithm: 'ECDSA', content: k.publicKey.export({ type: 'spki', format: 'pem' }) },
          proofOfPossession: sign('sha256', Buffer.from(email), k.privateKey).toString('base64'),
        },
      }),
    }));
    if (r.status !== 200) throw new Error(`signingCert: ${r.status} ${await r.text()}`);
  });
}

// Rekor v2 entries as a client sends them (protocols.md §7.2): hashedrekord 0.0.2 with the SPKI of the key.
async function rekorV2Entries(n: number): Promise<void> {
  await pool(n, 16, async () => {
    const body = JSON.stringify(hashedRekordV002Request(signingKey));
    const r = await accepted(() => fetch(`${stack.url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    if (r.status !== 201) throw new Error(`POST /api/v2/log/entries: ${r.status} ${await r.text()}`);
  });
}

interface View {
  name: string;
  prefix: string;
  key: NoteKey;
  origin: string;
  size(): Promise<number>;
}
const treeId = (await getLogInfo(stack.url)).treeID;
const views: View[] = [
  {
    name: 'Rekor v1',
    prefix: `${stack.url}/api/v1/log/tiles`,
    // Rekor v1 signs its checkpoint as "<host>" with the log key (ECDSA, key ID = SHA-256(SPKI)).
    key: { name: host, type: 'ecdsa', key: createPublicKey(readFileSync(stack.rekorPub)) },
    origin: `${host} - ${treeId}`,
    size: async () => (await getLogInfo(stack.url)).treeSize,
  },
  {
    name: 'CT',
    prefix: `${stack.url}/ct`,
    // The CT log's checkpoint: origin and key name "<host>/ct", the CT log key (ctfe.pub).
    key: { name: `${host}/ct`, type: 'ecdsa', key: createPublicKey(readFileSync(stack.ctfePub)) },
    origin: `${host}/ct`,
    size: async () => ((await (await fetch(`${stack.url}/ct/v1/get-sth`)).json()) as { tree_size: number }).tree_size,
  },
];
// The Rekor v2 log (on by default in development): its key and key ID from the trusted root the stack published.
const trustedRoot = JSON.parse(readFileSync(stack.trustedRoot, 'utf8')) as { tlogs: { publicKey: { rawBytes: string; keyDetails: string }; checkpointKeyId?: { keyId: string } }[] };
const v2 = trustedRoot.tlogs.find((l) => l.checkpointKeyId !== undefined);
const v2Key: NoteKey | undefined = v2 && { name: host, type: 'ed25519', key: createPublicKey({ key: Buffer.from(v2.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' }) };
if (v2 && v2Key) {
  views.push({
    name: 'Rekor v2',
    prefix: `${stack.url}/api/v2`,
    key: v2Key,
    origin: host,
    size: async () => (await new TlogTilesReader(`${stack.url}/api/v2`, v2Key).checkpoint()).size,
  });
}
async function grow(): Promise<void> {
  await rekorEntries(300);
  await certificates(300);
  if (v2) await rekorV2Entries(300);
}

await grow();

t.test('the stack serves a Rekor v2 log with an Ed25519 checkpoint key', async (t) => {
  t.ok(v2, 'trusted root lists a log with a checkpointKeyId');
  t.equal(v2!.publicKey.keyDetails, 'PKIX_ED25519');
  t.equal(keyHint(v2Key!).toString('base64'), Buffer.from(v2!.checkpointKeyId!.keyId, 'base64').subarray(0, 4).toString('base64'), 'C2SP key ID of "<host>" + key = the trusted root\'s checkpointKeyId');
});

const first = new Map<string, Checkpoint>();

t.test('each log: the tree recomputed from entry bundles and tiles matches its signed checkpoint', async (t) => {
  for (const v of views) {
    const reader = new TlogTilesReader(v.prefix, v.key, { origin: v.origin });
    const cp = await reader.checkpoint();
    t.equal(cp.size, await v.size(), `${v.name}: checkpoint is at the log's size`);
    t.ok(cp.size >= 300, `${v.name}: ${cp.size} entries: a full level-0 tile and a level-1 tile`);
    const check = await reader.verifyTree(cp);
    t.equal(check.entries.length, cp.size, `${v.name}: every entry read and hashed into the tiles and the root`);
    first.set(v.name, cp);
  }
  // Rekor v1's tile checkpoint is the one its API serves.
  const info = await getLogInfo(stack.url);
  if (info.treeSize === first.get('Rekor v1')!.size) t.equal(first.get('Rekor v1')!.note, info.signedTreeHead, 'same note as /api/v1/log');
  // The entries are the logs' own leaves: a Rekor v1 canonical body.
  const v1 = await new TlogTilesReader(views[0]!.prefix, views[0]!.key).entryBundle(0, 1);
  t.match(JSON.parse(v1[0]!.toString()), { kind: 'hashedrekord', apiVersion: '0.0.1' });
  const v2view = views.find((v) => v.name === 'Rekor v2');
  if (v2view) {
    const e = await new TlogTilesReader(v2view.prefix, v2view.key).entryBundle(0, 1);
    t.match(JSON.parse(e[0]!.toString()), { kind: 'hashedrekord', apiVersion: '0.0.2' }, 'Rekor v2 entry bundles hold the canonical 0.0.2 bodies');
  }
});

t.test('the logs grow; consistency between two checkpoints from tiles alone', async (t) => {
  await grow();
  for (const v of views) {
    const older = first.get(v.name)!;
    const reader = new TlogTilesReader(v.prefix, v.key, { origin: v.origin });
    const newer = await reader.checkpoint();
    t.ok(newer.size >= older.size + 300, `${v.name}: grew to ${newer.size}`);
    const before = reader.fetched;
    const proof = await reader.verifyConsistency(older, newer);
    t.ok(proof.length > 0, `${v.name}: ${older.size} → ${newer.size} consistent (${proof.length}-hash proof from ${reader.fetched - before} tile reads, no entries)`);
    t.same(await reader.rootAt(older.size, newer.size), older.rootHash, `${v.name}: the old root from the new tree's tiles`);
    t.throws(() => verifyConsistency(older.size, newer.size, proof, Buffer.alloc(32), newer.rootHash), /old root/, `${v.name}: a wrong old root fails`);
    await reader.verifyTree(newer);
    // The partial tile of the older checkpoint was completed since: still served (C2SP lets a log drop it; we keep it).
    const w = older.size % 256;
    const r = await fetch(`${v.prefix}/tile/0/${String(Math.floor(older.size / 256)).padStart(3, '0')}.p/${w}`);
    t.equal(r.status, 200, `${v.name}: an older partial tile is still served`);
  }
  // Cross-check with the log's own proof API for Rekor v1.
  const older = first.get('Rekor v1')!;
  const reader = new TlogTilesReader(views[0]!.prefix, views[0]!.key);
  const newer = await reader.checkpoint();
  const api = (await (await fetch(`${stack.url}/api/v1/log/proof?firstSize=${older.size}&lastSize=${newer.size}`)).json()) as { hashes: string[] };
  t.same((await reader.consistencyProof(older.size, newer.size)).map((h) => h.toString('hex')), api.hashes, 'tiles give the same proof as /api/v1/log/proof');
  // Edge sizes (powers of two, tile boundaries): the tile proof verifies against the signed root and equals the API's.
  for (const m of [1, 2, 3, 255, 256, 257, 511, 512, 513].filter((m) => m < newer.size)) {
    const proof = await reader.consistencyProof(m, newer.size);
    verifyConsistency(m, newer.size, proof, await reader.rootAt(m, newer.size), newer.rootHash);
    const a = (await (await fetch(`${stack.url}/api/v1/log/proof?firstSize=${m}&lastSize=${newer.size}`)).json()) as { hashes: string[] };
    t.same(proof.map((h) => h.toString('hex')), a.hashes, `${m} → ${newer.size}: verified, same as the API's proof`);
  }
});

t.test('the reader refuses a checkpoint that is not the log\'s', async (t) => {
  const v = views[0]!;
  const note = await (await fetch(`${v.prefix}/checkpoint`)).text();
  const lines = note.split('\n');
  const forged = [lines[0], String(Number(lines[1]) + 1), ...lines.slice(2)].join('\n');
  t.throws(() => verifyCheckpointNote(forged, v.key), /does not verify/, 'a changed size breaks the signature');
  t.throws(() => verifyCheckpointNote(note, { ...v.key, name: 'other.example' }), /no signature by other.example/, 'another key name is not this log');
  t.throws(() => verifyCheckpointNote(note, views[1]!.key), /no signature/, "the CT key does not verify Rekor's checkpoint");
  t.throws(() => verifyCheckpointNote(note, v.key, 'elsewhere'), /origin/, 'origin pinned');
});

t.test('cache headers over HTTP', async (t) => {
  for (const v of views) {
    const cp = await fetch(`${v.prefix}/checkpoint`);
    t.equal(cp.headers.get('content-type'), 'text/plain; charset=utf-8', v.name);
    t.equal(cp.headers.get('cache-control'), 'no-cache', `${v.name}: checkpoint revalidated each use`);
    const etag = cp.headers.get('etag')!;
    t.ok(etag, 'checkpoint ETag');
    t.equal((await fetch(`${v.prefix}/checkpoint`, { headers: { 'if-none-match': etag } })).status, 304, `${v.name}: 304 while unchanged`);
    const full = await fetch(`${v.prefix}/tile/0/000`);
    t.equal(full.status, 200);
    t.equal(full.headers.get('content-type'), 'application/octet-stream');
    t.equal(full.headers.get('cache-control'), 'public, max-age=31536000, immutable', `${v.name}: full tiles immutable`);
    t.equal((await full.arrayBuffer()).byteLength, 8192);
    const bundle = await fetch(`${v.prefix}/tile/entries/000`);
    t.equal(bundle.headers.get('cache-control'), 'public, max-age=31536000, immutable', `${v.name}: full entry bundles immutable`);
    const size = (await new TlogTilesReader(v.prefix, v.key).checkpoint()).size;
    const partial = await fetch(`${v.prefix}/tile/1/000.p/${Math.floor(size / 256)}`);
    t.equal(partial.status, 200);
    t.equal(partial.headers.get('cache-control'), 'public, max-age=3600', `${v.name}: partial tiles cacheable, not immutable`);
    const head = await fetch(`${v.prefix}/tile/0/000`, { method: 'HEAD' });
    t.equal(head.status, 200);
    t.equal(head.headers.get('content-length'), '8192', `${v.name}: HEAD`);
  }
});

/** GET with the path sent exactly as given (fetch would resolve `..` and re-encode). */
function rawGet(path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(stack.url);
  return new Promise((res, rej) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'GET' }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

t.test('hostile paths: 4xx with {code, message}, and the server keeps serving', async (t) => {
  for (const v of views) {
    const prefix = new URL(v.prefix).pathname;
    for (const p of [
      'tile/../checkpoint',
      'tile/0/../../checkpoint',
      'tile/%2e%2e/checkpoint',
      'tile/0/..%2f000',
      'tile/0/x1/2',
      'tile/0/x000/001',
      'tile/0/0000',
      'tile/0/x999/x999/x999/x999/x999/x999/999',
      'tile/0/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/x999/999',
      'tile/64/000',
      'tile/9999999999999999999999/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/-1',
      'tile/0/099.p/1', // beyond the edge
      'tile/0/002.p/255', // wider than the edge
      'tile/3/000.p/1',
      'tile/entries/099',
      'tile/entries/000.p/0',
      'tile/%00/000',
      `tile/0/${'x000/'.repeat(2000)}000`,
    ]) {
      const r = await rawGet(`${prefix}/${p}`);
      t.ok(r.status >= 400 && r.status < 500, `${v.name} ${p.slice(0, 60)}: ${r.status}`);
      t.match(JSON.parse(r.body), { code: r.status, message: /\S/ }, `${v.name} ${p.slice(0, 60)}: JSON error`);
    }
  }
  const cp = await rawGet(`${new URL(views[0]!.prefix).pathname}/checkpoint`);
  t.equal(cp.status, 200, 'still serving');
  t.equal((await fetch(`${views[0]!.prefix}/checkpoint`, { method: 'POST', body: 'x' })).status, 404, 'no writes through the view');
});
