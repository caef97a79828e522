// Rekor v1 REST API through fastify.inject, the rekor plugin alone (rekorRoutes over
// openRekor, no server): create, the three reads, retrieve and search; log info and
// consistency proofs; every bad input a 4xx {code, message} naming the problem with
// nothing appended. What the server adds (mounting, config, trust material) is tested
// in packages/server/test/rekor-api.test.ts.
import t, { type Test } from 'tap';
import { createPublicKey, verify } from 'node:crypto';
import { canonicalize } from '@sigstack/core';
import { leafHash, verifyInclusion, verifyConsistency } from '@sigstack/merkle';
import { hashedrekord, signArtifact } from './hashedrekord-fixture.js';
import { openV1App } from './v1-app.js';

const app = await openV1App(t);

async function logKey() {
  const r = await app.inject({ method: 'GET', url: '/api/v1/log/publicKey' });
  t.equal(r.headers['content-type'], 'application/x-pem-file');
  return createPublicKey(r.body);
}

function checkEntry(t: Test, id: string, e: any, key: ReturnType<typeof createPublicKey>) {
  const body = Buffer.from(e.body, 'base64');
  t.equal(id.slice(16), leafHash(body).toString('hex'), 'entry ID ends with the leaf hash of the body');
  const payload = canonicalize({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex });
  t.ok(verify('sha256', Buffer.from(payload), key, Buffer.from(e.verification.signedEntryTimestamp, 'base64')), 'SET verifies');
  const p = e.verification.inclusionProof;
  verifyInclusion(leafHash(body), p.logIndex, p.treeSize, p.hashes.map((h: string) => Buffer.from(h, 'hex')), Buffer.from(p.rootHash, 'hex'));
  const lines = p.checkpoint.split('\n');
  t.match(lines[0], / - \d+$/, 'checkpoint origin is "<hostname> - <treeID>"');
  t.equal(lines[1], String(p.treeSize));
  t.equal(Buffer.from(lines[2], 'base64').toString('hex'), p.rootHash);
}

t.test('hashedrekord: create, get by UUID / entry ID / index, retrieve, search', async (t) => {
  const key = await logKey();
  const s = signArtifact();
  const res = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord(s) });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.headers['content-type'], /application\/json/);
  const map = res.json();
  const [id] = Object.keys(map);
  t.equal(Object.keys(map).length, 1);
  t.equal(res.headers.etag, id, 'ETag is the raw entry ID');
  t.equal(res.headers.location, `/api/v1/log/entries/${id}`);
  t.equal(id!.length, 80);
  checkEntry(t, id!, map[id!], key);

  const dup = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord(s) });
  t.equal(dup.statusCode, 409);
  t.equal(dup.headers.location, `/api/v1/log/entries/${id}`);
  t.match(dup.json(), { code: 409, message: /already exists/ });

  for (const ref of [id!, id!.slice(16)]) {
    const g = await app.inject({ method: 'GET', url: `/api/v1/log/entries/${ref}` });
    t.equal(g.statusCode, 200);
    t.same(Object.keys(g.json()), [id]);
  }
  const byIndex = await app.inject({ method: 'GET', url: `/api/v1/log/entries?logIndex=${map[id!].logIndex}` });
  t.same(Object.keys(byIndex.json()), [id]);

  const r = await app.inject({ method: 'POST', url: '/api/v1/log/entries/retrieve', payload: { entryUUIDs: [id], logIndexes: [map[id!].logIndex, 99999], entries: [hashedrekord(s)] } });
  t.equal(r.statusCode, 200);
  t.equal(r.json().length, 3, 'the missing index is left out');

  const byHash = await app.inject({ method: 'POST', url: '/api/v1/index/retrieve', payload: { hash: `sha256:${s.digestHex}` } });
  t.same(byHash.json(), [id]);
  const byKey = await app.inject({ method: 'POST', url: '/api/v1/index/retrieve', payload: { publicKey: { format: 'x509', content: s.publicKeyPemB64 } } });
  t.ok(byKey.json().includes(id));
  const both = await app.inject({ method: 'POST', url: '/api/v1/index/retrieve', payload: { hash: s.digestHex, publicKey: { format: 'x509', content: s.publicKeyPemB64 }, operator: 'and' } });
  t.same(both.json(), [id]);
});

t.test('log info and consistency proofs', async (t) => {
  for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord(signArtifact()) });
  const info = (await app.inject({ method: 'GET', url: '/api/v1/log' })).json();
  t.ok(info.treeSize >= 6);
  t.match(info.treeID, /^\d+$/);
  t.same(info.inactiveShards, []);
  const p = (await app.inject({ method: 'GET', url: `/api/v1/log/proof?firstSize=2&lastSize=${info.treeSize}&treeID=${info.treeID}` })).json();
  t.equal(p.rootHash, info.rootHash);
  const first = (await app.inject({ method: 'GET', url: `/api/v1/log/proof?firstSize=1&lastSize=2` })).json();
  verifyConsistency(2, info.treeSize, p.hashes.map((h: string) => Buffer.from(h, 'hex')), Buffer.from(first.rootHash, 'hex'), Buffer.from(info.rootHash, 'hex'));
});

t.test('bad input: 4xx JSON naming the problem, nothing appended, still serving', async (t) => {
  const size = async () => (await app.inject({ method: 'GET', url: '/api/v1/log' })).json().treeSize as number;
  const before = await size();
  const good = signArtifact();
  const other = signArtifact();
  const cases: [string, Record<string, unknown>, number, RegExp][] = [
    ['malformed JSON', { method: 'POST', url: '/api/v1/log/entries', payload: '{"kind":', headers: { 'content-type': 'application/json' } }, 400, /json/i],
    ['unknown kind', { method: 'POST', url: '/api/v1/log/entries', payload: { ...hashedrekord(good), kind: 'nonsense' } }, 400, /nonsense/],
    ['unknown version', { method: 'POST', url: '/api/v1/log/entries', payload: { ...hashedrekord(good), apiVersion: '9.9.9' } }, 400, /9\.9\.9/],
    ['missing spec', { method: 'POST', url: '/api/v1/log/entries', payload: { kind: 'hashedrekord', apiVersion: '0.0.1' } }, 400, /spec/],
    ['missing signature', { method: 'POST', url: '/api/v1/log/entries', payload: { kind: 'hashedrekord', apiVersion: '0.0.1', spec: { data: { hash: { algorithm: 'sha256', value: good.digestHex } } } } }, 400, /signature/],
    ['signature that does not verify', { method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord({ ...good, signatureB64: other.signatureB64 }) }, 400, /signature/i],
    ['digest of the wrong length', { method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord({ ...good, digestHex: good.digestHex.slice(2) }) }, 400, /hash|digest/i],
    ['unsupported key', { method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord({ ...good, publicKeyPemB64: Buffer.from('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n').toString('base64') }) }, 400, /key/i],
    ['body over the limit', { method: 'POST', url: '/api/v1/log/entries', payload: { ...hashedrekord(good), pad: 'x'.repeat(5 * 1024 * 1024) } }, 413, /large|limit/i],
    ['wrong content type', { method: 'POST', url: '/api/v1/log/entries', payload: 'kind=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, /content-type|media type/i],
    ['malformed entry ID', { method: 'GET', url: '/api/v1/log/entries/not-hex' }, 400, /not a valid entry/],
    ['unknown entry', { method: 'GET', url: `/api/v1/log/entries/${'ab'.repeat(32)}` }, 404, /no entry/],
    ['negative log index', { method: 'GET', url: '/api/v1/log/entries?logIndex=-1' }, 400, /logIndex/],
    ['inverted proof range', { method: 'GET', url: '/api/v1/log/proof?firstSize=5&lastSize=2' }, 400, /greater than/],
    ['proof beyond the tree', { method: 'GET', url: '/api/v1/log/proof?firstSize=1&lastSize=999999' }, 400, /tree size/],
    ['unknown tree', { method: 'GET', url: '/api/v1/log/publicKey?treeID=1' }, 400, /treeID/],
    ['too many retrieve queries', { method: 'POST', url: '/api/v1/log/entries/retrieve', payload: { logIndexes: Array.from({ length: 11 }, (_, i) => i) } }, 422, /at most 10/],
    ['empty index query', { method: 'POST', url: '/api/v1/index/retrieve', payload: {} }, 400, /required/],
    ['bad hash query', { method: 'POST', url: '/api/v1/index/retrieve', payload: { hash: 'sha256:xyz' } }, 400, /hash/],
  ];
  for (const [name, req, status, msg] of cases) {
    const r = await app.inject(req as any);
    t.equal(r.statusCode, status, `${name}: status (${r.body.slice(0, 200)})`);
    t.match(r.headers['content-type'], /application\/json/, `${name}: JSON`);
    const body = r.json();
    t.equal(body.code, status, `${name}: code`);
    t.match(body.message, msg, `${name}: message names the problem`);
  }
  t.equal(await size(), before, 'nothing appended');
  const ok = await app.inject({ method: 'POST', url: '/api/v1/log/entries', payload: hashedrekord(signArtifact()) });
  t.equal(ok.statusCode, 201, 'still serving');
});
