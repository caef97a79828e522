// Entries read from tiles (the CT log, Rekor v2): the decoders on leaves made here the
// way ctlog and rekor v2 make them, and checkTileEntry over a log of @sigstack/merkle
// (the engine the stack serves tiles from): verified, a changed tile, a wrong leaf.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEd25519NoteSigner, createLog, leafHash, MemoryStore, parseTilePath } from '@sigstack/merkle';
import { decodeCertificate, decodeTbsCertificate, pemBlocks } from '../src/decode/certificate.js';
import { children, readDer } from '../src/decode/der.js';
import { decodeCtLeaf, decodeRekorV2Entry } from '../src/decode/tile-entry.js';
import { checkTileEntry } from '../src/verify/tile-entry-checks.js';
import type { CheckpointSignatureResult } from '../src/verify/log-keys.js';
import { parseCheckpoint } from '../src/verify/note.js';
import type { TileReader } from '../src/verify/tile-proof.js';

const dir = mkdtempSync(join(tmpdir(), 'explorer-tile-entry-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1',
  '-subj', '/CN=tile test', '-addext', 'subjectAltName=email:ct@example.com',
], { stdio: 'pipe' });
const der = Buffer.from(pemBlocks(readFileSync(join(dir, 'c.pem'), 'utf8'), 'CERTIFICATE')[0]!);
const u = (n: number, bytes: number) => Buffer.from(Array.from({ length: bytes }, (_, i) => Math.floor(n / 256 ** (bytes - 1 - i)) % 256));
/** RFC 6962 MerkleTreeLeaf, as ctlog's tls-structs.ts encodes it. */
const ctLeaf = (type: 0 | 1, body: Buffer, ts = 1_700_000_000_123) =>
  Buffer.concat([Buffer.from([0, 0]), u(ts, 8), u(type, 2), type === 1 ? Buffer.alloc(32, 7) : Buffer.alloc(0), u(body.length, 3), body, u(0, 2)]);

t.test('CT leaves: x509 and precert entries decode, the certificate or TBS with the certificate decoder', async (t) => {
  const x = decodeCtLeaf(ctLeaf(0, der));
  t.equal(x.entryType, 'x509');
  t.equal(x.timestampMs, 1_700_000_000_123);
  t.same(decodeCertificate(x.der).sans, ['email:ct@example.com']);
  const tbsDer = children(readDer(der).el)[0]!.raw; // the TBSCertificate, as a precert entry logs it
  const p = decodeCtLeaf(ctLeaf(1, Buffer.from(tbsDer)));
  t.equal(p.entryType, 'precert');
  t.same(p.issuerKeyHash, new Uint8Array(32).fill(7));
  t.same(decodeTbsCertificate(p.der).sans, ['email:ct@example.com']);
  t.throws(() => decodeCtLeaf(ctLeaf(0, der).subarray(0, 20)), { code: 'BAD_ENTRY' });
  t.throws(() => decodeCtLeaf(Buffer.concat([ctLeaf(0, der), Buffer.from([0])])), { code: 'BAD_ENTRY' });
  t.throws(() => decodeCtLeaf(Buffer.concat([Buffer.from([1, 0]), ctLeaf(0, der).subarray(2)])), { code: 'BAD_ENTRY' });
});

t.test('Rekor v2 entries: hashedrekord and dsse canonical JSON decode; bad JSON is BAD_ENTRY', async (t) => {
  const digest = createHash('sha256').update('x').digest();
  const hr = decodeRekorV2Entry(Buffer.from(JSON.stringify({
    apiVersion: '0.0.2', kind: 'hashedrekord',
    spec: { hashedRekordV002: { data: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: { content: 'AA==', verifier: { keyDetails: 'PKIX_ECDSA_P256_SHA_256', x509Certificate: { rawBytes: der.toString('base64') } } } } },
  })));
  t.match(hr, { kind: 'hashedrekord', apiVersion: '0.0.2', artifactHash: `sha256:${digest.toString('hex')}`, keyDetails: 'PKIX_ECDSA_P256_SHA_256', signatures: 1 });
  t.same(hr.certificateDer, new Uint8Array(der));
  const ds = decodeRekorV2Entry(Buffer.from(JSON.stringify({
    apiVersion: '0.0.2', kind: 'dsse',
    spec: { dsseV002: { payloadHash: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signatures: [{ content: 'AA==', verifier: { keyDetails: 'PKIX_ED25519', publicKey: { rawBytes: 'AAAA' } } }] } },
  })));
  t.match(ds, { kind: 'dsse', artifactHash: `sha256:${digest.toString('hex')}`, signatures: 1 });
  t.same(ds.publicKeyDer, new Uint8Array([0, 0, 0]));
  t.throws(() => decodeRekorV2Entry(Buffer.from('{nope')), { code: 'BAD_ENTRY' });
  t.throws(() => decodeRekorV2Entry(Buffer.from('{"kind":1}')), { code: 'BAD_ENTRY' });
});

t.test('checkTileEntry: verified from the engine’s tiles; a changed tile or entry fails', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const signer = { algorithm: 'ed25519', publicKey, publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }), sign: async (d: Uint8Array) => sign(null, d, privateKey) };
  const log = await createLog({ store: new MemoryStore(), origin: 'tiles.example/e', noteSigner: createEd25519NoteSigner('tiles.example/e', signer as never), maxBatchWaitMs: 0 });
  t.teardown(() => log.close());
  const leaves = Array.from({ length: 300 }, (_, i) => Buffer.from(`entry ${i}`));
  await Promise.all(leaves.map((leaf) => log.add({ identity: leafHash(leaf), leaf })));
  const cp = parseCheckpoint(log.checkpoint().text.slice(0, log.checkpoint().text.indexOf('\n\n') + 1));
  const sig: CheckpointSignatureResult = { ok: true, detail: 'signed (test)', others: [] };
  const read = (flip?: string): TileReader => async (path) => {
    const c = parseTilePath(path);
    if (c.kind !== 'hash') throw new Error('not a hash tile');
    const b = new Uint8Array(log.readTile(c.level, c.index, c.width));
    if (path === flip) b[b.length - 1]! ^= 1;
    return b;
  };
  const status = (cs: { id: string; ok: boolean }[]) => Object.fromEntries(cs.map((c) => [c.id, c.ok]));
  t.same(status(await checkTileEntry(leaves[257]!, 257, cp, sig, read())), { 'checkpoint-signature': true, 'leaf-hash': true, inclusion: true, 'checkpoint-root': true });
  t.same(status(await checkTileEntry(leaves[3]!, 3, cp, sig, read('tile/0/001.p/44'))), { 'checkpoint-signature': true, 'leaf-hash': true, inclusion: false, 'checkpoint-root': false }, 'a changed hash tile');
  t.same(status(await checkTileEntry(Buffer.from('forged'), 3, cp, sig, read())), { 'checkpoint-signature': true, 'leaf-hash': false, inclusion: false, 'checkpoint-root': false }, 'another entry');
  t.same(status(await checkTileEntry(leaves[3]!, 3, cp, { ...sig, ok: false }, read())), { 'checkpoint-signature': false, 'leaf-hash': true, inclusion: true, 'checkpoint-root': false }, 'an unsigned checkpoint proves nothing');
});
