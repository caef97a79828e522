import t from 'tap';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createEphemeralSigner, FakeClock, fromPem, toPem } from '@sigstack/core';
import { issueCertificate } from '@sigstack/x509';
import { openDevChain, openTimestampAuthority, TSA_CHAIN_FILE, verifyTsaChain } from '../src/index.js';

const clock = new FakeClock(Date.UTC(2026, 4, 5, 6, 7, 8, 900));

function ext(cert: pkijs.Certificate, oid: string) {
  const e = cert.extensions?.find((x) => x.extnID === oid);
  return e ? { critical: e.critical, value: asn1js.fromBER(e.extnValue.valueBlock.valueHexView).result } : undefined;
}

t.test('creates root + leaf with the TSA profile; files and modes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-chain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { signer, chain } = await openDevChain({ dir, clock });
  t.equal(chain.length, 2);
  t.ok(existsSync(join(dir, TSA_CHAIN_FILE)));
  t.same(readdirSync(join(dir, 'keys')).sort(), ['tsa-leaf.pem', 'tsa-root.pem']);
  t.equal(statSync(join(dir, 'keys', 'tsa-leaf.pem')).mode & 0o777, 0o600);
  t.same(fromPem(readFileSync(join(dir, TSA_CHAIN_FILE), 'utf8')).map((b) => b.der.toString('hex')), chain.map((c) => c.toString('hex')), 'PEM file holds the chain, leaf first');
  t.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary file left');

  const [leafDer, rootDer] = chain as [Buffer, Buffer];
  const leaf = pkijs.Certificate.fromBER(leafDer);
  const root = pkijs.Certificate.fromBER(rootDer);
  const leafX = new X509Certificate(leafDer);
  const rootX = new X509Certificate(rootDer);

  // Leaf: EKU critical and alone, KU digitalSignature, not a CA, SKI/AKI.
  const eku = ext(leaf, '2.5.29.37')!;
  t.ok(eku, 'leaf has an ExtendedKeyUsage');
  t.equal(eku.critical, true, 'EKU is critical');
  t.same((eku.value as asn1js.Sequence).valueBlock.value.map((v) => (v as asn1js.ObjectIdentifier).valueBlock.toString()), ['1.3.6.1.5.5.7.3.8'], 'EKU is exactly id-kp-timeStamping');
  t.same(leafX.keyUsage, ['1.3.6.1.5.5.7.3.8']);
  const ku = ext(leaf, '2.5.29.15')!;
  t.equal(ku.critical, true);
  t.same(Buffer.from((ku.value as asn1js.BitString).valueBlock.valueHexView), Buffer.from([0x80]), 'KU digitalSignature only');
  t.equal(leafX.ca, false, 'leaf is not a CA');
  const ski = ext(root, '2.5.29.14')!.value as asn1js.OctetString;
  const aki = (ext(leaf, '2.5.29.35')!.value as asn1js.Sequence).valueBlock.value[0] as asn1js.Primitive;
  t.same(Buffer.from(aki.valueBlock.valueHexView), Buffer.from(ski.valueBlock.valueHexView), 'leaf AKI = root SKI');
  t.ok(ext(leaf, '2.5.29.14'), 'leaf has a SKI');
  t.equal(leafX.subject, 'O=sigstack\nCN=sigstack TSA');
  t.equal(leafX.issuer, rootX.subject);
  t.ok(leafX.verify(rootX.publicKey), 'leaf signed by the root');
  t.ok(leafX.publicKey.export({ type: 'spki', format: 'der' }).equals(signer.publicKeyDer), 'leaf certifies the signer');
  t.equal(leaf.signatureAlgorithm.algorithmId, '1.2.840.10045.4.3.2');
  t.equal(leafX.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');

  // Root: self-signed CA, pathLen 0, KU keyCertSign + cRLSign.
  t.equal(rootX.ca, true);
  t.ok(rootX.verify(rootX.publicKey), 'root is self-signed');
  const bc = ext(root, '2.5.29.19')!;
  t.equal(bc.critical, true);
  t.same(Buffer.from((ext(root, '2.5.29.15')!.value as asn1js.BitString).valueBlock.valueHexView), Buffer.from([0x06]), 'root KU keyCertSign + cRLSign');

  // Validity: from the clock's second; leaf 10 years, within the root's.
  t.equal(leaf.notBefore.value.getTime(), Date.UTC(2026, 4, 5, 6, 7, 8));
  t.ok(leaf.notAfter.value.getTime() <= root.notAfter.value.getTime());
  t.ok(leaf.notAfter.value.getTime() - leaf.notBefore.value.getTime() >= 3650 * 86_400_000);
});

t.test('reopening reads the same chain back; a replaced key is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-chain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await openTimestampAuthority({ dir, clock });
  clock.advance(86_400_000);
  const second = await openTimestampAuthority({ dir, clock });
  t.equal(second.chainPem, first.chainPem, 'same chain after a restart');
  t.same(second.trustedRootEntry('u'), first.trustedRootEntry('u'));

  // A lost leaf key is an error, never a new key beside the old chain.
  rmSync(join(dir, 'keys', 'tsa-leaf.pem'));
  await t.rejects(openTimestampAuthority({ dir, clock }), { code: 'KEY_FILE', message: /does not exist/ });
  // A different leaf key under the old chain is refused.
  writeFileSync(join(dir, 'keys', 'tsa-leaf.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await t.rejects(openTimestampAuthority({ dir, clock }), { code: 'INVALID_CHAIN', message: /does not certify the TSA signing key/ });
});

t.test('the root key may go offline; a replaced one is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-chain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await openDevChain({ dir, clock });
  rmSync(join(dir, 'keys', 'tsa-root.pem'));
  const offline = await openDevChain({ dir, clock });
  t.same(offline.chain, first.chain, 'serves the same chain without the root key');
  writeFileSync(join(dir, 'keys', 'tsa-root.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await t.rejects(openDevChain({ dir, clock }), { code: 'INVALID_CHAIN', message: /root certificate does not match/ });
});

t.test('production (create: false) never generates a chain', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-chain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await t.rejects(openTimestampAuthority({ dir, clock, create: false }), { code: 'INVALID_CHAIN', message: /sigstack tsa init/ });
  t.same(readdirSync(dir), [], 'nothing written');
  await openDevChain({ dir, clock });
  const tsa = await openTimestampAuthority({ dir, clock, create: false });
  t.match(tsa.chainPem, /BEGIN CERTIFICATE/, 'an existing chain opens');
});

t.test('a corrupt chain file is refused, not replaced', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-chain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await openDevChain({ dir, clock });
  writeFileSync(join(dir, TSA_CHAIN_FILE), 'not a pem');
  await t.rejects(openDevChain({ dir, clock }), { code: 'INVALID_CHAIN' });
  t.equal(readFileSync(join(dir, TSA_CHAIN_FILE), 'utf8'), 'not a pem');
});

t.test('concurrent first starts agree on one chain', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsa-chain-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [a, b] = await Promise.all([openDevChain({ dir, clock }), openDevChain({ dir, clock })]);
  t.same(a.chain.map((c) => c.toString('hex')), b.chain.map((c) => c.toString('hex')));
});

t.test('signer and chain: both or neither', async (t) => {
  await t.rejects(openTimestampAuthority({ clock, signer: createEphemeralSigner() }), { code: 'INVALID_OPTIONS' });
  await t.rejects(openTimestampAuthority({ clock }), { code: 'INVALID_OPTIONS', message: /dir is required/ });
});

t.test('verifyTsaChain refuses leaves without the TSA profile', async (t) => {
  const rootSigner = createEphemeralSigner();
  const leafSigner = createEphemeralSigner();
  const nb = new Date(Date.UTC(2026, 0, 1));
  const na = new Date(Date.UTC(2030, 0, 1));
  const root = await issueCertificate({ subject: { commonName: 'r' }, publicKeyDer: rootSigner.publicKeyDer, signer: rootSigner, notBefore: nb, notAfter: na, basicConstraints: { ca: true } });
  const leafWith = (spec: Partial<Parameters<typeof issueCertificate>[0]>) =>
    issueCertificate({ subject: { commonName: 'l' }, publicKeyDer: leafSigner.publicKeyDer, signer: rootSigner, issuerCertificate: root, notBefore: nb, notAfter: na, keyUsage: ['digitalSignature'], ...spec });
  const cases: [string, Partial<Parameters<typeof issueCertificate>[0]>, RegExp][] = [
    ['no EKU', {}, /no ExtendedKeyUsage/],
    ['non-critical EKU', { extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.8'], critical: false } }, /must be critical/],
    ['two purposes', { extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.8', '1.3.6.1.5.5.7.3.3'], critical: true } }, /exactly id-kp-timeStamping/],
    ['wrong purpose', { extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.3'], critical: true } }, /exactly id-kp-timeStamping/],
    ['a CA', { basicConstraints: { ca: true }, extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.8'], critical: true } }, /must not be a CA/],
    ['no digitalSignature', { keyUsage: ['keyEncipherment'], extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.8'], critical: true } }, /digitalSignature/],
  ];
  for (const [name, spec, msg] of cases) {
    const leaf = await leafWith(spec);
    t.throws(() => verifyTsaChain([leaf, root], leafSigner), { code: 'INVALID_LEAF_PROFILE', message: msg }, name);
  }
  const good = await leafWith({ extendedKeyUsage: { purposes: ['1.3.6.1.5.5.7.3.8'], critical: true } });
  t.ok(verifyTsaChain([good, root], leafSigner));
  t.throws(() => verifyTsaChain([root, good], leafSigner), { code: 'INVALID_CHAIN' }, 'root first is refused');
  t.throws(() => verifyTsaChain([good], leafSigner), { code: 'INVALID_CHAIN', message: /leaf and its root/ });
  const otherRoot = createEphemeralSigner();
  const forged = await issueCertificate({ subject: { commonName: 'r' }, publicKeyDer: otherRoot.publicKeyDer, signer: otherRoot, notBefore: nb, notAfter: na, basicConstraints: { ca: true } });
  t.throws(() => verifyTsaChain([good, forged], leafSigner), { code: 'INVALID_CHAIN', message: /not issued by the next certificate/ }, 'same name, other key');
  t.ok(toPem('CERTIFICATE', good));
});

t.test('issueCertificate: GeneralizedTime from 2050, byte-exact issuer name, serial rules', async (t) => {
  const s = createEphemeralSigner();
  const root = await issueCertificate({
    subject: { country: 'DE', organization: 'Ünïcode GmbH', commonName: 'root' },
    publicKeyDer: s.publicKeyDer,
    signer: s,
    notBefore: new Date(Date.UTC(2049, 0, 1)),
    notAfter: new Date(Date.UTC(2051, 0, 1, 0, 0, 0, 500)),
    basicConstraints: { ca: true, pathLength: 1 },
    serialNumber: Buffer.from([0x80]),
  });
  const c = pkijs.Certificate.fromBER(root);
  t.equal(c.notBefore.type, 0, 'UTCTime before 2050');
  t.equal(c.notAfter.type, 1, 'GeneralizedTime from 2050');
  t.equal(c.notAfter.value.getTime(), Date.UTC(2051, 0, 1), 'whole seconds');
  t.equal(Buffer.from(c.serialNumber.valueBlock.valueHexView).toString('hex'), '0080', 'positive serial');
  const x = new X509Certificate(root);
  t.equal(x.subject, 'C=DE\nO=Ünïcode GmbH\nCN=root');
  await t.rejects(issueCertificate({ subject: { commonName: 'x' }, publicKeyDer: createEphemeralSigner().publicKeyDer, signer: s, notBefore: new Date(0), notAfter: new Date(1000) }), /must hold the certified key/);
  await t.rejects(issueCertificate({ subject: { commonName: 'x' }, publicKeyDer: s.publicKeyDer, signer: s, notBefore: new Date(0), notAfter: new Date(1000), serialNumber: Buffer.alloc(21, 0x7f) }), /20 octets/);
});
