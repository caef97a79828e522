import t from 'tap';
import { createHash } from 'node:crypto';
import { identitiesOfLeaf, matchIdentities, parseMonitorConfig } from '../src/index.js';
import { ctX509Leaf, hashedRekordBody, makeCertificate, rekorV2Body } from './helpers/certificates.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const alice = makeCertificate('email:alice@example.com', 'https://issuer.example');
const ci = makeCertificate('URI:https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main', 'https://token.actions.githubusercontent.com');

t.test('identities of a Rekor v1 body, a Rekor v2 body and a CT leaf: SANs, issuer, fingerprints', async (t) => {
  for (const leaf of [hashedRekordBody(alice), rekorV2Body(alice), ctX509Leaf(alice)]) {
    const ids = identitiesOfLeaf(leaf);
    t.equal(ids.length, 1);
    t.same(ids[0]!.sans, ['alice@example.com']);
    t.equal(ids[0]!.issuer, 'https://issuer.example');
    t.same(ids[0]!.fingerprints, [sha(alice.der), sha(alice.spki)]);
  }
});

t.test('a bare public key yields its SPKI fingerprint only', async (t) => {
  const pem = `-----BEGIN PUBLIC KEY-----\n${alice.spki.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  const ids = identitiesOfLeaf(hashedRekordBody({ pem }));
  t.same(ids, [{ kind: 'publicKey', sans: [], fingerprints: [sha(alice.spki)] }]);
});

t.test('hostile entries: garbage, broken certificates, deep JSON and huge strings yield nothing and never throw', async (t) => {
  const broken = Buffer.from(alice.pem.replace(/A/g, 'B'));
  t.same(identitiesOfLeaf(hashedRekordBody({ pem: broken.toString() })), []);
  t.same(identitiesOfLeaf(Buffer.from('{"not json')), []);
  t.same(identitiesOfLeaf(Buffer.from('[]')), []);
  t.same(identitiesOfLeaf(Buffer.alloc(0)), []);
  t.same(identitiesOfLeaf(Buffer.from([0, 0, 1, 2, 3])), []);
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  t.same(identitiesOfLeaf(Buffer.from(deep)), []);
  const ct = ctX509Leaf(alice);
  t.same(identitiesOfLeaf(ct.subarray(0, ct.length - 5)), [], 'a truncated CT leaf');
  t.same(identitiesOfLeaf(Buffer.from(JSON.stringify({ x509Certificate: { rawBytes: 'AAAA' } }))), []);
});

t.test('matching as rekor-monitor: certSubject + issuers, subjects, fingerprints', async (t) => {
  const cfg = parseMonitorConfig(`
monitoredValues:
  certIdentities:
    - certSubject: ^alice@example\\.com$
      issuers: [^https://issuer\\.example$]
    - certSubject: ^alice@example\\.com$
      issuers: [^https://other\\.example$]
    - certSubject: ^https://github\\.com/org/repo/\\.github/workflows/release\\.yml@.*$
  subjects: [^nobody@example\\.com$]
  fingerprints: ["${sha(ci.spki).toUpperCase()}"]
`);
  const a = matchIdentities(cfg.monitoredValues, identitiesOfLeaf(hashedRekordBody(alice)));
  t.equal(a.length, 1, 'only the identity with the right issuer');
  t.same(a[0]!.found, { kind: 'certificate', subject: 'alice@example.com', issuer: 'https://issuer.example' });
  t.same(a[0]!.monitored, { certSubject: '^alice@example\\.com$', issuers: ['^https://issuer\\.example$'] }, 'the patterns as written (no escaped slashes)');
  const c = matchIdentities(cfg.monitoredValues, identitiesOfLeaf(rekorV2Body(ci)));
  t.same(
    c.map((m) => Object.keys(m.monitored)[0]),
    ['certSubject', 'fingerprint'],
    'the workflow URI and the key fingerprint (configured in upper case)',
  );
});

t.test('oidMatchers as rekor-monitor: fulcioExtensions by name, oidExtensions as arcs, customExtensions dotted; exact values', async (t) => {
  const raw = Buffer.from('https://token.actions.githubusercontent.com').toString('hex');
  const cert = makeCertificate('email:ci@example.com', undefined, [
    '1.3.6.1.4.1.57264.1.18=ASN1:UTF8String:https://github.com/org/repo/.github/workflows/build.yml@refs/heads/main',
    `1.3.6.1.4.1.57264.1.1=DER:${raw}`,
  ]);
  const cfg = parseMonitorConfig(`
monitoredValues:
  oidMatchers:
    fulcioExtensions:
      build-config-uri: [https://github.com/org/repo/.github/workflows/build.yml@refs/heads/main]
    oidExtensions:
      - objectIdentifier: [1, 3, 6, 1, 4, 1, 57264, 1, 1]
        extensionValues: [https://token.actions.githubusercontent.com]
    customExtensions:
      - objectIdentifier: 1.3.6.1.4.1.57264.1.18
        extensionValues: [https://github.com/org/repo/.github/workflows/build.yml]
`);
  const m = matchIdentities(cfg.monitoredValues, identitiesOfLeaf(hashedRekordBody(cert)));
  t.same(
    m.map((x) => [x.found.objectIdentifier, x.found.extensionValue]),
    [
      ['1.3.6.1.4.1.57264.1.18', 'https://github.com/org/repo/.github/workflows/build.yml@refs/heads/main'],
      ['1.3.6.1.4.1.57264.1.1', 'https://token.actions.githubusercontent.com'],
    ],
    'the UTF8String and the raw extension; the custom matcher wants an exact value and does not match',
  );
  t.throws(() => parseMonitorConfig('monitoredValues: {oidMatchers: {fulcioExtensions: {build-config: [x]}}}'), { code: 'INVALID_CONFIG', message: /unknown extension "build-config"/ });
  t.throws(() => parseMonitorConfig('monitoredValues: {oidMatchers: {oidExtensions: [{objectIdentifier: [1, -3], extensionValues: [x]}]}}'), { code: 'INVALID_CONFIG', message: /non-negative integers/ });
  t.throws(() => parseMonitorConfig('monitoredValues: {oidMatchers: {customExtensions: [{objectIdentifier: "1.3.x", extensionValues: [x]}]}}'), { code: 'INVALID_CONFIG', message: /dotted OID/ });
  t.throws(() => parseMonitorConfig('monitoredValues: {oidMatchers: {customExtensions: [{objectIdentifier: "1.3.6", extensionValues: []}]}}'), { code: 'INVALID_CONFIG', message: /at least one value/ });
});
