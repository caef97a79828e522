// The leaf certificate profile (protocols.md §4.5–§4.7, §4.10, §5.3), decoded by
// pkijs and by node:crypto/OpenSSL, the embedded SCT verified independently, and
// the chain checked with the system `openssl verify`.
import t from 'tap';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toPem } from '@sigstack/core';
import { subjectNameDer } from '../../src/ca/ca-chain.js';
import {
  clientKey,
  embeddedScts,
  EMAIL_PRINCIPAL,
  extensionsDer,
  extensionValue,
  POISON_OID,
  SCT_LIST_OID,
  tbsWithout,
  tempService,
  URI_PRINCIPAL,
  USERNAME_PRINCIPAL,
  verifyEmbeddedSct,
} from './helpers.js';

const run = promisify(execFile);

for (const algorithm of ['ecdsa-p256-sha256', 'ecdsa-p384-sha384'] as const) {
  t.test(`leaf from a ${algorithm} CA`, async (t) => {
    const s = await tempService({ algorithm });
    t.teardown(s.cleanup);
    const key = clientKey('p256');
    const cert = await s.fulcio.createSigningCertificate({
      token: 'email',
      key: { kind: 'publicKey', publicKey: key.pem, proofOfPossession: key.sign(EMAIL_PRINCIPAL.challenge) },
    });
    const [leafDer, intermediateDer, rootDer] = cert.chainDer as [Buffer, Buffer, Buffer];
    t.equal(cert.chainDer.length, 3);
    t.same(cert.chainPem, cert.chainDer.map((d) => toPem('CERTIFICATE', d)));
    t.ok(cert.chainPem.every((p) => p.endsWith('-----END CERTIFICATE-----\n')), 'every PEM ends with a newline');
    t.ok(intermediateDer.equals(s.ca.chainDer[0]!) && rootDer.equals(s.ca.chainDer[1]!), 'chain is [leaf, intermediate, root]');

    t.test('pkijs decoding: every TBS field', async (t) => {
      const asn = asn1js.fromBER(leafDer);
      t.equal(asn.offset, leafDer.length, 'one DER structure, no trailing data');
      const c = pkijs.Certificate.fromBER(leafDer);
      t.equal(c.version, 2, 'v3');
      const serial = Buffer.from(c.serialNumber.valueBlock.valueHexView);
      t.equal(serial.length, 20, '20-octet serial');
      t.equal(serial[0]! & 0x80, 0, 'positive');
      const sigAlg = algorithm === 'ecdsa-p256-sha256' ? '1.2.840.10045.4.3.2' : '1.2.840.10045.4.3.3';
      t.equal(c.signature.algorithmId, sigAlg);
      t.equal(c.signatureAlgorithm.algorithmId, sigAlg);
      t.equal(c.signature.algorithmParams, undefined, 'no parameters for ECDSA');
      t.ok(Buffer.from(c.issuer.toSchema().toBER(false)).equals(subjectNameDer(intermediateDer)), 'issuer = intermediate subject bytes');
      // notBefore = the clock's second (12:00:00.250 → 12:00:00), notAfter + 10 minutes, UTCTime
      t.equal(c.notBefore.value.toISOString(), '2026-03-01T12:00:00.000Z');
      t.equal(c.notAfter.value.toISOString(), '2026-03-01T12:10:00.000Z');
      t.equal(c.notBefore.type, 0, 'UTCTime');
      t.equal(c.subject.typesAndValues.length, 0);
      const tbs = Buffer.from(c.encodeTBS().toBER(false));
      t.ok(tbs.includes(Buffer.from('30003059', 'hex')), 'empty subject (30 00) followed by the P-256 SPKI');
      t.ok(Buffer.from(c.subjectPublicKeyInfo.toSchema().toBER(false)).equals(key.der), 'SPKI = requested key');

      const oids = c.extensions!.map((e) => e.extnID);
      t.same(
        oids,
        ['2.5.29.15', '2.5.29.37', '2.5.29.14', '2.5.29.35', '2.5.29.17', '1.3.6.1.4.1.57264.1.1', '1.3.6.1.4.1.57264.1.8', '1.3.6.1.4.1.57264.1.24', SCT_LIST_OID],
        'extension order',
      );
      t.same(c.extensions!.map((e) => e.critical), [true, false, false, false, true, false, false, false, false], 'criticality');
      const exts = extensionsDer(leafDer);
      t.equal(exts[0]!.toString('hex'), '300e0603551d0f0101ff040403020780', 'KeyUsage critical digitalSignature');
      t.equal(exts[1]!.toString('hex'), '30130603551d25040c300a06082b06010505070303', 'EKU codeSigning');
      const ski = extensionValue(leafDer, '2.5.29.14')!.value;
      const spkiBits = Buffer.from(c.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
      t.ok(ski.equals(Buffer.concat([Buffer.from([4, 20]), createHash('sha256').update(spkiBits).digest().subarray(0, 20)])), 'SKI = 160 bits of SHA-256(key)');
      const interSki = pkijs.Certificate.fromBER(intermediateDer).extensions!.find((e) => e.extnID === '2.5.29.14')!.extnValue.valueBlock.valueHexView;
      const aki = extensionValue(leafDer, '2.5.29.35')!.value;
      t.ok(aki.equals(Buffer.concat([Buffer.from([0x30, 22, 0x80, 20]), Buffer.from(interSki).subarray(2)])), 'AKI keyIdentifier = intermediate SKI');
      t.equal(extensionValue(leafDer, '2.5.29.17')!.value.toString('hex'), '3013' + '8111' + Buffer.from('alice@example.com').toString('hex'), 'rfc822Name SAN');
      t.equal(extensionValue(leafDer, '1.3.6.1.4.1.57264.1.1')!.value.toString('hex'), Buffer.from('http://oidc.local:8080').toString('hex'), '1.1 raw');
      t.equal(exts[5]!.toString('hex'), '3024060a2b0601040183bf30010104' + '16' + Buffer.from('http://oidc.local:8080').toString('hex'), '1.1 extension bytes');
      t.equal(extensionValue(leafDer, '1.3.6.1.4.1.57264.1.8')!.value.toString('hex'), '0c16' + Buffer.from('http://oidc.local:8080').toString('hex'), '1.8 UTF8String');
      t.equal(extensionValue(leafDer, '1.3.6.1.4.1.57264.1.24')!.value.toString('hex'), '0c09' + Buffer.from('alice-sub').toString('hex'), '1.24 UTF8String');
      t.equal(extensionValue(leafDer, POISON_OID), undefined, 'no poison in the final certificate');
      t.notOk(c.extensions!.some((e) => e.extnID === '2.5.29.19'), 'no BasicConstraints (as public-good leaves)');
    });

    t.test('node:crypto (OpenSSL) decoding', async (t) => {
      const x = new X509Certificate(leafDer);
      const inter = new X509Certificate(intermediateDer);
      t.ok(x.verify(inter.publicKey), 'signed by the intermediate');
      t.ok(x.checkIssued(inter), 'issued by the intermediate (names and AKI/SKI)');
      t.equal(x.subject, undefined, 'node reports no subject for the empty Name');
      t.equal(x.issuer, inter.subject);
      t.equal(x.subjectAltName, 'email:alice@example.com');
      t.same(x.keyUsage, ['1.3.6.1.5.5.7.3.3'], 'node keyUsage = the EKU list: codeSigning only');
      t.equal(new Date(x.validTo).getTime() - new Date(x.validFrom).getTime(), 600_000, '10 minutes');
      t.equal(x.ca, false);
      t.ok(x.publicKey.export({ type: 'spki', format: 'der' }).equals(key.der));
      t.equal(x.serialNumber.length, 40, '20 octets in hex');
    });

    t.test('embedded SCT, verified independently', async (t) => {
      const scts = embeddedScts(leafDer);
      t.equal(scts.length, 1);
      const sct = scts[0]!;
      t.equal(sct.version, 0);
      t.ok(sct.logId.equals(s.ctLog.logId), 'log_id = SHA-256(log SPKI)');
      t.equal(sct.timestamp, s.clock.now());
      t.same([sct.hashAlg, sct.sigAlg], [4, 3]);
      t.ok(verifyEmbeddedSct(leafDer, intermediateDer, s.ctLog.key.publicKey), 'SCT signature verifies over final TBS minus the SCT list');
      // the list wrapping: extnValue = OCTET STRING { uint16 total ‖ uint16 len ‖ sct }
      const ext = extensionsDer(leafDer).at(-1)!;
      t.equal(ext.subarray(0, 15).toString('hex'), '3081' + ext[2]!.toString(16).padStart(2, '0') + '060a2b06010401d679020402', 'SCT list extension: OID, no critical flag');
      const sctLen = 1 + 32 + 8 + 2 + 4 + scts[0]!.signature.length;
      t.same([...ext.subarray(15, 19)], [0x04, sctLen + 6, 0x04, sctLen + 4], 'OCTET STRING { OCTET STRING { list } }');
      t.same([ext.readUInt16BE(19), ext.readUInt16BE(21)], [sctLen + 2, sctLen], 'uint16 total ‖ uint16 length ‖ sct');

      t.equal(s.ctLog.calls.length, 1);
      const [precert, pInter, pRoot] = s.ctLog.calls[0]!;
      t.ok(pInter!.equals(intermediateDer) && pRoot!.equals(rootDer), 'add-pre-chain got [precert, intermediate, root]');
      const poison = extensionValue(precert!, POISON_OID)!;
      t.ok(poison.critical, 'poison critical');
      t.equal(poison.value.toString('hex'), '0500', 'poison value NULL');
      t.equal(extensionsDer(precert!).at(-1)!.toString('hex'), '3013060a2b06010401d679020403' + '0101ff' + '04020500', 'poison is the last extension');
      t.ok(tbsWithout(precert!, POISON_OID).equals(tbsWithout(leafDer, SCT_LIST_OID)), 'precert TBS minus poison = final TBS minus SCT list');
      t.ok(tbsWithout(leafDer, 'none').equals(Buffer.from(pkijs.Certificate.fromBER(leafDer).encodeTBS().toBER(false))), 'asn1js re-encoding is the identity (the comparison above is meaningful)');
      t.ok(new X509Certificate(precert!).verify(new X509Certificate(intermediateDer).publicKey), 'precert signed by the intermediate');
    });

    t.test('openssl verify with the system binary', async (t) => {
      const root = join(s.dir, 'root.pem');
      const inter = join(s.dir, 'intermediate.pem');
      const leaf = join(s.dir, 'leaf.pem');
      writeFileSync(root, cert.chainPem[2]!);
      writeFileSync(inter, cert.chainPem[1]!);
      writeFileSync(leaf, cert.chainPem[0]!);
      // The leaf is 10 minutes long at a fake 2026 date: verify at its notBefore.
      const at = String(Date.UTC(2026, 2, 1, 12, 5) / 1000);
      const { stdout } = await run('openssl', ['verify', '-attime', at, '-CAfile', root, '-untrusted', inter, '-purpose', 'any', leaf]);
      t.match(stdout, /leaf\.pem: OK/);
      // -x509_strict: among others, an empty subject requires a critical SAN (RFC 5280 §4.2.1.6).
      const strict = await run('openssl', ['verify', '-x509_strict', '-attime', at, '-CAfile', root, '-untrusted', inter, '-purpose', 'any', leaf]);
      t.match(strict.stdout, /leaf\.pem: OK/, 'also with -x509_strict');
      const late = await run('openssl', ['verify', '-attime', String(Number(at) + 301), '-CAfile', root, '-untrusted', inter, leaf]).then(
        () => 'ok',
        (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
      );
      t.match(late, /expired/, 'expired one second after notBefore + 10 minutes');
      const text = (await run('openssl', ['x509', '-in', leaf, '-noout', '-text'])).stdout;
      t.match(text, /Subject: *\n/, 'empty subject');
      t.match(text, /X509v3 Subject Alternative Name: critical\s+email:alice@example.com/);
      t.match(text, /CT Precertificate SCTs:/);
    });
  });
}

t.test('otherName SAN for a username identity: bytes exactly as §4.6', async (t) => {
  const s = await tempService();
  t.teardown(s.cleanup);
  const key = clientKey('p256');
  const cert = await s.fulcio.createSigningCertificate({ token: 'username', key: { kind: 'publicKey', publicKey: key.pem, proofOfPossession: key.sign(USERNAME_PRINCIPAL.challenge) } });
  const san = extensionValue(cert.chainDer[0]!, '2.5.29.17')!;
  t.ok(san.critical);
  t.equal(san.value.toString('hex').toUpperCase(), '3020A01E060A2B0601040183BF30010  7A0100C0E666F6F216F6964632E6C6F63616C'.replace(/\s/g, ''));
  t.ok(verifyEmbeddedSct(cert.chainDer[0]!, cert.chainDer[1]!, s.ctLog.key.publicKey));
});

t.test('URI SAN and CI extensions in the given order', async (t) => {
  const s = await tempService();
  t.teardown(s.cleanup);
  const key = clientKey('ed25519');
  const cert = await s.fulcio.createSigningCertificate({ token: 'uri', key: { kind: 'publicKey', publicKey: key.pem, proofOfPossession: key.sign(URI_PRINCIPAL.challenge) } });
  const leaf = cert.chainDer[0]!;
  const x = new X509Certificate(leaf);
  t.equal(x.subjectAltName, `URI:${URI_PRINCIPAL.san.value}`);
  const oids = pkijs.Certificate.fromBER(leaf).extensions!.map((e) => e.extnID);
  t.same(oids.slice(5, -1), URI_PRINCIPAL.extensions.map((e) => e.oid));
  t.equal(extensionValue(leaf, '1.3.6.1.4.1.57264.1.2')!.value.toString(), 'push', '1.2 raw');
  t.equal(extensionValue(leaf, '1.3.6.1.4.1.57264.1.9')!.value[0], 0x0c, '1.9 UTF8String');
  t.ok(verifyEmbeddedSct(leaf, cert.chainDer[1]!, s.ctLog.key.publicKey));
});

t.test('certValiditySeconds is configurable', async (t) => {
  const s = await tempService({ certValiditySeconds: 1200 });
  t.teardown(s.cleanup);
  const key = clientKey('p384');
  const cert = await s.fulcio.createSigningCertificate({ token: 'email', key: { kind: 'publicKey', publicKey: key.pem, proofOfPossession: key.sign(EMAIL_PRINCIPAL.challenge) } });
  const x = new X509Certificate(cert.chainDer[0]!);
  t.equal(new Date(x.validTo).getTime() - new Date(x.validFrom).getTime(), 1_200_000);
});

t.test('serials differ between certificates', async (t) => {
  const s = await tempService();
  t.teardown(s.cleanup);
  const key = clientKey('p256');
  const serials = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const cert = await s.fulcio.createSigningCertificate({ token: 'email', key: { kind: 'publicKey', publicKey: key.pem, proofOfPossession: key.sign(EMAIL_PRINCIPAL.challenge) } });
    serials.add(new X509Certificate(cert.chainDer[0]!).serialNumber);
  }
  t.equal(serials.size, 20);
});
