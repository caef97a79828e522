import t from 'tap';
import { createHash, verify, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createEphemeralSigner, FakeClock } from '@sigstack/core';
import { issueDevChain, DEFAULT_POLICY_OID, TimestampAuthority, TsaError } from '../src/index.js';
import { attr, buildRequest, decodeResponse } from './helpers.js';

const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
const OID_SIGNING_CERT_V2 = '1.2.840.113549.1.9.16.2.47';
const OID_TSTINFO = '1.2.840.113549.1.9.16.1.4';

const clock = new FakeClock(Date.UTC(2026, 2, 14, 15, 9, 26, 535));
const root = createEphemeralSigner();
const leafSigner = createEphemeralSigner();
const chain = await issueDevChain(root, leafSigner, Date.UTC(2026, 0, 1));
const tsa = new TimestampAuthority({ signer: leafSigner, chain, clock });
const digest = createHash('sha256').update('artifact').digest();

t.test('TSTInfo: version, policy, imprint, 160-bit serial, whole-second genTime, accuracy, nonce echo, tsa name', async (t) => {
  const nonce = Buffer.from('00d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293', 'hex');
  const res = await tsa.respond(buildRequest({ digest, nonce, certReq: true }), 'der');
  t.ok(res.granted);
  const d = decodeResponse(res.der);
  t.equal(d.status, 0, 'granted');
  const tst = d.token!.tstInfo;
  t.equal(tst.version, 1);
  t.equal(tst.policy, DEFAULT_POLICY_OID);
  t.equal(tst.messageImprint.hashAlgorithm.algorithmId, '2.16.840.1.101.3.4.2.1');
  t.same(Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView), digest);
  const serial = Buffer.from(tst.serialNumber.valueBlock.valueHexView);
  t.equal(serial.length, 20, 'serial is 20 octets (160-bit field)');
  t.equal(serial[0]! & 0x80, 0, 'serial is positive');
  t.not(serial[0], 0, 'serial encoding is minimal');
  t.equal(tst.genTime.getTime(), Date.UTC(2026, 2, 14, 15, 9, 26), 'genTime is the clock, truncated to the second');
  t.ok(d.token!.tstInfoDer.includes(Buffer.from('20260314150926Z')), 'genTime is encoded without a fraction');
  t.equal(tst.accuracy?.seconds, 1);
  t.equal(tst.accuracy?.millis, undefined);
  t.notOk(tst.ordering, 'ordering absent (DEFAULT FALSE)');
  t.same(Buffer.from(tst.nonce!.valueBlock.valueHexView), nonce, 'nonce echoed byte for byte');
  const leaf = new X509Certificate(chain[0]!);
  t.equal(tst.tsa?.type, 4, 'tsa is a directoryName');
  t.same(Buffer.from((tst.tsa!.value as { toSchema(): asn1js.Sequence }).toSchema().toBER(false)).toString('hex'), subjectDer(chain[0]!).toString('hex'), 'tsa name is the leaf subject');
  t.ok(leaf.subject.includes('CN=sigstack TSA'));
});

t.test('serials differ between tokens', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const d = decodeResponse((await tsa.respond(buildRequest({ digest }), 'der')).der);
    seen.add(Buffer.from(d.token!.tstInfo.serialNumber.valueBlock.valueHexView).toString('hex'));
  }
  t.equal(seen.size, 50);
});

t.test('no nonce in the request, no nonce in the token; no certReq, no certificates', async (t) => {
  const d = decodeResponse((await tsa.respond(buildRequest({ digest }), 'der')).der);
  t.equal(d.token!.tstInfo.nonce, undefined);
  t.same(d.token!.certificates, []);
  t.equal(d.token!.signedData.certificates, undefined);
});

t.test('certReq: the leaf only (default) or the whole chain (includeChain)', async (t) => {
  let d = decodeResponse((await tsa.respond(buildRequest({ digest, certReq: true }), 'der')).der);
  t.same(d.token!.certificates.map((c) => c.toString('hex')), [chain[0]!.toString('hex')]);
  const withChain = new TimestampAuthority({ signer: leafSigner, chain, clock, includeChain: true });
  d = decodeResponse((await withChain.respond(buildRequest({ digest, certReq: true }), 'der')).der);
  t.same(new Set(d.token!.certificates.map((c) => c.toString('hex'))), new Set(chain.map((c) => c.toString('hex'))));
});

t.test('SignedData v3 / SignerInfo v1, signed attributes, and the signature verifies over the DER signed attributes', async (t) => {
  const d = decodeResponse((await tsa.respond(buildRequest({ digest }), 'der')).der);
  const sd = d.token!.signedData;
  t.equal(sd.version, 3);
  t.same(sd.digestAlgorithms.map((a) => a.algorithmId), ['2.16.840.1.101.3.4.2.1']);
  t.equal(sd.encapContentInfo.eContentType, OID_TSTINFO);
  const si = d.token!.signerInfo;
  t.equal(si.version, 1);
  t.ok(si.sid instanceof pkijs.IssuerAndSerialNumber, 'sid is issuerAndSerialNumber');
  const leaf = new X509Certificate(chain[0]!);
  t.equal(Buffer.from(si.sid.serialNumber.valueBlock.valueHexView).toString('hex').toUpperCase().replace(/^0+/, ''), leaf.serialNumber.replace(/^0+/, ''));
  t.equal(si.digestAlgorithm.algorithmId, '2.16.840.1.101.3.4.2.1');
  t.equal(si.digestAlgorithm.algorithmParams, undefined, 'digest algorithm parameters absent');
  t.equal(si.signatureAlgorithm.algorithmId, '1.2.840.10045.4.3.2', 'ecdsa-with-SHA256');
  t.same(si.signedAttrs!.attributes.map((a) => a.type).sort(), [OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_TIME, OID_SIGNING_CERT_V2].sort());
  t.equal((attr(d, OID_CONTENT_TYPE)![0] as asn1js.ObjectIdentifier).valueBlock.toString(), OID_TSTINFO);
  t.same(Buffer.from((attr(d, OID_MESSAGE_DIGEST)![0] as asn1js.OctetString).valueBlock.valueHexView), createHash('sha256').update(d.token!.tstInfoDer).digest(), 'messageDigest = SHA-256(TSTInfo DER)');
  const st = attr(d, OID_SIGNING_TIME)![0] as asn1js.UTCTime;
  t.ok(st instanceof asn1js.UTCTime, 'signingTime is UTCTime');
  t.equal(st.toDate().getTime(), d.token!.tstInfo.genTime.getTime(), 'signingTime = genTime');
  // ESSCertIDv2 { certHash = SHA-256(leaf), issuerSerial { [4] issuer, serial } }
  const scv2 = attr(d, OID_SIGNING_CERT_V2)![0] as asn1js.Sequence;
  const essCertId = (scv2.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const [certHash, issuerSerial] = essCertId.valueBlock.value as [asn1js.OctetString, asn1js.Sequence];
  t.ok(certHash instanceof asn1js.OctetString, 'hashAlgorithm omitted (DEFAULT sha256)');
  t.same(Buffer.from(certHash.valueBlock.valueHexView), createHash('sha256').update(chain[0]!).digest());
  t.ok(issuerSerial instanceof asn1js.Sequence);
  // The signed-attributes SET must be in DER order (OpenSSL re-encodes before verifying).
  const encoded = si.signedAttrs!.attributes.map((a) => Buffer.from(a.toSchema().toBER(false)));
  t.same(encoded, [...encoded].sort(Buffer.compare), 'attributes are DER-sorted');
  const ok = verify('sha256', d.token!.signedAttrsDer, leaf.publicKey, Buffer.from(si.signature.valueBlock.valueHexView));
  t.ok(ok, 'ECDSA signature verifies over DER(SET OF signedAttrs)');
});

t.test('genTime follows the injected clock', async (t) => {
  const c = new FakeClock(Date.UTC(2027, 5, 1, 0, 0, 0, 999));
  const other = new TimestampAuthority({ signer: leafSigner, chain, clock: c });
  let d = decodeResponse((await other.respond(buildRequest({ digest }), 'der')).der);
  t.equal(d.token!.tstInfo.genTime.toISOString(), '2027-06-01T00:00:00.000Z');
  c.advance(61_000);
  d = decodeResponse((await other.respond(buildRequest({ digest }), 'der')).der);
  t.equal(d.token!.tstInfo.genTime.toISOString(), '2027-06-01T00:01:01.000Z');
});

t.test('SHA-384 and SHA-512 imprints; the imprint is echoed as sent (absent or NULL parameters)', async (t) => {
  for (const [oid, alg] of [['2.16.840.1.101.3.4.2.2', 'sha384'], ['2.16.840.1.101.3.4.2.3', 'sha512']] as const) {
    const dg = createHash(alg).update('x').digest();
    for (const nullParams of [true, false]) {
      const req = buildRequest({ hashOid: oid, digest: dg, nullParams });
      const d = decodeResponse((await tsa.respond(req, 'der')).der);
      t.equal(d.token!.tstInfo.messageImprint.hashAlgorithm.algorithmId, oid);
      const mi = Buffer.from(d.token!.tstInfo.messageImprint.toSchema().toBER(false));
      t.ok(req.includes(mi), `${alg} imprint (${nullParams ? 'NULL' : 'absent'} params) echoed byte for byte`);
    }
  }
});

t.test('requested policy equal to ours is accepted and written', async (t) => {
  const d = decodeResponse((await tsa.respond(buildRequest({ digest, policy: DEFAULT_POLICY_OID }), 'der')).der);
  t.equal(d.token!.tstInfo.policy, DEFAULT_POLICY_OID);
});

t.test('a configured policy OID', async (t) => {
  const custom = new TimestampAuthority({ signer: leafSigner, chain, clock, policyOid: '1.3.6.1.4.1.99999.1' });
  const d = decodeResponse((await custom.respond(buildRequest({ digest }), 'der')).der);
  t.equal(d.token!.tstInfo.policy, '1.3.6.1.4.1.99999.1');
  const r = await custom.respond(buildRequest({ digest, policy: DEFAULT_POLICY_OID }), 'der');
  t.notOk(r.granted, 'the default policy is not accepted by a TSA configured with another');
  t.throws(() => new TimestampAuthority({ signer: leafSigner, chain, clock, policyOid: 'nope' }), { code: 'INVALID_OPTIONS' });
});

t.test('P-384 TSA key: SHA-384 CMS digest and ecdsa-with-SHA384', async (t) => {
  const leaf384 = createEphemeralSigner('ecdsa-p384-sha384');
  const chain384 = await issueDevChain(root, leaf384, Date.UTC(2026, 0, 1));
  const tsa384 = new TimestampAuthority({ signer: leaf384, chain: chain384, clock });
  const d = decodeResponse((await tsa384.respond(buildRequest({ digest }), 'der')).der);
  const si = d.token!.signerInfo;
  t.equal(si.digestAlgorithm.algorithmId, '2.16.840.1.101.3.4.2.2');
  t.equal(si.signatureAlgorithm.algorithmId, '1.2.840.10045.4.3.3');
  t.same(Buffer.from((attr(d, OID_MESSAGE_DIGEST)![0] as asn1js.OctetString).valueBlock.valueHexView), createHash('sha384').update(d.token!.tstInfoDer).digest());
  t.ok(verify('sha384', d.token!.signedAttrsDer, new X509Certificate(chain384[0]!).publicKey, Buffer.from(si.signature.valueBlock.valueHexView)));
});

t.test('refuses an Ed25519 key and a chain that does not certify the key', async (t) => {
  t.throws(() => new TimestampAuthority({ signer: createEphemeralSigner('ed25519'), chain, clock }), { code: 'UNSUPPORTED_KEY' });
  t.throws(() => new TimestampAuthority({ signer: createEphemeralSigner(), chain, clock }), { code: 'INVALID_CHAIN' });
});

t.test('no token outside the leaf validity', async (t) => {
  const c = new FakeClock(Date.UTC(2025, 0, 1));
  const early = new TimestampAuthority({ signer: leafSigner, chain, clock: c });
  await t.rejects(early.respond(buildRequest({ digest }), 'der'), { code: 'CERTIFICATE_NOT_VALID' });
});

t.test('a failing signer is SIGNING_FAILED, wrapped', async (t) => {
  const broken = Object.create(leafSigner, { sign: { value: async () => { throw new Error('HSM unplugged'); } } });
  const b = new TimestampAuthority({ signer: broken, chain, clock });
  const err = await b.respond(buildRequest({ digest }), 'der').catch((e: unknown) => e);
  t.ok(err instanceof TsaError);
  t.equal((err as TsaError).code, 'SIGNING_FAILED');
  t.match(((err as TsaError).cause as Error).message, /HSM unplugged/, 'the cause is kept');
  t.notMatch((err as TsaError).message, /HSM/, 'but not shown to the caller');
});

t.test('trustedRootEntry: root subject, uri, chain leaf first, validFor.start = leaf notBefore', async (t) => {
  const e = tsa.trustedRootEntry('https://tsa.example.com/api/v1/timestamp');
  t.same(e, {
    subject: { organization: 'sigstack', commonName: 'sigstack TSA root' },
    uri: 'https://tsa.example.com/api/v1/timestamp',
    certChain: { certificates: chain.map((c) => ({ rawBytes: c.toString('base64') })) },
    validFor: { start: '2026-01-01T00:00:00Z' },
  });
  t.equal(tsa.chainPem.split('BEGIN CERTIFICATE').length - 1, 2);
  t.ok(tsa.chainPem.startsWith('-----BEGIN CERTIFICATE-----\n'));
  t.equal(new X509Certificate(tsa.chainPem).serialNumber, new X509Certificate(chain[0]!).serialNumber, 'PEM chain is leaf first');
});

function subjectDer(certDer: Buffer): Buffer {
  return Buffer.from(pkijs.Certificate.fromBER(certDer).subject.toSchema().toBER(false));
}
