import t from 'tap';
import { buildStatement, checkStatement, ClientError, parseStatement, predicateTypeUri, PREDICATE_TYPES, IN_TOTO_PAYLOAD_TYPE } from '../../src/index.js';

const subject = { name: 'app.tar', sha256: 'a'.repeat(64) };

t.test('cosign\'s short names map to the predicate type URIs; URIs pass through; others are refused', async (t) => {
  t.equal(predicateTypeUri('slsaprovenance1'), 'https://slsa.dev/provenance/v1');
  t.equal(predicateTypeUri('slsaprovenance'), 'https://slsa.dev/provenance/v0.2');
  t.equal(predicateTypeUri('cyclonedx'), 'https://cyclonedx.org/bom');
  t.equal(predicateTypeUri('spdxjson'), 'https://spdx.dev/Document');
  t.equal(predicateTypeUri('openvex'), 'https://openvex.dev/ns');
  t.equal(predicateTypeUri('vuln'), 'https://cosign.sigstore.dev/attestation/vuln/v1');
  t.equal(predicateTypeUri('custom'), 'https://cosign.sigstore.dev/attestation/v1');
  t.equal(predicateTypeUri('https://example.com/predicate/v1'), 'https://example.com/predicate/v1');
  t.throws(() => predicateTypeUri('sbom'), { code: 'USAGE' });
  t.equal(Object.keys(PREDICATE_TYPES).length, 10);
});

t.test('statements as cosign builds them', async (t) => {
  const custom = JSON.parse(buildStatement(Buffer.from('free text'), 'custom', subject, new Date('2026-01-02T03:04:05.678Z')).toString());
  t.same(custom, {
    _type: 'https://in-toto.io/Statement/v0.1',
    subject: [{ name: 'app.tar', digest: { sha256: 'a'.repeat(64) } }],
    predicateType: 'https://cosign.sigstore.dev/attestation/v1',
    predicate: { Data: 'free text', Timestamp: '2026-01-02T03:04:05Z' },
  });
  t.same(Object.keys(custom), ['_type', 'subject', 'predicateType', 'predicate'], 'field order of protojson');
  const spdx = JSON.parse(buildStatement(Buffer.from('SPDXVersion: SPDX-2.3'), 'spdx', subject).toString());
  t.equal(spdx.predicate, 'SPDXVersion: SPDX-2.3', 'tag-value SPDX stays a string');
  const cdx = JSON.parse(buildStatement(Buffer.from('{"bomFormat":"CycloneDX"}'), 'cyclonedx', subject).toString());
  t.same(cdx.predicate, { bomFormat: 'CycloneDX' });
  t.throws(() => buildStatement(Buffer.from('not json'), 'slsaprovenance1', subject), { code: 'ARTIFACT_INVALID' });
  t.throws(() => buildStatement(Buffer.from('[1,2]'), 'cyclonedx', subject), { code: 'ARTIFACT_INVALID' });
});

t.test('reading and checking statements', async (t) => {
  const payload = buildStatement(Buffer.from('{"a":1}'), 'slsaprovenance1', subject);
  const st = parseStatement(payload, IN_TOTO_PAYLOAD_TYPE);
  t.doesNotThrow(() => checkStatement(st, { predicateType: 'https://slsa.dev/provenance/v1', sha256: 'A'.repeat(64) }));
  t.throws(() => checkStatement(st, { predicateType: 'https://cyclonedx.org/bom' }), { code: 'VERIFY_ATTESTATION', message: /predicate type/ });
  t.throws(() => checkStatement(st, { sha256: 'b'.repeat(64) }), { code: 'VERIFY_ATTESTATION', message: /subject/ });
  t.throws(() => parseStatement(payload, 'text/plain'), { code: 'VERIFY_ATTESTATION' });
  t.throws(() => parseStatement(Buffer.from('{'), IN_TOTO_PAYLOAD_TYPE), { code: 'VERIFY_ATTESTATION' });
  t.throws(() => parseStatement(Buffer.from('{"_type":"x"}'), IN_TOTO_PAYLOAD_TYPE), { code: 'VERIFY_ATTESTATION' });
  t.throws(() => parseStatement(Buffer.from('{"_type":"https://in-toto.io/Statement/v1","predicateType":"p","subject":[null]}'), IN_TOTO_PAYLOAD_TYPE), { code: 'VERIFY_ATTESTATION' });
  t.ok(new ClientError('USAGE', 'x') instanceof Error);
});
