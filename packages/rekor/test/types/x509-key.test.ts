import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { ECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RekorError } from '../../src/errors.js';
import { sshSha256Fingerprint } from '../../src/types/ssh-fingerprint.js';
import { formatIp, subjectAltNames } from '../../src/types/subject-alt-names.js';
import { parseX509Key } from '../../src/types/x509-key.js';
import { b64, selfSignedCert, testKey } from './entry-fixtures.js';

const parse = (pem: string | Buffer, max = 1 << 16) => parseX509Key(Buffer.from(pem), 'field', max);

function throwsCode(t: Test, fn: () => unknown, code: string, msg: RegExp) {
  try {
    fn();
    t.fail('did not throw');
  } catch (e) {
    t.ok(e instanceof RekorError, (e as Error).message);
    t.equal((e as RekorError).code, code);
    t.match((e as Error).message, msg);
  }
}

t.test('PEM framing as upstream reads it', async (t) => {
  const key = testKey('p256');
  const k = parse(key.publicPem);
  t.equal(k.canonicalPem.toString(), key.publicPem, 'Go PEM');
  t.same(k.subjects, []);
  t.ok(parse(`\n\n  ${key.publicPem}\n\n`).canonicalPem.equals(k.canonicalPem), 'surrounding white space is trimmed');
  throwsCode(t, () => parse(`key:\n${key.publicPem}`), 'INVALID_KEY', /^field: not a PEM-encoded public key or certificate/);
  throwsCode(t, () => parse(key.publicPem + key.publicPem), 'INVALID_KEY', /^field: exactly one PEM block \(CERTIFICATE or PUBLIC KEY\) is expected, found 2/);
  const cert = selfSignedCert(key);
  throwsCode(t, () => parse(cert.pem + key.publicPem), 'INVALID_KEY', /exactly one PEM block/);
  throwsCode(t, () => parse(cert.pem + cert.pem), 'INVALID_KEY', /certificate chains are not accepted by this log/);
  throwsCode(t, () => parse(key.publicPem.replace('END PUBLIC KEY', 'END CERTIFICATE')), 'INVALID_KEY', /data after the PEM block, or the block is not terminated/);
  throwsCode(t, () => parse(key.publicPem.replace('MFkw', 'MFk*')), 'INVALID_KEY', /^field: corrupt base64/);
  throwsCode(t, () => parse(key.publicPem, 100), 'MALFORMED_ENTRY', /^field: 178 bytes exceeds the limit of 100/);
});

t.test('EC keys must be in the canonical form Go parses', async (t) => {
  const key = testKey('p256');
  const der = key.publicKey.export({ type: 'spki', format: 'der' });
  const point = der.subarray(der.length - 65);
  const compressed = ECDH.convertKey(point, 'prime256v1', undefined, undefined, 'compressed') as Buffer;
  const spki = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), compressed]);
  const pem = `-----BEGIN PUBLIC KEY-----\n${b64(spki)}\n-----END PUBLIC KEY-----\n`;
  throwsCode(t, () => parse(pem), 'INVALID_KEY', /^field: public key is not in canonical SubjectPublicKeyInfo form/);

  const dir = mkdtempSync(join(tmpdir(), 'sigstack-ec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'k.pem'), key.privateKey.export({ type: 'sec1', format: 'pem' }));
  const explicit = execFileSync('openssl', ['ec', '-in', join(dir, 'k.pem'), '-param_enc', 'explicit', '-pubout'], { stdio: ['ignore', 'pipe', 'ignore'] });
  throwsCode(t, () => parse(explicit), 'INVALID_KEY', /^field: (public key is not in canonical|unsupported elliptic curve)/);
  execFileSync('openssl', ['ec', '-in', join(dir, 'k.pem'), '-conv_form', 'compressed', '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir, 'c.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=x'], { stdio: 'ignore' });
  throwsCode(t, () => parse(readFileSync(join(dir, 'cert.pem'))), 'INVALID_KEY', /^field: certificate public key is not in canonical SubjectPublicKeyInfo form/);
});

t.test('certificates: canonical PEM is the certificate, subjects are its SANs in Go order', async (t) => {
  const cert = selfSignedCert(testKey('p384', 'cert'), [
    'URI:spiffe://example.org/ns/default',
    'otherName:1.3.6.1.4.1.57264.1.7;UTF8:robot!example.org',
    'IP:::ffff:192.0.2.1',
    'IP:2001:db8:0:0:1:0:0:1',
    'email:a@example.com',
    'DNS:a.example.com',
    'email:b@example.com',
    'DNS:b.example.com',
  ]);
  const k = parse(cert.pem);
  t.equal(k.canonicalPem.toString(), cert.pem);
  t.ok(k.vk.certificate);
  t.same(k.subjects, ['a.example.com', 'b.example.com', 'a@example.com', 'b@example.com', '192.0.2.1', '2001:db8::1:0:0:1', 'spiffe://example.org/ns/default', 'robot!example.org']);
  // Upstream adds the username otherName only when it is the one and only otherName.
  const two = selfSignedCert(testKey('p256', 'two'), ['otherName:1.3.6.1.4.1.57264.1.7;UTF8:a', 'otherName:1.3.6.1.4.1.57264.1.7;UTF8:b']);
  t.same(parse(two.pem).subjects, []);
  const foreign = selfSignedCert(testKey('p256', 'foreign'), ['otherName:1.2.3.4;UTF8:x', 'otherName:1.3.6.1.4.1.57264.1.7;UTF8:a', 'email:c@example.com']);
  t.same(parse(foreign.pem).subjects, ['c@example.com']);
  t.same(parse(selfSignedCert(testKey('ed25519')).pem).subjects, [], 'no SAN');
});

t.test('SAN values Go refuses make the certificate INVALID_KEY', async (t) => {
  const tlv = (tag: number, v: Buffer) => Buffer.concat([Buffer.of(tag, v.length), v]);
  const san = (...names: Buffer[]) => tlv(0x30, Buffer.concat(names));
  t.same(subjectAltNames([san(tlv(0x82, Buffer.from('x.example')), tlv(0x81, Buffer.from('m@x')))], 'f'), ['x.example', 'm@x']);
  throwsCode(t, () => subjectAltNames([san(tlv(0x81, Buffer.from('é@x', 'utf8')))], 'f'), 'INVALID_KEY', /^f: certificate subjectAltName rfc822Name is malformed/);
  throwsCode(t, () => subjectAltNames([san(tlv(0x82, Buffer.from([0x80])))], 'f'), 'INVALID_KEY', /dNSName is malformed/);
  throwsCode(t, () => subjectAltNames([san(tlv(0x86, Buffer.from('https://ü')))], 'f'), 'INVALID_KEY', /uniformResourceIdentifier is malformed/);
  throwsCode(t, () => subjectAltNames([san(tlv(0x87, Buffer.of(1, 2, 3)))], 'f'), 'INVALID_KEY', /iPAddress is malformed/);
  throwsCode(t, () => subjectAltNames([Buffer.of(0x30, 0x05, 0x82)], 'f'), 'INVALID_KEY', /extension is malformed/);
});

t.test("IP addresses are written as Go's net.IP.String()", async (t) => {
  const v6 = (s: string) => Buffer.from(s.replace(/:/g, ''), 'hex');
  t.equal(formatIp(Buffer.of(10, 0, 0, 1)), '10.0.0.1');
  t.equal(formatIp(v6('0000:0000:0000:0000:0000:ffff:c000:0201')), '192.0.2.1');
  t.equal(formatIp(v6('0000:0000:0000:0000:0000:0000:0000:0001')), '::1');
  t.equal(formatIp(v6('0000:0000:0000:0000:0000:0000:0000:0000')), '::');
  t.equal(formatIp(v6('fe80:0000:0000:0000:0000:0000:0000:0000')), 'fe80::');
  t.equal(formatIp(v6('2001:0db8:0000:0001:0000:0000:0000:0001')), '2001:db8:0:1::1');
  t.equal(formatIp(v6('2001:0db8:0000:0000:0001:0000:0000:0001')), '2001:db8::1:0:0:1');
  t.equal(formatIp(v6('2001:0db8:0001:0000:0001:0000:0001:0001')), '2001:db8:1:0:1:0:1:1', 'a single zero group is not compressed');
  t.equal(formatIp(v6('2001:0DB8:ABCD:0012:0000:0000:0000:0000')), '2001:db8:abcd:12::');
});

t.test('SSH SHA256 fingerprints match ssh-keygen', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-ssh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const keygenFingerprint = (sshLine: string) => {
    writeFileSync(join(dir, 'k.pub'), sshLine);
    return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
  };
  for (const kind of ['p256', 'p384', 'p521', 'rsa2048'] as const) {
    const key = testKey(kind);
    writeFileSync(join(dir, 'k.pem'), key.publicPem);
    const line = execFileSync('ssh-keygen', ['-i', '-m', 'PKCS8', '-f', join(dir, 'k.pem')], { encoding: 'utf8' });
    t.equal(sshSha256Fingerprint(parse(key.publicPem).vk), keygenFingerprint(line), kind);
  }
  // ssh-keygen cannot import an Ed25519 PKCS #8 key; write the OpenSSH line by hand (RFC 8709 §4).
  const ed = testKey('ed25519');
  const raw = ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const line = `ssh-ed25519 ${b64(Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]))}\n`;
  t.equal(sshSha256Fingerprint(parse(ed.publicPem).vk), keygenFingerprint(line), 'ed25519');
});
