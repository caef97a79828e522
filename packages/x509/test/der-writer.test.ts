import t from 'tap';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import {
  bigintInteger,
  bitString,
  contextConstructed,
  contextPrimitive,
  DER_NULL,
  DER_TRUE,
  derLength,
  generalizedTime,
  integerFromContent,
  objectIdentifier,
  octetString,
  oidContent,
  sequence,
  setOf,
  smallInteger,
  timeChoice,
  tlv,
  unsignedInteger,
  unsignedIntegerContent,
  utcTime,
  utf8String,
} from '../src/der-writer.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ber = (v: { toBER(sizeOnly?: boolean): ArrayBuffer }) => hex(new Uint8Array(v.toBER(false)));

t.test('lengths: short form below 128, shortest long form above', async (t) => {
  t.equal(hex(derLength(0)), '00');
  t.equal(hex(derLength(127)), '7f');
  t.equal(hex(derLength(128)), '8180');
  t.equal(hex(derLength(255)), '81ff');
  t.equal(hex(derLength(256)), '820100');
  t.equal(hex(derLength(65536)), '83010000');
  t.equal(hex(derLength(0x1000000)), '8401000000');
  for (const n of [0, 1, 127, 128, 200, 255, 256, 1000, 70000]) {
    t.equal(hex(tlv(0x04, Buffer.alloc(n, 7))), ber(new asn1js.OctetString({ valueHex: new Uint8Array(n).fill(7) })), `OCTET STRING of ${n}`);
  }
  t.equal(hex(tlv(0x30, Buffer.from('0101', 'hex'), Buffer.from('ff', 'hex'))), '3003' + '0101ff', 'content parts are concatenated');
});

t.test('integers match asn1js', async (t) => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 200n) - 1n }), (n) => bigintInteger(n).equals(Buffer.from(asn1js.Integer.fromBigInt(n).toBER(false)))));
  t.equal(hex(unsignedInteger(Buffer.from('0000ff', 'hex'))), '020200ff', 'leading zeros trimmed, sign octet added');
  t.equal(hex(unsignedInteger(Buffer.from('7f', 'hex'))), '02017f');
  t.equal(hex(unsignedInteger(Buffer.alloc(3))), '020100', 'zero');
  t.equal(hex(unsignedInteger(Buffer.alloc(0))), '020100', 'empty is zero');
  t.equal(hex(unsignedIntegerContent(Buffer.from('80', 'hex'))), '0080');
  t.equal(hex(integerFromContent(Buffer.from('00ff', 'hex'))), '020200ff', 'content echoed as given');
  t.equal(hex(smallInteger(0)), '020100');
  t.equal(hex(smallInteger(128)), '02020080');
  t.throws(() => smallInteger(-1), RangeError);
  t.throws(() => smallInteger(1.5), RangeError);
  t.throws(() => bigintInteger(-1n), RangeError);
});

t.test('OIDs match asn1js; malformed dotted strings are refused', async (t) => {
  for (const oid of ['1.3.6.1.4.1.57264.2', '2.16.840.1.101.3.4.2.1', '1.2.840.113549.1.9.16.2.47', '2.999.1', '0.39', '1.2.840.10045.4.3.2']) {
    t.equal(hex(objectIdentifier(oid)), ber(new asn1js.ObjectIdentifier({ value: oid })), oid);
    t.equal(hex(oidContent(oid)), hex(objectIdentifier(oid).subarray(2)), `${oid} content`);
  }
  t.equal(objectIdentifier('2.5.29.15'), objectIdentifier('2.5.29.15'), 'cached: the same Buffer');
  for (const bad of ['1.40', '1.2.03', '3.1', '1', '1..2', 'x']) t.throws(() => objectIdentifier(bad), RangeError, bad);
});

t.test('strings, bit strings, constants, context tags', async (t) => {
  t.equal(hex(octetString(Buffer.from('abcd', 'hex'))), '0402abcd');
  t.equal(hex(utf8String('é')), ber(new asn1js.Utf8String({ value: 'é' })));
  t.equal(hex(bitString(Buffer.from([0x80]), 7)), '03020780', 'KeyUsage digitalSignature');
  t.equal(hex(bitString(Buffer.from('0102', 'hex'))), '0303000102');
  t.equal(hex(DER_NULL), '0500');
  t.equal(hex(DER_TRUE), '0101ff');
  t.equal(hex(sequence()), '3000');
  t.equal(hex(contextConstructed(0, DER_NULL)), 'a0020500', '[0] EXPLICIT');
  t.equal(hex(contextConstructed(3, sequence())), 'a3023000', '[3] EXPLICIT');
  t.equal(hex(contextPrimitive(1, Buffer.from('a@b', 'latin1'))), '8103' + '614062', '[1] IMPLICIT IA5String');
});

t.test('SET OF is DER-sorted, and the arguments are left alone', async (t) => {
  const a = Buffer.from('0401ff', 'hex');
  const b = Buffer.from('020101', 'hex');
  const c = Buffer.from('0402aaaa', 'hex');
  const elements = [c, a, b];
  t.equal(hex(setOf(...elements)), '310a' + '020101' + '0401ff' + '0402aaaa');
  t.same(elements, [c, a, b]);
});

t.test('times: whole seconds, UTCTime from 1950 through 2049', async (t) => {
  const ms = Date.UTC(2026, 0, 2, 3, 4, 5, 999);
  t.equal(generalizedTime(ms).subarray(2).toString(), '20260102030405Z', 'fraction dropped');
  t.equal(utcTime(ms).subarray(2).toString(), '260102030405Z');
  t.equal(hex(timeChoice(ms)), hex(utcTime(ms)));
  t.equal(timeChoice(Date.UTC(2049, 11, 31, 23, 59, 59))[0], 0x17);
  t.equal(timeChoice(Date.UTC(2050, 0, 1))[0], 0x18);
  t.equal(timeChoice(Date.UTC(1950, 0, 1))[0], 0x17);
  t.equal(timeChoice(Date.UTC(1949, 11, 31))[0], 0x18);
  t.equal(hex(timeChoice(Date.UTC(2050, 0, 1))), hex(generalizedTime(Date.UTC(2050, 0, 1))));
  t.throws(() => generalizedTime(Date.UTC(10000, 0, 1)), RangeError);
});

t.test('issueCertificationRequest: a PKCS#10 request openssl verifies, for each signing algorithm', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { createEphemeralSigner } = await import('@sigstack/core');
  const { issueCertificationRequest } = await import('../src/index.js');
  for (const alg of ['ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'ed25519'] as const) {
    const signer = createEphemeralSigner(alg);
    const der = await issueCertificationRequest({ subject: { organization: 'example', commonName: 'example intermediate' }, signer });
    const text = execFileSync('openssl', ['req', '-inform', 'DER', '-verify', '-noout', '-text'], { input: der, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    t.match(text, /Subject: O\s?=\s?example, CN\s?=\s?example intermediate/, alg);
    const pub = execFileSync('openssl', ['req', '-inform', 'DER', '-pubkey', '-noout'], { input: der, encoding: 'utf8' });
    t.equal(pub, signer.publicKey.export({ type: 'spki', format: 'pem' }), `${alg}: the request carries the signer's key`);
  }
});
