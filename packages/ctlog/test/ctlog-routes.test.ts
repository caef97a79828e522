import t, { type Test as Tap } from 'tap';
import Fastify, { type FastifyInstance } from 'fastify';
import * as asn1js from 'asn1js';
import { createPublicKey, verify } from 'node:crypto';
import { extension, issueCertificate } from '@sigstack/x509';
import { createEphemeralSigner } from '@sigstack/core';
import { leafHash, verifyConsistency, verifyInclusion } from '@sigstack/merkle';
import { ctlogRoutes, verifyEmbeddedSct } from '../src/index.js';
import { issueFinal, issueLeaf, issuePrecert, leafFields, makeCa, testLog, POISON_OID, type Ca, type TestLog } from './helpers/pki.js';

const b64 = (b: Buffer) => b.toString('base64');

async function setup(t: Tap, opts: { prefix?: string; bodyLimit?: number } = {}): Promise<{ app: FastifyInstance; log: TestLog; ca: Ca }> {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const app = Fastify();
  await app.register(ctlogRoutes, { ctlog: log.service, ...opts });
  await app.ready();
  t.teardown(() => app.close());
  return { app, log, ca };
}

t.test('add-pre-chain over HTTP returns the RFC 6962 JSON; the SCT embeds and verifies', async (t) => {
  const { app, log, ca } = await setup(t);
  const f = leafFields();
  const precert = await issuePrecert(ca, f);
  const res = await app.inject({ method: 'POST', url: '/ct/v1/add-pre-chain', payload: { chain: [b64(precert), b64(ca.inter), b64(ca.root)] } });
  t.equal(res.statusCode, 200, res.body);
  const j = res.json();
  t.same(Object.keys(j).sort(), ['extensions', 'id', 'sct_version', 'signature', 'timestamp']);
  t.equal(j.sct_version, 0);
  t.equal(j.id, b64(log.logId));
  t.equal(j.timestamp, log.clock.now());
  t.equal(j.extensions, '');
  // Rebuild the TLS SCT from the JSON (what Fulcio does with ct-go's AddChainResponse).
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(j.timestamp));
  const sct = Buffer.concat([Buffer.from([0]), Buffer.from(j.id, 'base64'), ts, Buffer.from([0, 0]), Buffer.from(j.signature, 'base64')]);
  const final = await issueFinal(ca, f, [sct]);
  t.equal(verifyEmbeddedSct(final, ca.inter, log.publicKeyDer).timestampMs, j.timestamp);
});

t.test('add-chain, get-entries, get-roots, get-sth, get-proof-by-hash, get-sth-consistency', async (t) => {
  const { app, log, ca } = await setup(t);
  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    t.equal(r.statusCode, 200, `${url}: ${r.body}`);
    return r.json();
  };
  const cert = await issueLeaf(ca, leafFields());
  const add = await app.inject({ method: 'POST', url: '/ct/v1/add-chain', payload: { chain: [b64(cert), b64(ca.inter)] } });
  t.equal(add.statusCode, 200, add.body);
  const sth1 = await get('/ct/v1/get-sth');
  for (let i = 0; i < 6; i++) {
    log.clock.advance(10);
    const r = await app.inject({ method: 'POST', url: '/ct/v1/add-pre-chain', payload: { chain: [b64(await issuePrecert(ca, leafFields())), b64(ca.inter)] } });
    t.equal(r.statusCode, 200);
  }
  const sth = await get('/ct/v1/get-sth');
  t.same(Object.keys(sth).sort(), ['sha256_root_hash', 'timestamp', 'tree_head_signature', 'tree_size']);
  t.equal(sth.tree_size, 7);
  const input = Buffer.alloc(50);
  input[1] = 1;
  input.writeBigUInt64BE(BigInt(sth.timestamp), 2);
  input.writeBigUInt64BE(7n, 10);
  Buffer.from(sth.sha256_root_hash, 'base64').copy(input, 18);
  t.ok(verify('sha256', input, createPublicKey({ key: log.publicKeyDer, format: 'der', type: 'spki' }), Buffer.from(sth.tree_head_signature, 'base64').subarray(4)));

  t.same(await get('/ct/v1/get-roots'), { certificates: [b64(ca.root)] });
  const entries = (await get('/ct/v1/get-entries?start=0&end=99')).entries as { leaf_input: string; extra_data: string }[];
  t.equal(entries.length, 7);
  t.same((await get('/ct/v1/get-entries?start=2&end=3')).entries, entries.slice(2, 4));
  const root = Buffer.from(sth.sha256_root_hash, 'base64');
  for (let i = 0; i < 7; i++) {
    const h = leafHash(Buffer.from(entries[i]!.leaf_input, 'base64'));
    // Unescaped base64 ('+' may arrive as a space) and percent-escaped both work.
    const p = await get(`/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(b64(h))}&tree_size=7`);
    t.equal(p.leaf_index, i);
    verifyInclusion(h, i, 7, (p.audit_path as string[]).map((x) => Buffer.from(x, 'base64')), root);
  }
  const c = await get(`/ct/v1/get-sth-consistency?first=${sth1.tree_size}&second=7`);
  verifyConsistency(sth1.tree_size, 7, (c.consistency as string[]).map((x) => Buffer.from(x, 'base64')), Buffer.from(sth1.sha256_root_hash, 'base64'), root);
  t.pass('proofs from the routes verify against get-sth');
});

t.test('the prefix is applied by register', async (t) => {
  const { app } = await setup(t, { prefix: '/2026' });
  t.equal((await app.inject({ method: 'GET', url: '/2026/ct/v1/get-sth' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/ct/v1/get-sth' })).statusCode, 404);
});

/** Base64 without its padding: never a multiple of 4 characters, so never canonical. */
function unpadded(s: string): string {
  const u = s.replace(/=+$/, '');
  return u.length % 4 === 0 ? u.slice(0, -2) : u;
}

t.test('hostile input: clear 4xx JSON, nothing appended, still serving', async (t) => {
  const { app, log, ca } = await setup(t, { bodyLimit: 64 * 1024 });
  const other = await makeCa('Other');
  const f = leafFields();
  const precert = await issuePrecert(ca, f);
  const cert = await issueLeaf(ca, f);
  const badSig = Buffer.from(precert);
  badSig[badSig.length - 10]! ^= 0xff;
  const nonCriticalPoison = await issueLeaf(ca, leafFields(), extension(POISON_OID, false, new asn1js.Null()));
  // An intermediate marked as a Precertificate Signing Certificate (RFC 6962 §3.1).
  const pscSigner = createEphemeralSigner();
  const psc = await issueCertificate({
    subject: { commonName: 'Precert Signer' },
    publicKeyDer: pscSigner.publicKeyDer,
    signer: ca.rootSigner,
    issuerCertificate: ca.root,
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(2027, 0, 1)),
    basicConstraints: { ca: true, pathLength: 0 },
    extendedKeyUsage: { purposes: ['1.3.6.1.4.1.11129.2.4.4'], critical: false },
  });
  const pscPrecert = await issueLeaf(ca, leafFields(), (await import('./helpers/pki.js')).poisonExtension(), { signer: pscSigner, issuer: psc });

  const post = (url: string, payload: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers });
  const cases: [string, () => ReturnType<typeof post>, number, RegExp][] = [
    ['malformed JSON', () => post('/ct/v1/add-pre-chain', '{"chain": ['), 400, /JSON/i],
    ['empty body', () => post('/ct/v1/add-pre-chain', ''), 400, /body/i],
    ['body not an object', () => post('/ct/v1/add-pre-chain', '[1]'), 400, /^body: must be a JSON object/],
    ['chain missing', () => post('/ct/v1/add-pre-chain', {}), 400, /^chain: required/],
    ['chain not an array', () => post('/ct/v1/add-pre-chain', { chain: b64(precert) }), 400, /^chain: must be an array/],
    ['chain empty', () => post('/ct/v1/add-pre-chain', { chain: [] }), 400, /^chain: must hold at least one/],
    ['chain too long', () => post('/ct/v1/add-pre-chain', { chain: Array(11).fill(b64(ca.inter)) }), 400, /^chain: at most 10/],
    ['element not a string', () => post('/ct/v1/add-pre-chain', { chain: [b64(precert), 7] }), 400, /^chain\[1\]: must be a base64 string/],
    ['bad base64', () => post('/ct/v1/add-pre-chain', { chain: ['***', b64(ca.inter)] }), 400, /^chain\[0\]: invalid base64/],
    // Unpadded whatever the certificate's length (a length ≡ 0 mod 3 has no padding to drop).
    ['unpadded base64', () => post('/ct/v1/add-pre-chain', { chain: [unpadded(b64(precert)), b64(ca.inter)] }), 400, /invalid base64/],
    ['not a certificate', () => post('/ct/v1/add-pre-chain', { chain: [b64(Buffer.from('hello world!')), b64(ca.inter)] }), 400, /^chain\[0\]: not a DER X.509 certificate/],
    ['precert without poison', () => post('/ct/v1/add-pre-chain', { chain: [b64(cert), b64(ca.inter)] }), 400, /^chain\[0\]: not a precertificate/],
    ['non-critical poison', () => post('/ct/v1/add-pre-chain', { chain: [b64(nonCriticalPoison), b64(ca.inter)] }), 400, /must be critical/],
    ['poison on add-chain', () => post('/ct/v1/add-chain', { chain: [b64(precert), b64(ca.inter)] }), 400, /must be submitted with add-pre-chain/],
    ['unknown root', () => post('/ct/v1/add-pre-chain', { chain: [b64(precert), b64(other.inter)] }), 400, /accepted root/],
    ['broken signature', () => post('/ct/v1/add-pre-chain', { chain: [b64(badSig), b64(ca.inter)] }), 400, /signature does not verify/],
    ['precert signing certificate', () => post('/ct/v1/add-pre-chain', { chain: [b64(pscPrecert), b64(psc), b64(ca.root)] }), 400, /Precertificate Signing Certificates/],
    ['oversized body', () => post('/ct/v1/add-pre-chain', { chain: ['A'.repeat(70 * 1024)] }), 413, /too large/i],
  ];
  for (const [name, fn, status, msg] of cases) {
    const r = await fn();
    t.equal(r.statusCode, status, `${name}: status (${r.body})`);
    const j = r.json();
    t.same(Object.keys(j).sort(), ['code', 'message'], `${name}: body shape`);
    t.equal(j.code, status, `${name}: code`);
    t.match(j.message, msg, `${name}: message`);
  }
  t.equal(log.service.treeSize(), 0, 'nothing appended');

  const ok = await post('/ct/v1/add-pre-chain', { chain: [b64(precert), b64(ca.inter)] });
  t.equal(ok.statusCode, 200, 'still serving');

  const gets: [string, number, RegExp][] = [
    ['/ct/v1/get-entries?start=1&end=5', 400, /start \(1\) is beyond the tree/],
    ['/ct/v1/get-entries?start=0', 400, /^end: query parameter is required/],
    ['/ct/v1/get-entries?start=3&end=2', 400, /greater than end/],
    ['/ct/v1/get-entries?start=-1&end=2', 400, /not a non-negative integer/],
    ['/ct/v1/get-entries?start=01&end=2', 400, /not a non-negative integer/],
    ['/ct/v1/get-entries?start=0&end=99999999999999999999', 400, /not a non-negative integer/],
    ['/ct/v1/get-entries?start=0&start=1&end=2', 400, /given once/],
    ['/ct/v1/get-sth-consistency?first=2&second=1', 400, /greater than second/],
    ['/ct/v1/get-sth-consistency?first=1&second=2', 400, /greater than the current tree size/],
    ['/ct/v1/get-sth-consistency?first=x&second=1', 400, /^first:/],
    ['/ct/v1/get-proof-by-hash?hash=abc&tree_size=1', 400, /^hash: .* is not base64/],
    ['/ct/v1/get-proof-by-hash?hash=AAAA&tree_size=1', 400, /32 bytes, got 3/],
    ['/ct/v1/get-proof-by-hash?tree_size=1', 400, /^hash: query parameter is required/],
    [`/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(b64(Buffer.alloc(32)))}&tree_size=1`, 404, /no leaf with hash/],
    [`/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(b64(Buffer.alloc(32)))}&tree_size=2`, 400, /greater than the current tree size/],
    [`/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(b64(Buffer.alloc(32)))}&tree_size=0`, 400, /at least 1/],
  ];
  for (const [url, status, msg] of gets) {
    const r = await app.inject({ method: 'GET', url });
    t.equal(r.statusCode, status, `${url}: ${r.body}`);
    t.equal(r.json().code, status);
    t.match(r.json().message, msg, url);
  }
  t.equal(log.service.treeSize(), 1);
});

t.test('engine pushback is 503 with Retry-After', async (t) => {
  const ca = await makeCa();
  const log = await testLog(t, ca);
  const { openCtLog } = await import('../src/index.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const small = await openCtLog({ path: join(mkdtempSync(join(tmpdir(), 'ctlog-pb-')), 'ct.db'), signer: log.signer, roots: [ca.root], maxPending: 1, maxBatchWaitMs: 50 });
  t.teardown(() => small.close());
  const app = Fastify();
  await app.register(ctlogRoutes, { ctlog: small.service });
  t.teardown(() => app.close());
  const chains = await Promise.all([0, 1, 2].map(async () => ({ chain: [b64(await issuePrecert(ca, leafFields())), b64(ca.inter)] })));
  const rs = await Promise.all(chains.map((payload) => app.inject({ method: 'POST', url: '/ct/v1/add-pre-chain', payload })));
  const codes = rs.map((r) => r.statusCode).sort();
  t.equal(codes[0], 200);
  const busy = rs.find((r) => r.statusCode === 503);
  t.ok(busy, `one refused (${codes.join(',')})`);
  t.match(busy!.headers['retry-after'], /^[12]$/);
  t.match(busy!.json(), { code: 503, message: /./ });
});

t.test('get-entries returns at most MAX_GET_ENTRIES per call', async (t) => {
  const { MAX_GET_ENTRIES } = await import('../src/index.js');
  const { app, log, ca } = await setup(t);
  const n = MAX_GET_ENTRIES + 4;
  const precerts = await Promise.all(Array.from({ length: n }, () => issuePrecert(ca, leafFields())));
  await Promise.all(precerts.map((p) => log.service.addPreChain([p, ca.inter])));
  t.equal(log.service.treeSize(), n);
  const r = await app.inject({ method: 'GET', url: `/ct/v1/get-entries?start=1&end=${n * 2}` });
  t.equal(r.json().entries.length, MAX_GET_ENTRIES);
  const rest = await app.inject({ method: 'GET', url: `/ct/v1/get-entries?start=${MAX_GET_ENTRIES + 1}&end=${n * 2}` });
  t.equal(rest.json().entries.length, n - MAX_GET_ENTRIES - 1, 'cut at the tree size');
});
