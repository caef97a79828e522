import t, { type Test } from 'tap';
import fc from 'fast-check';
import { objectIdentifier } from '@sigstack/x509';
import { DerReader, readOid } from '@sigstack/core';
import { decodeTimeStampReq } from '../src/asn1/time-stamp-req.js';
import { parseDerRequest } from '../src/service/timestamp-request.js';
import { TsaError } from '../src/index.js';
import { buildRequest } from './helpers.js';

const POLICY = '1.3.6.1.4.1.57264.2';

t.test('OIDs written by @sigstack/x509 round-trip through the reader', async (t) => {
  for (const oid of ['1.3.6.1.4.1.57264.2', '2.16.840.1.101.3.4.2.1', '1.2.840.113549.1.9.16.2.47', '2.999.1', '0.39', '1.2.840.10045.4.3.2']) {
    const r = new DerReader(objectIdentifier(oid), 'x');
    t.equal(readOid(r.read(0x06), 'x'), oid, `${oid} round-trips`);
  }
  for (const oid of ['2.999.18446744073709551617.5', '1.2.9007199254740993', '2.100']) {
    t.equal(readOid(new DerReader(objectIdentifier(oid), 'x').read(0x06), 'x'), oid, `${oid} (arcs beyond 2^53) round-trips`);
  }
});

// ---- the strict reader ----

const digest = Buffer.alloc(32, 0xab);
const good = buildRequest({ digest, nonce: Buffer.from('0102', 'hex'), certReq: true, policy: POLICY });

function malformed(t: Test, der: Buffer, re: RegExp, name: string) {
  t.throws(() => decodeTimeStampReq(der), { code: 'MALFORMED_REQUEST', message: re }, name);
}

t.test('decodes what pkijs encodes', async (t) => {
  const r = decodeTimeStampReq(good);
  t.equal(r.version, 1);
  t.equal(r.messageImprint.hashAlgorithm, '2.16.840.1.101.3.4.2.1');
  t.equal(r.messageImprint.parameters, 'null');
  t.same(r.messageImprint.hashedMessage, digest);
  t.equal(r.reqPolicy, POLICY);
  t.equal(r.nonce?.toString('hex'), '0102');
  t.equal(r.certReq, true);
  t.equal(r.extensions, undefined);
  t.equal(decodeTimeStampReq(buildRequest({ digest, nullParams: false })).messageImprint.parameters, 'absent');
});

t.test('refuses BER that is not DER, and broken structure', async (t) => {
  const hex = good.toString('hex');
  malformed(t, Buffer.from('3081' + hex.slice(2), 'hex'), /non-minimal length encoding is not DER/, 'long-form length for a short value');
  malformed(t, Buffer.from(hex.replace('02020102', '0203000102').replace(/^30(..)/, (_m, l: string) => '30' + (parseInt(l, 16) + 1).toString(16)), 'hex'), /non-minimal INTEGER/, 'non-minimal nonce');
  malformed(t, Buffer.from(hex.replace(/0101ff$/, '010100'), 'hex'), /DEFAULT/, 'explicit certReq FALSE');
  malformed(t, Buffer.from('1f2200', 'hex'), /multi-octet tags/, 'high tag number');
  malformed(t, Buffer.from('3000', 'hex'), /version is missing/, 'empty sequence');
  malformed(t, Buffer.from('300302010', 'hex'), /truncated/, 'truncated');
  malformed(t, Buffer.from('30', 'hex'), /truncated length/, 'only a tag');
  malformed(t, Buffer.from('3085ffffffffff', 'hex'), /too large/, 'absurd length');
  malformed(t, Buffer.from('0500', 'hex'), /expected tag 0x30/, 'not a SEQUENCE');
  const badOid = Buffer.from(hex.replace('0609608648016503040201', '060a80608648016503040201').replace(/^30(..)30(..)/, (_m, a: string, b: string) => '30' + (parseInt(a, 16) + 1).toString(16) + '30' + b), 'hex');
  t.throws(() => decodeTimeStampReq(badOid), TsaError, 'non-minimal OID sub-identifier or broken nesting');
});

t.test('fuzz: mutated requests never escape as anything but a TsaError', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(good.length), (flips, cut) => {
      const m = Buffer.from(good);
      for (const [i, v] of flips) m[i] = v;
      for (const body of [m, m.subarray(0, cut)]) {
        try {
          parseDerRequest(body, POLICY);
        } catch (e) {
          if (!(e instanceof TsaError)) throw e;
        }
      }
    }),
    { numRuns: 3000 },
  );
  t.pass('no raw exceptions');
});

t.test('fuzz: any valid request built by pkijs parses to its own fields', async (t) => {
  fc.assert(
    fc.property(
      fc.constantFrom(['2.16.840.1.101.3.4.2.1', 32], ['2.16.840.1.101.3.4.2.2', 48], ['2.16.840.1.101.3.4.2.3', 64]),
      fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }).filter((b) => b.length === 1 || !(b[0] === 0 && b[1]! < 0x80) && !(b[0] === 0xff && b[1]! >= 0x80))),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      ([oid, len], nonce, certReq, policy, nullParams) => {
        const dg = Buffer.alloc(len as number, 9);
        const der = buildRequest({ hashOid: oid as string, digest: dg, ...(nonce ? { nonce: Buffer.from(nonce) } : {}), certReq, ...(policy ? { policy: POLICY } : {}), nullParams });
        const r = parseDerRequest(der, POLICY);
        return r.hashedMessage.equals(dg) && r.certReq === certReq && (nonce ? r.nonce!.equals(Buffer.from(nonce)) : r.nonce === undefined) && der.includes(r.messageImprint);
      },
    ),
  );
  t.pass();
});
