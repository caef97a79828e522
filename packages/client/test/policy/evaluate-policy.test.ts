import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { parseClusterImagePolicies } from '../../src/policy/cluster-image-policy.js';
import type { KeyAuthority, KeylessAuthority } from '../../src/policy/cluster-image-policy.js';
import { evaluateImagePolicies, verifyImagePolicies } from '../../src/policy/evaluate-policy.js';
import type { AuthorityVerifier, PolicyImage, VerifiedAttestationSummary, VerifiedSignatureSummary } from '../../src/policy/evaluate-policy.js';
import { ClientError } from '../../src/errors.js';
import { expectClientError } from './policy-test-helpers.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const pem = (): string => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const KEY_A = pem();
const KEY_B = pem();

/**
 * A fake verifier: the image "has" signatures by some keys and identities, and
 * attestations of some predicate types by some signers. It records the calls.
 */
interface FakeImage {
  keys?: string[]; // PEMs that signed
  identities?: { issuer: string; subject: string }[];
  attestations?: { predicateType: string; key?: string; identity?: { issuer: string; subject: string } }[];
  fail?: string; // every call throws this
}
function fakeVerifier(img: FakeImage): AuthorityVerifier & { calls: string[] } {
  const calls: string[] = [];
  const accepts = (a: KeyAuthority | KeylessAuthority, key?: string, id?: { issuer: string; subject: string }): VerifiedSignatureSummary | undefined => {
    if (a.kind === 'key') return key === a.publicKeyPem ? { keyId: a.keyId } : undefined;
    if (!id) return undefined;
    const ok = a.identities.some((i) => (i.issuer === undefined || i.issuer === id.issuer) && (i.subject === undefined || i.subject === id.subject) && (i.subjectRegExp === undefined || new RegExp(i.subjectRegExp).test(id.subject)) && (i.issuerRegExp === undefined || new RegExp(i.issuerRegExp).test(id.issuer)));
    return ok ? { issuer: id.issuer, subject: id.subject } : undefined;
  };
  return {
    calls,
    async signatures(image: PolicyImage, a) {
      calls.push(`sig ${a.name} ${image.digest.slice(0, 10)}`);
      if (img.fail) throw new ClientError('REGISTRY_FAILED', img.fail);
      const out: VerifiedSignatureSummary[] = [];
      for (const k of img.keys ?? []) { const s = accepts(a, k); if (s) out.push(s); }
      for (const id of img.identities ?? []) { const s = accepts(a, undefined, id); if (s) out.push(s); }
      return out;
    },
    async attestations(_image, a, type) {
      calls.push(`att ${a.name} ${type}`);
      if (img.fail) throw new ClientError('REGISTRY_FAILED', img.fail);
      const out: VerifiedAttestationSummary[] = [];
      for (const att of img.attestations ?? []) {
        if (att.predicateType !== type) continue;
        const s = accepts(a, att.key, att.identity);
        if (s) out.push({ ...s, predicateType: type });
      }
      return out;
    },
  };
}

const doc = (name: string, globs: string[], authorities: string, mode = 'enforce'): string => `
---
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: ${name}}
spec:
  mode: ${mode}
  images: [${globs.map((g) => JSON.stringify(g)).join(', ')}]
  authorities:
${authorities.trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}
`.replace(/images: \[(.*)\]/, (_m, g: string) => `images: [${g.split(', ').filter(Boolean).map((x) => `{glob: ${x}}`).join(', ')}]`);

const keyAuth = (name: string, key: string): string => `- name: ${name}\n  key:\n    data: ${JSON.stringify(key)}`;
const CI = { issuer: 'https://ci.example', subject: 'https://git.example/acme/app/.ci/release.yml@refs/heads/main' };
const keylessAuth = (name: string, extra = ''): string => `- name: ${name}\n  keyless:\n    identities:\n    - issuer: https://ci.example\n      subjectRegExp: "^https://git\\\\.example/acme/"${extra}`;

t.test('one policy: any one authority suffices', async (t) => {
  const policies = parseClusterImagePolicies(doc('acme', ['ghcr.io/acme/**'], `${keyAuth('release-key', KEY_A)}\n${keylessAuth('ci')}`));
  const byKey = fakeVerifier({ keys: [KEY_A] });
  const d1 = await evaluateImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, byKey);
  t.equal(d1.allowed, true);
  t.same(d1.matchedPolicies, ['acme']);
  t.equal(d1.name, 'ghcr.io/acme/app:v1');
  t.match(d1.passed, [{ policy: 'acme', authority: 'release-key', authorityIndex: 0, static: false }]);
  t.same(byKey.calls, [`sig release-key ${DIGEST.slice(0, 10)}`], 'the first passing authority ends the policy');

  const d2 = await evaluateImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, fakeVerifier({ identities: [CI] }));
  t.equal(d2.allowed, true);
  t.match(d2.passed, [{ authority: 'ci', signatures: [{ issuer: CI.issuer, subject: CI.subject }] }]);

  const d3 = await evaluateImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, fakeVerifier({ keys: [KEY_B], identities: [{ issuer: CI.issuer, subject: 'https://git.example/other/x' }] }));
  t.equal(d3.allowed, false);
  t.equal(d3.denials.length, 2, 'one reason per failed authority');
  t.match(d3.denials[0], { image: 'ghcr.io/acme/app:v1', policy: 'acme', authority: 'release-key', authorityIndex: 0, rule: /^no signature by key sha256:[0-9a-f]{16}…$/ });
  t.match(d3.denials[1], { authority: 'ci', authorityIndex: 1, rule: 'no signature from identity issuer=https://ci.example subject~/^https://git\\.example/acme//' });
  t.match(d3.denials[1]?.message, /^image ghcr\.io\/acme\/app:v1: policy acme: authority ci \(spec\.authorities\[1\]\): no signature from identity/);
});

t.test('several matching policies: all must pass', async (t) => {
  const policies = parseClusterImagePolicies(
    doc('signed', ['ghcr.io/acme/**'], keyAuth('k', KEY_A)) + doc('provenance', ['ghcr.io/**'], `${keylessAuth('builder')}\n  attestations:\n  - {name: provenance, predicateType: slsaprovenance1}\n  - {name: sbom, predicateType: cyclonedx}`) + doc('other', ['quay.io/**'], keyAuth('k', KEY_B)),
  );
  const full = fakeVerifier({ keys: [KEY_A], attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', identity: CI }, { predicateType: 'https://cyclonedx.org/bom', identity: CI }] });
  const d = await evaluateImagePolicies('ghcr.io/acme/app@' + DIGEST, DIGEST, policies, full);
  t.equal(d.allowed, true);
  t.same(d.matchedPolicies, ['signed', 'provenance']);
  t.match(d.passed[1], { policy: 'provenance', attestations: { provenance: [{ predicateType: 'https://slsa.dev/provenance/v1' }], sbom: [{}] } });
  t.notOk(full.calls.some((c) => c.startsWith('sig builder')), 'an authority with attestations does not look for signatures');

  const noSbom = fakeVerifier({ keys: [KEY_A], attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', identity: CI }] });
  const d2 = await evaluateImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, noSbom);
  t.equal(d2.allowed, false);
  t.equal(d2.denials.length, 1);
  t.match(d2.denials[0], { policy: 'provenance', authority: 'builder', attestation: 'sbom', rule: 'attestation sbom (cyclonedx, https://cyclonedx.org/bom) missing: none from identity issuer=https://ci.example subject~/^https://git\\.example/acme//' });

  const wrongSigner = fakeVerifier({ keys: [KEY_B], attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', key: KEY_A }, { predicateType: 'https://cyclonedx.org/bom', identity: CI }] });
  const d3 = await evaluateImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, wrongSigner);
  t.same(d3.denials.map((v) => `${v.policy}/${v.authority}/${v.attestation ?? ''}`), ['signed/k/', 'provenance/builder/provenance'], 'one reason per failed policy, naming the attestation');

  await expectClientError(t, () => verifyImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, wrongSigner), 'POLICY_DENIED', /^image ghcr\.io\/acme\/app:v1: policy signed: authority k \(spec\.authorities\[0\]\): no signature by key sha256:[0-9a-f]+…\nimage ghcr\.io\/acme\/app:v1: policy provenance: authority builder \(spec\.authorities\[0\]\): attestation provenance \(slsaprovenance1, https:\/\/slsa\.dev\/provenance\/v1\) missing/);
  t.equal((await verifyImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, full)).allowed, true);
});

t.test('static authorities', async (t) => {
  const policies = parseClusterImagePolicies(
    doc('no-latest', ['**:latest'], '- static: {action: fail, message: pin a version}') + doc('base', ['index.docker.io/library/*'], '- static: {action: pass}') + doc('bare-fail', ['quay.io/**'], '- static: {action: fail}'),
  );
  const v = fakeVerifier({});
  const d1 = await evaluateImagePolicies('busybox:1.36', DIGEST, policies, v);
  t.equal(d1.allowed, true);
  t.match(d1.passed, [{ policy: 'base', static: true }]);
  const d2 = await evaluateImagePolicies('busybox', DIGEST, policies, v);
  t.equal(d2.allowed, false);
  t.same(d2.matchedPolicies, ['no-latest', 'base']);
  t.equal(d2.denials[0]?.rule, 'static fail: pin a version');
  t.equal((await evaluateImagePolicies('quay.io/x/y:1', DIGEST, policies, v)).denials[0]?.rule, 'static fail');
  t.same(v.calls, [], 'static authorities look at nothing');
  // a static pass after a failing authority still passes the policy (any-of)
  const anyOf = parseClusterImagePolicies(doc('p', ['**'], `${keyAuth('k', KEY_A)}\n- static: {action: pass}`));
  const d3 = await evaluateImagePolicies('ghcr.io/a/b:1', DIGEST, anyOf, fakeVerifier({}));
  t.equal(d3.allowed, true);
  t.same(d3.denials, []);
});

t.test('mode: warn turns failures into warnings', async (t) => {
  const policies = parseClusterImagePolicies(doc('audit', ['**'], keyAuth('k', KEY_A), 'warn') + doc('gate', ['ghcr.io/**'], keyAuth('k', KEY_B)));
  const d1 = await evaluateImagePolicies('docker.io/acme/app:1', DIGEST, policies, fakeVerifier({}));
  t.equal(d1.allowed, true);
  t.equal(d1.denials.length, 0);
  t.match(d1.warnings, [{ policy: 'audit', rule: /^no signature by key/, message: /policy audit \(mode: warn\)/ }]);
  const d2 = await evaluateImagePolicies('ghcr.io/acme/app:1', DIGEST, policies, fakeVerifier({}));
  t.equal(d2.allowed, false);
  t.same(d2.denials.map((v) => v.policy), ['gate']);
  t.same(d2.warnings.map((v) => v.policy), ['audit']);
});

t.test('no matching policy: denied by default, allow and warn on request', async (t) => {
  const policies = parseClusterImagePolicies(doc('acme', ['ghcr.io/acme/**'], keyAuth('k', KEY_A)));
  const v = fakeVerifier({});
  const d = await evaluateImagePolicies('quay.io/other/app:1', DIGEST, policies, v);
  t.equal(d.allowed, false);
  t.same(d.matchedPolicies, []);
  t.match(d.denials, [{ image: 'quay.io/other/app:1', rule: 'no matching policy', message: 'image quay.io/other/app:1: no policy matches quay.io/other/app:1' }]);
  t.equal(d.denials[0]?.policy, undefined);
  const allow = await evaluateImagePolicies('quay.io/other/app:1', DIGEST, policies, v, { noMatchingPolicy: 'allow' });
  t.same([allow.allowed, allow.denials, allow.warnings], [true, [], []]);
  const warn = await evaluateImagePolicies('quay.io/other/app:1', DIGEST, policies, v, { noMatchingPolicy: 'warn' });
  t.equal(warn.allowed, true);
  t.match(warn.warnings, [{ rule: 'no matching policy' }]);
  t.same(v.calls, []);
  const empty = await evaluateImagePolicies('quay.io/other/app:1', DIGEST, [], v);
  t.equal(empty.allowed, false, 'no policies at all is no matching policy');
});

t.test('the resolved digest is matched as repo@digest', async (t) => {
  const policies = parseClusterImagePolicies(doc('pinned', [`ghcr.io/acme/app@${DIGEST}`], keyAuth('k', KEY_A)));
  const d = await evaluateImagePolicies('ghcr.io/acme/app:v1', DIGEST, policies, fakeVerifier({ keys: [KEY_A] }));
  t.same(d.matchedPolicies, ['pinned']);
  t.equal(d.allowed, true);
  const other = `sha256:${'cd'.repeat(32)}`;
  t.same((await evaluateImagePolicies('ghcr.io/acme/app:v1', other, policies, fakeVerifier({}))).matchedPolicies, []);
});

t.test('verifier errors fail the authority, closed, and say why', async (t) => {
  const policies = parseClusterImagePolicies(doc('p', ['**'], `${keyAuth('k', KEY_A)}\n${keylessAuth('att')}\n  attestations: [{name: vuln-scan, predicateType: vuln}]`));
  const d = await evaluateImagePolicies('ghcr.io/a/b:1', DIGEST, policies, fakeVerifier({ fail: 'registry ghcr.io answered 503' }));
  t.equal(d.allowed, false);
  t.match(d.denials, [
    { authority: 'k', rule: 'verification failed: registry ghcr.io answered 503', cause: ClientError },
    { authority: 'att', attestation: 'vuln-scan', rule: 'attestation vuln-scan (vuln, https://cosign.sigstore.dev/attestation/vuln/v1): verification failed: registry ghcr.io answered 503' },
  ]);
  // a sibling authority that passes still passes the policy
  const mixed: AuthorityVerifier = {
    signatures: async (_i, a) => { if (a.name === 'k') throw new Error('boom'); return [{}]; },
    attestations: async () => [],
  };
  const both = parseClusterImagePolicies(doc('p', ['**'], `${keyAuth('k', KEY_A)}\n${keylessAuth('ci')}`));
  t.equal((await evaluateImagePolicies('ghcr.io/a/b:1', DIGEST, both, mixed)).allowed, true);
});

t.test('bad input to the evaluator', async (t) => {
  const policies = parseClusterImagePolicies(doc('p', ['**'], keyAuth('k', KEY_A)));
  const v = fakeVerifier({});
  await expectClientError(t, () => evaluateImagePolicies('ghcr.io/a/b:1', 'sha256:xyz', policies, v), 'REFERENCE_INVALID', /digest "sha256:xyz"/);
  await expectClientError(t, () => evaluateImagePolicies('Not A Ref', DIGEST, policies, v), 'REFERENCE_INVALID', /image reference "Not A Ref"/);
  await expectClientError(t, () => evaluateImagePolicies('ghcr.io/a/b:1', DIGEST, [...policies, ...policies], v), 'POLICY_INVALID', /policy p is given twice/);
});
