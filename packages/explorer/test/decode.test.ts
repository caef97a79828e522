// The explorer's decoders and its search-term check, on inputs made here: a
// certificate from openssl with markup in its fields and a Fulcio-style extension,
// hashedrekord bodies, in-toto statements (SLSA provenance, CycloneDX), and bad input.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCertificate, pemBlocks, sctsOf } from '../src/decode/certificate.js';
import { decodeBody, setPayload, toRekorEntries } from '../src/decode/entry.js';
import { MAX_ATTESTATION_BYTES, summariseAttestation } from '../src/decode/attestation.js';
import { parseSearchQuery, MAX_QUERY_LENGTH } from '../src/search-query.js';

t.test('certificate: names, SANs, validity and extensions come out as text, markup and all', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'explorer-cert-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1',
    '-subj', '/O=acme/CN=<script>alert(1)<\\/script>',
    '-addext', 'subjectAltName=email:a@example.com,URI:https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main',
    '-addext', 'extendedKeyUsage=codeSigning',
    '-addext', '1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:https://issuer.example',
  ], { stdio: 'pipe' });
  const [der] = pemBlocks(readFileSync(join(dir, 'c.pem'), 'utf8'), 'CERTIFICATE');
  const c = decodeCertificate(der!);
  t.equal(c.subject, 'O=acme, CN=<script>alert(1)</script>');
  t.same(c.sans, ['email:a@example.com', 'uri:https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main']);
  t.ok(c.notAfter.getTime() - c.notBefore.getTime() === 86_400_000);
  t.match(c.extensions.find((x) => x.name === 'OIDC issuer'), { value: 'https://issuer.example' });
  t.match(c.extensions.find((x) => x.name === 'Extended Key Usage'), { value: 'codeSigning' });
  t.throws(() => decodeCertificate(der!.subarray(0, der!.length - 1)), { code: 'BAD_DER' });
  t.throws(() => decodeCertificate(new Uint8Array(70_000)), { code: 'TOO_LARGE' });
  t.throws(() => decodeCertificate(Uint8Array.from([0x30, 0x80, 0, 0])), { code: 'BAD_DER' }, 'indefinite length');
});

t.test('SCT lists: log ID and timestamp of each SCT; malformed lists are refused', async (t) => {
  const sct = new Uint8Array(47);
  sct[0] = 0;
  sct.fill(0xab, 1, 33);
  sct[40] = 0x10; // timestamp 16 ms
  const list = Uint8Array.from([0, 49, 0, 47, ...sct]);
  const ext = Uint8Array.from([0x04, list.length, ...list]);
  t.same(sctsOf(ext), [{ logIdHex: 'ab'.repeat(32), timestamp: 16 }]);
  t.throws(() => sctsOf(Uint8Array.from([0x04, 4, 0, 9, 0, 1])), { code: 'BAD_CERTIFICATE' });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

t.test('entry bodies: hashedrekord decoded; junk refused with a code', async (t) => {
  const body = b64(JSON.stringify({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value: 'ab' } }, signature: { content: 'AA==', publicKey: { content: b64('-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n') } } } }));
  t.match(decodeBody(body), { kind: 'hashedrekord', artifactHash: 'sha256:ab', verifierPem: /BEGIN PUBLIC KEY/ });
  t.throws(() => decodeBody('not base64!'), { code: 'BAD_ENCODING' });
  t.throws(() => decodeBody(b64('{"kind":1}')), { code: 'BAD_ENTRY' });
  t.throws(() => decodeBody(b64('not json')), { code: 'BAD_ENTRY' });
  t.throws(() => decodeBody('A'.repeat(2_000_000)), { code: 'TOO_LARGE' });
  const e = { uuid: 'a'.repeat(64), body, integratedTime: 1, logID: 'cd', logIndex: 2 };
  t.equal(setPayload(e), `{"body":"${body}","integratedTime":1,"logID":"cd","logIndex":2}`, 'canonical JSON, keys sorted');
  t.equal(toRekorEntries({ [e.uuid]: e })[0]!.logIndex, 2);
  t.throws(() => toRekorEntries({ '<script>': e }), { code: 'BAD_ENTRY' });
  t.throws(() => toRekorEntries([null]), { code: 'BAD_ENTRY' });
});

t.test('attestations: SLSA provenance v1 and CycloneDX summarised; giant or malformed ones refused', async (t) => {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'app.tar.gz', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: { buildType: 'https://example/build', resolvedDependencies: [{ uri: 'git+https://example/repo' }] }, runDetails: { builder: { id: 'https://ci.example/<b>' } } },
  };
  const bundle = { dsseEnvelope: { payload: b64(JSON.stringify(statement)), payloadType: 'application/vnd.in-toto+json', signatures: [] } };
  const s = summariseAttestation(JSON.stringify(bundle));
  t.equal(s.predicateType, 'https://slsa.dev/provenance/v1');
  t.same(s.subjects, [{ name: 'app.tar.gz', digest: `sha256:${'ab'.repeat(32)}` }]);
  t.match(s.facts, [{ label: 'SLSA' }, { label: 'builder', value: 'https://ci.example/<b>' }, { label: 'build type' }, { label: 'resolved dependencies', value: '1' }]);
  const sbom = summariseAttestation(JSON.stringify({ ...statement, predicateType: 'https://cyclonedx.org/bom', predicate: { bomFormat: 'CycloneDX', specVersion: '1.5', components: Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, version: '1' })) } }));
  t.match(sbom.facts.slice(0, 2), [{ label: 'SBOM', value: 'CycloneDX 1.5' }, { label: 'components', value: '30' }]);
  t.equal(sbom.facts.length, 22, 'components listed up to MAX_LISTED');
  t.throws(() => summariseAttestation(' '.repeat(MAX_ATTESTATION_BYTES + 1)), { code: 'TOO_LARGE' });
  t.throws(() => summariseAttestation('{'), { code: 'BAD_ENTRY' });
  t.throws(() => summariseAttestation(JSON.stringify({ dsseEnvelope: { payload: 5 } })), { code: 'BAD_ENTRY' });
});

t.test('search terms: each kind recognised; malformed, markup and oversized terms refused', async (t) => {
  const h = 'a'.repeat(64);
  t.same(parseSearchQuery(`sha256:${h.toUpperCase()}`), { kind: 'hash', algorithm: 'sha256', hex: h });
  t.same(parseSearchQuery(h), { kind: 'hash-or-uuid', hex: h });
  t.same(parseSearchQuery('1'.repeat(64)), { kind: 'hash-or-uuid', hex: '1'.repeat(64) });
  t.same(parseSearchQuery(`${'0'.repeat(16)}${h}`), { kind: 'uuid', uuid: `${'0'.repeat(16)}${h}` });
  t.same(parseSearchQuery(' 42 '), { kind: 'log-index', index: 42 });
  t.same(parseSearchQuery('alice@example.com'), { kind: 'email', email: 'alice@example.com' });
  t.same(parseSearchQuery('https://github.com/a/b/.github/workflows/c.yml@refs/heads/main'), { kind: 'subject', subject: 'https://github.com/a/b/.github/workflows/c.yml@refs/heads/main' });
  t.match(parseSearchQuery('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'), { kind: 'public-key' });
  for (const bad of ['', 'sha256:zz', `sha512:${h}`, 'abc', '<script>alert(1)</script>', '"><img src=x>@x', '99999999999999999999', '-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----'])
    t.throws(() => parseSearchQuery(bad), { code: 'BAD_QUERY' }, JSON.stringify(bad).slice(0, 40));
  t.throws(() => parseSearchQuery('a'.repeat(MAX_QUERY_LENGTH + 1)), { code: 'TOO_LARGE' });
});
