// The CA hierarchy (protocols.md §4.9): the generated root and intermediate, reopening,
// refusing mismatched keys and chains, and the trusted_root.json entry.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createEphemeralSigner, FakeClock, toPem } from '@sigstack/core';
import {
  CA_CHAIN_FILE,
  CA_INTERMEDIATE_KEY_FILE,
  CA_ROOT_KEY_FILE,
  CertificateAuthority,
  FulcioError,
  issueCaHierarchy,
  openCertificateAuthority,
} from '../../src/index.js';
import { tempCa } from './helpers.js';

const clock = new FakeClock(Date.UTC(2026, 0, 15, 8, 30, 0, 999));

function ext(cert: pkijs.Certificate, oid: string) {
  const e = cert.extensions?.find((x) => x.extnID === oid);
  return e && { critical: e.critical, value: asn1js.fromBER(e.extnValue.valueBlock.valueHexView).result };
}

function kuHex(cert: pkijs.Certificate): string {
  return Buffer.from(cert.extensions!.find((x) => x.extnID === '2.5.29.15')!.extnValue.valueBlock.valueHexView).toString('hex');
}

t.test('generated hierarchy: root and intermediate profiles', async (t) => {
  const { ca, dir, cleanup } = await tempCa({ clock, subject: { organization: 'example.com', commonName: 'example-fulcio' } });
  t.teardown(cleanup);
  t.equal(ca.chainDer.length, 2);
  const [interDer, rootDer] = ca.chainDer as [Buffer, Buffer];
  const root = pkijs.Certificate.fromBER(rootDer);
  const inter = pkijs.Certificate.fromBER(interDer);
  const rootX = new X509Certificate(rootDer);
  const interX = new X509Certificate(interDer);

  t.equal(rootX.subject, 'O=example.com\nCN=example-fulcio');
  t.equal(interX.subject, 'O=example.com\nCN=example-fulcio-intermediate');
  t.equal(interX.issuer, rootX.subject);
  t.ok(rootX.verify(rootX.publicKey), 'root self-signed');
  t.ok(interX.verify(rootX.publicKey) && interX.checkIssued(rootX), 'intermediate issued by the root');
  t.equal(root.notBefore.value.toISOString(), '2026-01-15T08:30:00.000Z', 'whole second of the clock');
  t.equal(root.notAfter.value.getTime() - root.notBefore.value.getTime(), 3650 * 86_400_000, '10 years');
  t.ok(inter.notAfter.value.getTime() <= root.notAfter.value.getTime(), 'intermediate within the root');
  for (const c of [root, inter]) t.equal(Buffer.from(c.serialNumber.valueBlock.valueHexView).length, 20);

  t.same(ext(root, '2.5.29.15')!.critical, true, 'root KU critical');
  t.equal(kuHex(root), '03020106', 'root KU keyCertSign + cRLSign');
  const rootBc = ext(root, '2.5.29.19')!;
  t.ok(rootBc.critical, 'root BC critical');
  t.equal(Buffer.from((rootBc.value as asn1js.Sequence).toBER(false)).toString('hex'), '30030101ff', 'root BC cA TRUE');
  t.equal(ext(root, '2.5.29.37'), undefined, 'root has no EKU');
  t.ok(ext(root, '2.5.29.14'), 'root SKI');

  t.ok(ext(inter, '2.5.29.15')!.critical, 'intermediate KU critical');
  t.equal(kuHex(inter), '03020106', 'intermediate KU keyCertSign + cRLSign');
  const interBc = ext(inter, '2.5.29.19')!;
  t.ok(interBc.critical);
  t.equal(Buffer.from((interBc.value as asn1js.Sequence).toBER(false)).toString('hex'), '30060101ff020100', 'intermediate BC cA TRUE pathlen 0');
  const eku = ext(inter, '2.5.29.37')!;
  t.equal(eku.critical, false, 'intermediate EKU non-critical');
  t.same((eku.value as asn1js.Sequence).valueBlock.value.map((o) => (o as asn1js.ObjectIdentifier).valueBlock.toString()), ['1.3.6.1.5.5.7.3.3']);
  const rootSki = Buffer.from((ext(root, '2.5.29.14')!.value as asn1js.OctetString).valueBlock.valueHexView);
  const aki = ext(inter, '2.5.29.35')!.value as asn1js.Sequence;
  t.ok(Buffer.from((aki.valueBlock.value[0] as asn1js.Primitive).valueBlock.valueHexView).equals(rootSki), 'intermediate AKI = root SKI');
  t.equal(root.signatureAlgorithm.algorithmId, '1.2.840.10045.4.3.2', 'P-256 by default');

  t.test('files: keys 0600, chain PEM intermediate then root', async (t) => {
    t.equal(statSync(join(dir, CA_ROOT_KEY_FILE)).mode & 0o777, 0o600);
    t.equal(statSync(join(dir, CA_INTERMEDIATE_KEY_FILE)).mode & 0o777, 0o600);
    t.equal(readFileSync(join(dir, CA_CHAIN_FILE), 'utf8'), ca.chainPem.join(''));
    t.same(ca.chainPem, ca.chainDer.map((d) => toPem('CERTIFICATE', d)));
  });

  t.test('trustedRootEntry', async (t) => {
    const e = ca.trustedRootEntry('https://fulcio.example.com');
    t.same(e, {
      subject: { organization: 'example.com', commonName: 'example-fulcio' },
      uri: 'https://fulcio.example.com',
      certChain: { certificates: [{ rawBytes: interDer.toString('base64') }, { rawBytes: rootDer.toString('base64') }] },
      validFor: { start: '2026-01-15T08:30:00Z' },
    });
  });

  t.test('reopening serves the same chain; the clock no longer matters', async (t) => {
    const again = await openCertificateAuthority({ dir, clock: new FakeClock(Date.UTC(2030, 0, 1)) });
    t.same(again.chainDer, ca.chainDer);
  });
});

t.test('P-384 hierarchy', async (t) => {
  const { ca, cleanup } = await tempCa({ clock, algorithm: 'ecdsa-p384-sha384' });
  t.teardown(cleanup);
  for (const der of ca.chainDer) t.equal(pkijs.Certificate.fromBER(der).signatureAlgorithm.algorithmId, '1.2.840.10045.4.3.3');
  t.equal(ca.signer.algorithm, 'ecdsa-p384-sha384');
  t.equal(new X509Certificate(ca.chainDer[1]!).subject, 'O=sigstack\nCN=sigstack');
});

t.test('refusals on open', async (t) => {
  t.test('missing chain without create', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sigstack-fulcio-test-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    await t.rejects(openCertificateAuthority({ dir }), { code: 'CA_CHAIN_INVALID' });
    t.notOk(existsSync(join(dir, CA_CHAIN_FILE)), 'nothing created');
  });

  t.test('a regenerated intermediate key does not match the chain', async (t) => {
    const { dir, cleanup } = await tempCa({ clock });
    t.teardown(cleanup);
    unlinkSync(join(dir, CA_INTERMEDIATE_KEY_FILE));
    await t.rejects(openCertificateAuthority({ dir, create: true }), { code: 'CA_CHAIN_INVALID' }, 'create does not regenerate a key under an existing chain');
    const other = await tempCa({ clock });
    t.teardown(other.cleanup);
    renameSync(join(other.dir, CA_INTERMEDIATE_KEY_FILE), join(dir, CA_INTERMEDIATE_KEY_FILE));
    await t.rejects(openCertificateAuthority({ dir }), { code: 'CA_CHAIN_INVALID', message: /does not certify the CA's signing key/ });
  });

  t.test('a root key that does not match the root certificate', async (t) => {
    const { dir, cleanup } = await tempCa({ clock });
    t.teardown(cleanup);
    const other = await tempCa({ clock });
    t.teardown(other.cleanup);
    renameSync(join(other.dir, CA_ROOT_KEY_FILE), join(dir, CA_ROOT_KEY_FILE));
    await t.rejects(openCertificateAuthority({ dir }), { code: 'CA_CHAIN_INVALID', message: /root certificate does not certify the root key/ });
  });

  t.test('the root key may be kept offline once the chain exists', async (t) => {
    const { ca, dir, cleanup } = await tempCa({ clock });
    t.teardown(cleanup);
    unlinkSync(join(dir, CA_ROOT_KEY_FILE));
    const again = await openCertificateAuthority({ dir });
    t.same(again.chainDer, ca.chainDer);
  });

  t.test('algorithm mismatch with the existing keys', async (t) => {
    const { dir, cleanup } = await tempCa({ clock });
    t.teardown(cleanup);
    await t.rejects(openCertificateAuthority({ dir, algorithm: 'ecdsa-p384-sha384' }), { code: 'CA_CHAIN_INVALID' });
  });

  t.test('corrupt or reordered chain file', async (t) => {
    const { ca, dir, cleanup } = await tempCa({ clock });
    t.teardown(cleanup);
    writeFileSync(join(dir, CA_CHAIN_FILE), ca.chainPem[1]! + ca.chainPem[0]!);
    await t.rejects(openCertificateAuthority({ dir }), { code: 'CA_CHAIN_INVALID' }, 'root first is refused');
    writeFileSync(join(dir, CA_CHAIN_FILE), ca.chainPem[0]!);
    await t.rejects(openCertificateAuthority({ dir }), { code: 'CA_CHAIN_INVALID' }, 'intermediate only');
    writeFileSync(join(dir, CA_CHAIN_FILE), 'garbage');
    await t.rejects(openCertificateAuthority({ dir }), { code: 'CA_CHAIN_INVALID' });
  });

  t.test('a chain whose intermediate is no CA', async (t) => {
    const root = createEphemeralSigner();
    const inter = createEphemeralSigner();
    const [, rootDer] = await issueCaHierarchy({ rootSigner: root, intermediateSigner: inter, nowMs: clock.now(), subject: { organization: 'x', commonName: 'y' } });
    const { issueCertificate } = await import('@sigstack/x509');
    const notCa = await issueCertificate({
      subject: { commonName: 'not a ca' },
      publicKeyDer: inter.publicKeyDer,
      signer: root,
      issuerCertificate: rootDer!,
      notBefore: new Date(clock.now()),
      notAfter: new Date(clock.now() + 86_400_000),
    });
    t.throws(() => new CertificateAuthority({ signer: inter, chain: [notCa, rootDer!] }), new FulcioError('CA_CHAIN_INVALID', 'the intermediate is not a CA (BasicConstraints cA must be TRUE)'));
  });
});

t.test('a leaf must lie within the intermediate', async (t) => {
  const root = createEphemeralSigner();
  const inter = createEphemeralSigner();
  const chain = await issueCaHierarchy({ rootSigner: root, intermediateSigner: inter, nowMs: clock.now(), subject: { organization: 'x', commonName: 'y' }, validityDays: 1 });
  const ca = new CertificateAuthority({ signer: inter, chain });
  const spec = { serial: Buffer.alloc(20, 0x41), spkiDer: createEphemeralSigner().publicKeyDer, san: { type: 'email' as const, value: 'a@b.c' }, extensions: [] };
  const start = Math.floor(clock.now() / 1000) * 1000;
  t.ok(await ca.createPrecertificate({ ...spec, notBefore: start, notAfter: start + 600_000 }));
  await t.rejects(ca.createPrecertificate({ ...spec, notBefore: start + 86_400_000 - 300_000, notAfter: start + 86_400_000 + 300_000 }), { code: 'CA_UNAVAILABLE' });
  await t.rejects(ca.createPrecertificate({ ...spec, notBefore: start - 1000, notAfter: start + 599_000 }), { code: 'CA_UNAVAILABLE' });
});
