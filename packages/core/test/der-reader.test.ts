import t, { type Test } from 'tap';
import { X509Certificate } from 'node:crypto';
import {
  children,
  CoreError,
  DerReader,
  MAX_DER_DEPTH,
  oidFromContent,
  readBoolean,
  readCertificateParts,
  readDer,
  readSmallInteger,
  readTlv,
  checkInteger,
  OID,
} from '../src/index.js';

const hex = (h: string) => Buffer.from(h, 'hex');

function refuses(t: Test, fn: () => unknown, re: RegExp, name: string) {
  t.throws(fn, { code: 'MALFORMED_DER', message: re }, name);
}

t.test('reads definite, minimal TLVs and their children', async (t) => {
  const der = hex('3006020101020102');
  const seq = readDer(der);
  t.match(seq, { tag: 0x30, start: 0, contentStart: 2, end: 8, depth: 0 });
  const kids = children(der, seq);
  t.equal(kids.length, 2);
  t.equal(kids[1]!.depth, 1);
  const long = Buffer.concat([hex('0481c8'), Buffer.alloc(200)]);
  t.equal(readDer(long).end, 203, 'long form for a length of 200');
});

t.test('each refusal of the strict reader', async (t) => {
  refuses(t, () => readDer(hex('30800201010000')), /indefinite length is not DER/, 'indefinite length');
  refuses(t, () => readDer(hex('3081030201 01'.replace(' ', ''))), /non-minimal length encoding/, 'long form for a short length');
  refuses(t, () => readDer(Buffer.concat([hex('048200c8'), Buffer.alloc(200)])), /non-minimal length encoding/, 'leading zero length octet');
  refuses(t, () => readDer(hex('3085ffffffffff')), /too large/, 'five length octets');
  refuses(t, () => readDer(hex('3003020101ff')), /unexpected data at offset 5/, 'trailing bytes');
  refuses(t, () => readDer(hex('30050201')), /truncated/, 'content shorter than the length');
  refuses(t, () => readDer(hex('30')), /truncated length/, 'only a tag');
  refuses(t, () => readDer(hex('')), /missing/, 'empty input');
  refuses(t, () => readDer(hex('1f2200')), /multi-octet tags/, 'high tag number');
  refuses(t, () => children(hex('3003020201'), readDer(hex('3003020201'))), /truncated/, 'a child longer than its parent');
  refuses(t, () => children(hex('020101'), readDer(hex('020101'))), /primitive/, 'children of a primitive');
  t.throws(() => readDer(hex('3080')), CoreError, 'a CoreError');
});

t.test('bounded depth', async (t) => {
  // MAX_DER_DEPTH + 2 nested SEQUENCEs around NULL.
  let der = hex('0500');
  for (let i = 0; i < MAX_DER_DEPTH + 2; i++) der = Buffer.concat([Buffer.from([0x30, der.length]), der]);
  const walk = (buf: Buffer, t0 = readDer(buf)): number => {
    const kids = children(buf, t0);
    return kids[0]!.tag === 0x30 ? walk(buf, kids[0]) : kids[0]!.depth;
  };
  refuses(t, () => walk(der), /nested more than 32 deep/, 'children() past the bound');
  refuses(
    t,
    () => {
      let r = new DerReader(der, 'x');
      for (;;) r = r.enter(r.read(0x30), 'x');
    },
    /nested more than 32 deep/,
    'DerReader.enter() past the bound',
  );
  refuses(t, () => readTlv(hex('0500'), 0, 2, MAX_DER_DEPTH + 1), /nested/, 'readTlv at a depth past the bound');
});

t.test('DerReader: fields, tags, end', async (t) => {
  const r = new DerReader(hex('020101010100'), 'S');
  refuses(t, () => r.read(0x30, 'a'), /S\.a: expected tag 0x30, found 0x02 at offset 0/, 'tag mismatch names the field');
  t.equal(readSmallInteger(r.read(0x02, 'a'), 'S.a'), 1);
  t.equal(readBoolean(r.read(0x01, 'b'), 'S.b'), false);
  r.end();
  refuses(t, () => new DerReader(hex('0500ff'), 'T').end(), /T: unexpected data at offset 0/, 'end() with data left');
  refuses(t, () => checkInteger(new DerReader(hex('02020001'), 'I').read(), 'I'), /non-minimal INTEGER/, 'non-minimal INTEGER');
  refuses(t, () => checkInteger(new DerReader(hex('0200'), 'I').read(), 'I'), /empty INTEGER/, 'empty INTEGER');
  refuses(t, () => readBoolean(new DerReader(hex('010101'), 'B').read(), 'B'), /0x00 or 0xFF/, 'BOOLEAN 0x01');
});

t.test('OIDs', async (t) => {
  t.equal(oidFromContent(hex('2a864886f70d010701')), '1.2.840.113549.1.7.1');
  refuses(t, () => oidFromContent(hex('2a80')), /malformed OBJECT IDENTIFIER/, 'unterminated sub-identifier');
  refuses(t, () => oidFromContent(hex('2a8001')), /non-minimal/, 'leading 0x80 sub-identifier octet');
  refuses(t, () => oidFromContent(Buffer.alloc(129, 1)), /longer than 128/, 'oversized OID');
});

t.test('certificate parts of a real certificate', async (t) => {
  const x = new X509Certificate(CERT);
  const parts = readCertificateParts(x.raw);
  t.ok(parts.spki.equals(x.publicKey.export({ type: 'spki', format: 'der' })), 'SPKI bytes');
  t.ok(parts.extensions.some((e) => e.id === OID.subjectAltName), 'SAN extension found');
  t.equal(parts.serialContent.toString('hex').replace(/^00/, ''), x.serialNumber.toLowerCase().replace(/^0+/, ''), 'serial');
  t.throws(() => readCertificateParts(Buffer.concat([x.raw, hex('00')])), { code: 'INVALID_CERTIFICATE', message: /malformed DER/ }, 'trailing byte');
  t.throws(() => readCertificateParts(x.raw.subarray(0, x.raw.length - 3)), { code: 'INVALID_CERTIFICATE' }, 'truncated');
});

// Provenance: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
//   -subj /CN=der-reader-test -addext subjectAltName=email:a@example.com -days 3650
// (the key was discarded; only the structure matters here).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBozCCAUmgAwIBAgIUYywrCMJrH585UnhMruhzYJEFhfcwCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPZGVyLXJlYWRlci10ZXN0MB4XDTI2MTIwNDE4MTgzOFoXDTM2
MTIwMTE4MTgzOFowGjEYMBYGA1UEAwwPZGVyLXJlYWRlci10ZXN0MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEyCVRGXnPVRIN1xOipHEVitphXrerW/cybd65E264
ObRply9FMrQ/8h2p8MaOSJ1m6StMAdJ9z3+BDxU7JBC6DaNtMGswHQYDVR0OBBYE
FD+27nRUBjT6BnHjsEq6MCwBC0pCMB8GA1UdIwQYMBaAFD+27nRUBjT6BnHjsEq6
MCwBC0pCMA8GA1UdEwEB/wQFMAMBAf8wGAYDVR0RBBEwD4ENYUBleGFtcGxlLmNv
bTAKBggqhkjOPQQDAgNIADBFAiEAjfIEeqW0i6pBV4FvkYO+Id40/Qarcal3qw5p
N70AETYCIGE4gvghsi1qLT+1WLIx75BsL2NlWMw5o2PIn1WvAw/D
-----END CERTIFICATE-----`;
