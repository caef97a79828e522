import t from 'tap';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_POLICY_FILE_BYTES, parseClusterImagePolicies, readClusterImagePolicyFile } from '../../src/policy/cluster-image-policy.js';
import type { KeyAuthority, KeylessAuthority, StaticAuthority } from '../../src/policy/cluster-image-policy.js';
import { expectClientError } from './policy-test-helpers.js';

// Policies written for these tests in the shapes policy-controller's documentation shows
// (keyless identities, inline keys, required attestations, static authorities).

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const KEY_ID = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
const indent = (s: string, n: number): string => s.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

const KEYLESS = `
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: release-images-from-ci
spec:
  images:
  - glob: "ghcr.io/acme/**"
  authorities:
  - name: github-actions
    keyless:
      url: https://fulcio.sigstore.dev
      identities:
      - issuer: https://token.actions.githubusercontent.com
        subjectRegExp: "^https://github\\\\.com/acme/.+/\\\\.github/workflows/release\\\\.yml@refs/tags/v.*$"
      - issuerRegExp: "(?i)^https://accounts\\\\.example\\\\.com$"
        subject: release-bot@acme.example
`;

const KEYED = `
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: signed-with-release-key
spec:
  images:
  - glob: registry.acme.example/*
  - glob: "index.docker.io/acme/*"
  authorities:
  - key:
      hashAlgorithm: SHA384
      data: |
${indent(PEM, 8)}
`;

const ATTESTED = `
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: needs-provenance-and-sbom
spec:
  mode: warn
  images:
  - glob: "**"
  authorities:
  - name: builder
    keyless:
      identities:
      - issuer: https://issuer.example
        subject: builder@acme.example
    source:
    - oci: registry.acme.example/signatures
      tagPrefix: att-
    attestations:
    - name: provenance
      predicateType: slsaprovenance1
    - name: sbom
      predicateType: https://spdx.dev/Document
    - name: vex
      predicateType: openvex
`;

const STATIC = `
apiVersion: policy.sigstore.dev/v1alpha1
kind: ClusterImagePolicy
metadata:
  name: block-latest
  labels: {team: platform}
spec:
  images: [{glob: "**:latest"}]
  authorities:
  - static:
      action: fail
      message: never deploy :latest
---
apiVersion: policy.sigstore.dev/v1alpha1
kind: ClusterImagePolicy
metadata: {name: allow-base-images}
spec:
  images: [{glob: "index.docker.io/library/*"}]
  authorities: [{static: {action: pass}}]
---
`;

t.test('a keyless policy', async (t) => {
  const [p] = parseClusterImagePolicies(KEYLESS);
  t.ok(p);
  if (!p) return;
  t.equal(p.name, 'release-images-from-ci');
  t.equal(p.apiVersion, 'policy.sigstore.dev/v1beta1');
  t.equal(p.mode, 'enforce');
  t.same(p.globs, ['ghcr.io/acme/**']);
  const a = p.authorities[0] as KeylessAuthority;
  t.equal(a.kind, 'keyless');
  t.equal(a.name, 'github-actions');
  t.equal(a.index, 0);
  t.equal(a.fulcioUrl, 'https://fulcio.sigstore.dev');
  t.same(a.attestations, []);
  t.same(a.identities, [
    { issuer: 'https://token.actions.githubusercontent.com', subjectRegExp: '^https://github\\.com/acme/.+/\\.github/workflows/release\\.yml@refs/tags/v.*$' },
    { issuerRegExp: '(?i)^https://accounts\\.example\\.com$', subject: 'release-bot@acme.example' },
  ]);
  t.match(p.notes.join('\n'), /keyless\.url: informational/);
});

t.test('a key policy', async (t) => {
  const [p] = parseClusterImagePolicies(KEYED);
  const a = p?.authorities[0] as KeyAuthority;
  t.equal(a.kind, 'key');
  t.equal(a.name, 'authority-0', 'defaulted as the controller does');
  t.equal(a.hashAlgorithm, 'sha384');
  t.equal(a.keyId, KEY_ID);
  t.equal(a.publicKeyPem, PEM);
  t.same(p?.globs, ['registry.acme.example/*', 'index.docker.io/acme/*']);
  t.same(p?.notes, []);
});

t.test('required attestations, source, warn mode', async (t) => {
  const [p] = parseClusterImagePolicies(ATTESTED);
  t.equal(p?.mode, 'warn');
  const a = p?.authorities[0] as KeylessAuthority;
  t.same(a.source, { oci: 'registry.acme.example/signatures', tagPrefix: 'att-' });
  t.same(a.attestations, [
    { name: 'provenance', predicateType: 'slsaprovenance1', predicateTypeUri: 'https://slsa.dev/provenance/v1' },
    { name: 'sbom', predicateType: 'https://spdx.dev/Document', predicateTypeUri: 'https://spdx.dev/Document' },
    { name: 'vex', predicateType: 'openvex', predicateTypeUri: 'https://openvex.dev/ns' },
  ]);
});

t.test('several documents, v1alpha1, static authorities, trailing ---', async (t) => {
  const ps = parseClusterImagePolicies(STATIC);
  t.same(ps.map((p) => p.name), ['block-latest', 'allow-base-images']);
  t.same(ps[0]?.authorities[0] as StaticAuthority, { kind: 'static', name: 'authority-0', index: 0, action: 'fail', message: 'never deploy :latest' });
  t.same(ps[1]?.authorities[0] as StaticAuthority, { kind: 'static', name: 'authority-0', index: 0, action: 'pass' });
  t.equal(ps[0]?.apiVersion, 'policy.sigstore.dev/v1alpha1');
});

t.test('JSON (kubectl get -o json) with status is read', async (t) => {
  const doc = { apiVersion: 'policy.sigstore.dev/v1beta1', kind: 'ClusterImagePolicy', metadata: { name: 'j', uid: 'x', resourceVersion: '1' }, spec: { images: [{ glob: '**' }], authorities: [{ static: { action: 'pass' } }] }, status: { conditions: [] } };
  t.equal(parseClusterImagePolicies(JSON.stringify(doc))[0]?.name, 'j');
});

t.test('what only changes where trust comes from is accepted and noted', async (t) => {
  const [p] = parseClusterImagePolicies(`
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: noted}
spec:
  images: [{glob: "**"}]
  match: [{group: apps, version: v1, resource: deployments}]
  authorities:
  - keyless:
      trustRootRef: private-root
      insecureIgnoreSCT: true
      identities: [{issuer: https://i.example, subject: s}]
    ctlog: {url: https://rekor.example}
    rfc3161timestamp: {trustRootRef: private-root}
    signatureFormat: bundle
    source: [{signaturePullSecrets: [{name: regcred}]}]
`);
  const notes = p?.notes.join('\n') ?? '';
  for (const re of [/spec\.match is ignored/, /trustRootRef: the cluster TrustRoot is not read/, /insecureIgnoreSCT: ignored/, /ctlog: the transparency log/, /rfc3161timestamp: timestamp authorities/, /signaturePullSecrets: ignored/]) t.match(notes, re);
  t.equal((p?.authorities[0] as KeylessAuthority).signatureFormat, 'bundle');
});

const base = (authority: string, extraSpec = ''): string => `
apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata: {name: p}
spec:
  images: [{glob: "**"}]${extraSpec}
  authorities:
${indent(authority, 2)}
`;
const ID = '{issuer: https://i.example, subject: s}';

t.test('refusals name the policy and the field', async (t) => {
  const { publicKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.export({ type: 'spki', format: 'pem' }).toString();
  const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cases: [string, string, RegExp][] = [
    ['kms', base('- key: {kms: "awskms:///alias/release"}'), /^policy p: spec\.authorities\[0\]\.key\.kms: a KMS key needs the KMS/],
    ['secretRef', base('- key: {secretRef: {name: cosign-pub}}'), /^policy p: spec\.authorities\[0\]\.key\.secretRef: a Kubernetes secret needs a cluster/],
    ['no key data', base('- key: {hashAlgorithm: sha256}'), /spec\.authorities\[0\]\.key\.data: required/],
    ['bad hash', base(`- key: {hashAlgorithm: md5, data: ${JSON.stringify(PEM)}}`), /key\.hashAlgorithm: "md5" is not one of/],
    ['not PEM', base('- key: {data: hello}'), /key\.data: must hold exactly one PEM "PUBLIC KEY" block/],
    ['private key', base(`- key: {data: ${JSON.stringify(privPem)}}`), /key\.data: must hold exactly one PEM "PUBLIC KEY" block/],
    ['two keys', base(`- key: {data: ${JSON.stringify(PEM + rsaPem)}}`), /key\.data: must hold exactly one PEM/],
    ['garbled key', base(`- key: {data: ${JSON.stringify(PEM.split('\n').filter((_, i) => i !== 2).join('\n'))}}`), /key\.data: not a public key we can read/],
    ['ca-cert', base(`- keyless: {ca-cert: {data: x}, identities: [${ID}]}`), /keyless\.ca-cert: a CA given in the policy is not supported/],
    ['no identities', base('- keyless: {url: https://fulcio.example}'), /spec\.authorities\[0\]\.keyless\.identities: required/],
    ['empty identities', base('- keyless: {identities: []}'), /keyless\.identities: at least one identity/],
    ['issuer twice', base('- keyless: {identities: [{issuer: a, issuerRegExp: b, subject: s}]}'), /keyless\.identities\[0\]: set issuer or issuerRegExp, not both/],
    ['no subject', base('- keyless: {identities: [{issuer: a}]}'), /keyless\.identities\[0\]: subject or subjectRegExp is required/],
    ['bad regexp', base('- keyless: {identities: [{issuer: a, subjectRegExp: "(unclosed"}]}'), /keyless\.identities\[0\]\.subjectRegExp: not a regular expression we can run/],
    ['second identity', base(`- keyless: {identities: [${ID}, {subject: s}]}`), /^policy p: spec\.authorities\[0\]\.keyless\.identities\[1\]: issuer or issuerRegExp is required/],
    ['bad url', base(`- keyless: {url: "not a url", identities: [${ID}]}`), /keyless\.url: "not a url" is not a URL/],
    ['insecureIgnoreSCT string', base(`- keyless: {insecureIgnoreSCT: "yes", identities: [${ID}]}`), /insecureIgnoreSCT: must be true or false/],
    ['none of key/keyless/static', base('- name: nothing'), /spec\.authorities\[0\]: expected exactly one of key, keyless, static: none is set/],
    ['key and keyless', base(`- key: {data: ${JSON.stringify(PEM)}}\n  keyless: {identities: [${ID}]}`), /expected exactly one of key, keyless, static: key and keyless are set/],
    ['static action', base('- static: {action: maybe}'), /static\.action: "maybe" is not pass or fail/],
    ['static with attestations', base('- static: {action: pass}\n  attestations: [{name: a, predicateType: vuln}]'), /spec\.authorities\[0\]\.attestations: not allowed with static/],
    ['two sources', base(`- keyless: {identities: [${ID}]}\n  source: [{oci: a.example}, {oci: b.example}]`), /source: only a single source is supported/],
    ['bad oci', base(`- keyless: {identities: [${ID}]}\n  source: [{oci: "Registry.Example/UPPER"}]`), /source\[0\]\.oci: "Registry\.Example\/UPPER" is not a registry or registry\/repository/],
    ['signatureFormat', base(`- keyless: {identities: [${ID}]}\n  signatureFormat: v3`), /signatureFormat: "v3" is not legacy or bundle/],
    ['cue in attestation', base(`- keyless: {identities: [${ID}]}\n  attestations: [{name: a, predicateType: vuln, policy: {type: cue, data: "predicateType: x"}}]`), /^policy p: spec\.authorities\[0\]\.attestations\[0\]\.policy: a cue policy cannot be evaluated by sigstack \(it has no CUE engine\)/],
    ['rego in attestation', base(`- keyless: {identities: [${ID}]}\n  attestations: [{name: a, predicateType: vuln, policy: {type: rego, data: "package sigstore"}}]`), /attestations\[0\]\.policy: a rego policy cannot be evaluated by sigstack \(it has no Rego engine\)/],
    ['unknown policy type', base(`- keyless: {identities: [${ID}]}\n  attestations: [{name: a, predicateType: vuln, policy: {type: js}}]`), /attestations\[0\]\.policy\.type: "js" is not a policy type/],
    ['spec.policy', base('- static: {action: pass}', '\n  policy: {type: cue, data: "x"}'), /^policy p: spec\.policy: a cue policy cannot be evaluated/],
    ['attestation without name', base(`- keyless: {identities: [${ID}]}\n  attestations: [{predicateType: vuln}]`), /attestations\[0\]\.name: required/],
    ['attestation bad type', base(`- keyless: {identities: [${ID}]}\n  attestations: [{name: a, predicateType: slsaprovnance}]`), /attestations\[0\]\.predicateType: "slsaprovnance" is neither a cosign predicate type name/],
    ['unknown authority field', base(`- keyless: {identities: [${ID}]}\n  keys: []`), /^policy p: spec\.authorities\[0\]\.keys: unknown field \(spec\.authorities\[0\] takes name, key, keyless/],
    ['unknown identity field', base('- keyless: {identities: [{issuer: a, subject: s, email: e}]}'), /keyless\.identities\[0\]\.email: unknown field/],
    ['unknown spec field', base('- static: {action: pass}', '\n  enforce: true'), /^policy p: spec\.enforce: unknown field/],
    ['mode', base('- static: {action: pass}', '\n  mode: audit'), /spec\.mode: "audit" is not enforce or warn/],
    ['mode not a string', base('- static: {action: pass}', '\n  mode: 3'), /spec\.mode: must be a string, not number 3/],
    ['authorities not a list', base('').replace('authorities:\n', 'authorities: {static: {action: pass}}\n'), /spec\.authorities: must be a list, not a mapping/],
    ['empty authorities', base('').replace('authorities:\n', 'authorities: []\n'), /spec\.authorities: at least one authority is required/],
    ['bad glob', base('- static: {action: pass}').replace('"**"', '"[a-z]*"'), /spec\.images\[0\]\.glob: invalid glob/],
    ['match entry', base('- static: {action: pass}', '\n  match: [{kind: Pod}]'), /spec\.match\[0\]\.kind: unknown field/],
  ];
  for (const [name, yaml, message] of cases) await expectClientError(t, () => parseClusterImagePolicies(yaml), 'POLICY_INVALID', message, name);
});

t.test('documents that are not a ClusterImagePolicy', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['malformed YAML', 'spec: [unclosed', /^document 1: not valid YAML/],
    ['tab indentation', 'spec:\n\timages: []', /^document 1: not valid YAML/],
    ['duplicate key', 'kind: ClusterImagePolicy\nkind: Pod\n', /^document 1: not valid YAML: .*unique/i],
    ['wrong kind', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', /^document 1: kind: "ConfigMap" is not ClusterImagePolicy/],
    ['no kind', 'apiVersion: v1\n', /^document 1: kind: "" is not ClusterImagePolicy/],
    ['wrong version', 'apiVersion: policy.sigstore.dev/v2\nkind: ClusterImagePolicy\n', /^document 1: apiVersion: "policy\.sigstore\.dev\/v2" is not one of/],
    ['second document wrong', `${STATIC}\n---\nkind: Pod\n`, /^document 4: kind: "Pod"/],
    ['no name', 'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {}\nspec: {}\n', /^document 1: metadata\.name: required/],
    ['bad name', 'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {name: "Bad Name"}\nspec: {}\n', /metadata\.name: "Bad Name" is not a Kubernetes object name/],
    ['no spec', 'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {name: n}\n', /^policy n: spec: must be a mapping, not empty/],
    ['no images', 'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {name: n}\nspec: {images: []}\n', /^policy n: spec\.images: at least one image glob/],
    ['no authorities', 'apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {name: n}\nspec: {images: [{glob: "**"}]}\n', /^policy n: spec\.authorities: required/],
    ['top-level unknown', `${KEYLESS}extra: 1\n`, /^document 1: document\.extra: unknown field/],
    ['a list', '- a\n- b\n', /^document 1: document: must be a mapping, not a list/],
    ['a scalar', 'hello', /^document 1: document: must be a mapping, not string hello/],
    ['empty file', '', /holds no ClusterImagePolicy/],
    ['only comments', '# nothing\n---\n', /holds no ClusterImagePolicy/],
    ['same name twice', `${KEYLESS}---${KEYLESS}`, /^document 2: policy release-images-from-ci appears twice/],
    ['alias bomb', `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`, /^document 1: not valid YAML/],
    ['oversized', `# ${'x'.repeat(MAX_POLICY_FILE_BYTES)}\n`, /larger than/],
  ];
  for (const [name, yaml, message] of cases) await expectClientError(t, () => parseClusterImagePolicies(yaml), 'POLICY_INVALID', message, name);
});

t.test('readClusterImagePolicyFile puts the path in messages', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.yaml');
  writeFileSync(good, KEYLESS);
  t.equal((await readClusterImagePolicyFile(good))[0]?.name, 'release-images-from-ci');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, base('- key: {kms: "gcpkms://x"}'));
  await expectClientError(t, () => readClusterImagePolicyFile(bad), 'POLICY_INVALID', new RegExp(`^policy file ${bad}: policy p: spec\\.authorities\\[0\\]\\.key\\.kms`));
  await expectClientError(t, () => readClusterImagePolicyFile(join(dir, 'missing.yaml')), 'POLICY_INVALID', /missing\.yaml: cannot read it/);
  await expectClientError(t, () => readClusterImagePolicyFile(dir), 'POLICY_INVALID', /not a regular file/);
  const big = join(dir, 'big.yaml');
  writeFileSync(big, Buffer.alloc(MAX_POLICY_FILE_BYTES + 1, 0x20));
  await expectClientError(t, () => readClusterImagePolicyFile(big), 'POLICY_INVALID', /big\.yaml: larger than/);
});
