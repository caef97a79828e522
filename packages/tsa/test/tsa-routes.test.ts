import t, { type Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { systemClock } from '@sigstack/core';
import { DEFAULT_POLICY_OID, openDevChain, TimestampAuthority, tsaRoutes } from '../src/index.js';
import { buildRequest, decodeResponse, tempTsa, tsaApp } from './helpers.js';

const { tsa, cleanup } = await tempTsa();
t.teardown(cleanup);
const app = await tsaApp(tsa, 10 * 1024);
t.teardown(() => app.close());

const digest = createHash('sha256').update('hello').digest();
const good = buildRequest({ digest, nonce: randomBytes(8).fill(1, 0, 1), certReq: true });

async function post(payload: Buffer | string, contentType?: string) {
  return app.inject({ method: 'POST', url: '/api/v1/timestamp', payload, headers: contentType === undefined ? {} : { 'content-type': contentType } });
}

/** After every refusal the server must still grant a valid request. */
async function stillServes(t: Test) {
  const r = await post(good, 'application/timestamp-query');
  t.equal(r.statusCode, 200, 'a valid request afterwards is granted');
  t.equal(decodeResponse(r.rawPayload).status, 0);
}

t.test('DER request: 200, exact Content-Type, granted token', async (t) => {
  const r = await post(good, 'application/timestamp-query');
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'application/timestamp-reply', 'exactly application/timestamp-reply (gitsign string-compares)');
  const d = decodeResponse(r.rawPayload);
  t.equal(d.status, 0);
  t.equal(d.token!.certificates.length, 1);
});

t.test('media type parameters and case are accepted', async (t) => {
  for (const ct of ['application/timestamp-query; charset=binary', 'Application/Timestamp-Query']) {
    const r = await post(good, ct);
    t.equal(r.statusCode, 200, ct);
  }
});

t.test('JSON request (sigstore-js form)', async (t) => {
  const r = await post(JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256' }), 'application/json');
  t.equal(r.statusCode, 200, r.body);
  t.equal(r.headers['content-type'], 'application/timestamp-reply');
  const d = decodeResponse(r.rawPayload);
  t.equal(d.status, 0);
  t.same(Buffer.from(d.token!.tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView), digest);
  t.equal(d.token!.tstInfo.nonce, undefined);
  t.same(d.token!.certificates, [], 'no certificates unless asked');
});

t.test('JSON request with every field, upper-case algorithm, big nonce', async (t) => {
  const d384 = createHash('sha384').update('x').digest();
  const body = `{"artifactHash":"${d384.toString('base64')}","hashAlgorithm":"SHA384","certificates":true,"nonce":123456789012345678901234567890,"tsaPolicyOID":"${DEFAULT_POLICY_OID}"}`;
  const r = await post(body, 'application/json; charset=utf-8');
  t.equal(r.statusCode, 200, r.body);
  const d = decodeResponse(r.rawPayload);
  t.equal(d.token!.tstInfo.messageImprint.hashAlgorithm.algorithmId, '2.16.840.1.101.3.4.2.2');
  t.equal(BigInt('0x' + Buffer.from(d.token!.tstInfo.nonce!.valueBlock.valueHexView).toString('hex')), 123456789012345678901234567890n, 'nonce above 2^53 echoed exactly');
  t.equal(d.token!.certificates.length, 1);
  t.equal(d.token!.tstInfo.policy, DEFAULT_POLICY_OID);
});

t.test('GET /api/v1/timestamp/certchain: PEM chain, leaf first', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/api/v1/timestamp/certchain' });
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'application/pem-certificate-chain');
  t.equal(r.body, tsa.chainPem);
  t.equal((r.body.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
});

// ---- refusals: each names the problem, issues no token, and the server keeps serving ----

const rejections: [string, () => Buffer, string, RegExp][] = [
  ['SHA-1 imprint', () => buildRequest({ hashOid: '1.3.14.3.2.26', digest: createHash('sha1').update('x').digest() }), '80/7', /unsupported hash algorithm SHA-1 \(1\.3\.14\.3\.2\.26\)/],
  ['MD5 imprint', () => buildRequest({ hashOid: '1.2.840.113549.2.5', digest: createHash('md5').update('x').digest() }), '80/7', /unsupported hash algorithm MD5/],
  ['unknown hash OID', () => buildRequest({ hashOid: '1.2.3.4', digest }), '80/7', /unsupported hash algorithm 1\.2\.3\.4/],
  ['wrong-length digest', () => buildRequest({ digest: digest.subarray(0, 20) }), '04/2', /hashedMessage is 20 bytes, but a SHA-256 digest is 32 bytes/],
  ['SHA-512 OID with a SHA-256-length digest', () => buildRequest({ hashOid: '2.16.840.1.101.3.4.2.3', digest }), '04/2', /SHA-512 digest is 64 bytes/],
  ['unknown policy OID', () => buildRequest({ digest, policy: '1.2.3.4.5' }), '0001/0', /unaccepted policy 1\.2\.3\.4\.5.*1\.3\.6\.1\.4\.1\.57264\.2/],
  ['version 2', () => buildRequest({ digest, version: 2 }), '20/5', /version must be 1/],
];

for (const [name, body, failInfo, message] of rejections) {
  t.test(`rejection: ${name}`, async (t) => {
    const r = await post(body(), 'application/timestamp-query');
    t.equal(r.statusCode, 400);
    t.equal(r.headers['content-type'], 'application/timestamp-reply', 'an RFC 3161 TimeStampResp');
    const d = decodeResponse(r.rawPayload);
    t.equal(d.status, 2, 'status rejection');
    t.equal(d.token, undefined, 'no token');
    t.equal(d.failInfoHex, failInfo, 'failInfo bit');
    t.match(d.statusStrings[0], message, 'statusString names the problem');
    await stillServes(t);
  });
}

t.test('rejection: request extensions', async (t) => {
  // good request + [0] { Extension { 1.2.3.4, OCTET STRING 00 } } spliced in with asn1js
  const asn1js = await import('asn1js');
  const parsed = asn1js.fromBER(new Uint8Array(buildRequest({ digest })));
  const seq = parsed.result as InstanceType<typeof asn1js.Sequence>;
  seq.valueBlock.value.push(
    new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 0 },
      value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.3.4' }), new asn1js.OctetString({ valueHex: new Uint8Array([0]) })] })],
    }),
  );
  const der = Buffer.from(seq.toBER(false));
  const r = await post(der, 'application/timestamp-query');
  t.equal(r.statusCode, 400);
  const d = decodeResponse(r.rawPayload);
  t.equal(d.status, 2);
  t.equal(d.failInfoHex, '000080/7', 'unacceptedExtension (bit 16)');
  t.match(d.statusStrings[0], /extensions are not accepted \(found 1\.2\.3\.4\)/);
  await stillServes(t);
});

const jsonErrors: [string, Buffer | string, string | undefined, number, RegExp][] = [
  ['garbage bytes', randomBytes(64).fill(0x42, 0, 1), 'application/timestamp-query', 400, /TimeStampReq: expected tag 0x30/],
  ['empty body', Buffer.alloc(0), 'application/timestamp-query', 400, /empty request body/],
  ['truncated DER', good.subarray(0, good.length - 5), 'application/timestamp-query', 400, /truncated/],
  ['trailing data', Buffer.concat([good, Buffer.from([0])]), 'application/timestamp-query', 400, /unexpected data/],
  ['indefinite length (BER, not DER)', Buffer.concat([Buffer.from([0x30, 0x80]), good.subarray(2), Buffer.from([0, 0])]), 'application/timestamp-query', 400, /indefinite length is not DER/],
  ['certReq encoded as 0x01 (BER)', Buffer.from(good.toString('hex').replace(/0101ff$/, '010101'), 'hex'), 'application/timestamp-query', 400, /BOOLEAN must be one octet 0x00 or 0xFF/],
  ['garbage JSON', '{"artifactHash":', 'application/json', 400, /not valid JSON/],
  ['JSON sha1', JSON.stringify({ artifactHash: createHash('sha1').update('x').digest('base64'), hashAlgorithm: 'sha1' }), 'application/json', 400, /weak hash algorithm sha1/],
  ['JSON md5', JSON.stringify({ artifactHash: createHash('md5').update('x').digest('base64'), hashAlgorithm: 'md5' }), 'application/json', 400, /unsupported hash algorithm "md5"/],
  ['JSON wrong-length digest', JSON.stringify({ artifactHash: 'AAAA', hashAlgorithm: 'sha256' }), 'application/json', 400, /3 bytes, but a SHA-256 digest is 32 bytes/],
  ['JSON unknown policy', JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256', tsaPolicyOID: '1.2.3' }), 'application/json', 400, /unaccepted policy 1\.2\.3/],
  ['JSON unknown field', JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256', nounce: 5 }), 'application/json', 400, /unknown field "nounce"/],
  ['JSON bad base64', JSON.stringify({ artifactHash: '!!!', hashAlgorithm: 'sha256' }), 'application/json', 400, /not standard base64/],
  ['JSON negative nonce', JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256', nonce: -1 }), 'application/json', 400, /nonce must be a non-negative integer/],
  ['JSON array', '[]', 'application/json', 400, /must be an object/],
  ['wrong content type', good, 'application/octet-stream', 415, /Content-Type "application\/octet-stream".*application\/timestamp-query/],
  ['text content type', 'hello', 'text/plain', 415, /Content-Type "text\/plain"/],
  ['no content type', good, undefined, 415, /Content-Type/],
  ['oversized body', Buffer.alloc(10 * 1024 + 1, 0x30), 'application/timestamp-query', 413, /exceeds the 10240-byte limit/],
  ['oversized JSON body', JSON.stringify({ artifactHash: 'A'.repeat(20000), hashAlgorithm: 'sha256' }), 'application/json', 413, /exceeds the 10240-byte limit/],
];

for (const [name, body, ct, status, message] of jsonErrors) {
  t.test(`error: ${name}`, async (t) => {
    const r = await post(body, ct);
    t.equal(r.statusCode, status);
    t.match(r.headers['content-type'], /^application\/json/);
    t.same(Object.keys(r.json()).sort(), ['code', 'message']);
    t.equal(r.json().code, status, 'body code is the HTTP status');
    t.match(r.json().message, message);
    await stillServes(t);
  });
}

t.test('other methods and paths are not ours', async (t) => {
  const r = await app.inject({ method: 'GET', url: '/api/v1/timestamp' });
  t.equal(r.statusCode, 404);
});

t.test('a failing signer: 500 JSON, no token, the cause logged not sent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-broken-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dev = await openDevChain({ dir, clock: systemClock });
  const broken = Object.create(dev.signer, { sign: { value: async () => { throw new Error('HSM unplugged at /dev/secret'); } } });
  const logs: string[] = [];
  const app2 = Fastify({ logger: { level: 'error', stream: { write: (l: string) => void logs.push(l) } } });
  await app2.register(tsaRoutes, { tsa: new TimestampAuthority({ signer: broken, chain: dev.chain, clock: systemClock }) });
  const r = await app2.inject({ method: 'POST', url: '/api/v1/timestamp', payload: good, headers: { 'content-type': 'application/timestamp-query' } });
  t.equal(r.statusCode, 500);
  t.same(r.json(), { code: 500, message: 'the TSA signer failed; no timestamp was issued' });
  t.match(logs.join(''), /HSM unplugged/, 'the cause is in the log');
  await app2.close();
});

t.test('an oversized nonce is refused, not signed back (issue 10)', async (t) => {
  const { MAX_NONCE_OCTETS } = await import('../src/service/timestamp-request.js');
  t.equal(MAX_NONCE_OCTETS, 64);
  // DER: a well-formed request the TSA will not grant: an RFC 3161 rejection, failInfo badRequest.
  const big = buildRequest({ digest, nonce: randomBytes(8192).fill(1, 0, 1), certReq: true });
  const r = await post(big, 'application/timestamp-query');
  t.equal(r.statusCode, 400);
  t.equal(r.headers['content-type'], 'application/timestamp-reply');
  const d = decodeResponse(r.rawPayload);
  t.equal(d.status, 2, 'rejection');
  t.match(JSON.stringify(d), /nonce is 8192 octets; at most 64/);
  t.equal(d.token, undefined, 'nothing signed');
  // The largest accepted: 64 octets (what any client sends is far below).
  const edge = await post(buildRequest({ digest, nonce: randomBytes(64).fill(1, 0, 1) }), 'application/timestamp-query');
  t.equal(edge.statusCode, 200);
  // JSON form: the same bound, as a JSON error.
  const json = await post(JSON.stringify({ artifactHash: digest.toString('base64'), hashAlgorithm: 'sha256', nonce: 1 }).replace('"nonce":1', `"nonce":${'9'.repeat(200)}`), 'application/json');
  t.equal(json.statusCode, 400);
  t.match(json.json(), { code: 400, message: /nonce is \d+ octets; at most 64/ });
  await stillServes(t);
});
