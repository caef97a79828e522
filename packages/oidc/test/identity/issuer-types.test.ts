import t, { type Test } from 'tap';
import { parseFulcioConfig } from '../../src/config/fulcio-config.js';
import { createIdentityVerifier } from '../../src/identity/identity-verifier.js';
import { OidcError } from '../../src/errors.js';
import type { CertificateExtensionValue } from '../../src/principal.js';
import { manualClock, startFakeIdp } from './fake-idp.js';

const P = '1.3.6.1.4.1.57264.1.';
const raw = (n: number, value: string): CertificateExtensionValue => ({ oid: P + n, encoding: 'raw', value });
const utf8 = (n: number, value: string): CertificateExtensionValue => ({ oid: P + n, encoding: 'utf8', value });

async function setup(tt: Test, issuer: Record<string, unknown>, extraConfig: Record<string, unknown> = {}, path?: string) {
  const idp = await startFakeIdp({ ...(path ? { path } : {}) });
  tt.teardown(() => idp.close());
  const clock = manualClock();
  const config = parseFulcioConfig({ OIDCIssuers: { [idp.url]: { IssuerURL: idp.url, ClientID: 'sigstore', ...issuer } }, ...extraConfig });
  const verifier = createIdentityVerifier(config, { clock });
  const mint = (claims: Record<string, unknown>) => idp.mint(claims, { nowSeconds: clock.now() / 1000 });
  return { idp, verifier, mint };
}

const rejectsCode = async (tt: Test, p: Promise<unknown>, code: string, message?: RegExp) => {
  try {
    await p;
    tt.fail(`expected ${code}, got success`);
  } catch (e) {
    tt.ok(e instanceof OidcError, 'a OidcError');
    tt.equal((e as OidcError).code, code, (e as Error).message);
    if (message) tt.match((e as Error).message, message);
  }
};

// A GitHub Actions token's claims (shape of token.actions.githubusercontent.com).
const GITHUB = {
  sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
  ref: 'refs/heads/main',
  sha: 'a1b2c3',
  repository: 'octo-org/octo-repo',
  repository_owner: 'octo-org',
  repository_owner_id: '100',
  repository_id: '200',
  repository_visibility: 'private',
  run_id: '300',
  run_number: '7',
  run_attempt: '1',
  runner_environment: 'github-hosted',
  actor: 'octocat',
  workflow: 'Release',
  workflow_ref: 'octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main',
  workflow_sha: 'd4e5f6',
  job_workflow_ref: 'octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main',
  job_workflow_sha: 'd4e5f6',
  event_name: 'push',
  ref_type: 'branch',
};

function githubExtensions(iss: string, environment?: string): CertificateExtensionValue[] {
  return [
    raw(1, iss),
    raw(2, 'push'),
    raw(3, 'a1b2c3'),
    raw(4, 'Release'),
    raw(5, 'octo-org/octo-repo'),
    raw(6, 'refs/heads/main'),
    utf8(8, iss),
    utf8(9, 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main'),
    utf8(10, 'd4e5f6'),
    utf8(11, 'github-hosted'),
    utf8(12, 'https://github.com/octo-org/octo-repo'),
    utf8(13, 'a1b2c3'),
    utf8(14, 'refs/heads/main'),
    utf8(15, '200'),
    utf8(16, 'https://github.com/octo-org'),
    utf8(17, '100'),
    utf8(18, 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main'),
    utf8(19, 'd4e5f6'),
    utf8(20, 'push'),
    utf8(21, 'https://github.com/octo-org/octo-repo/actions/runs/300/attempts/1'),
    utf8(22, 'private'),
    ...(environment ? [utf8(23, environment)] : []),
    utf8(24, GITHUB.sub),
  ];
}

t.test('ci-provider github-workflow from the built-in metadata', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'ci-provider', CIProvider: 'github-workflow' });
  const p = await verifier.verify(await mint(GITHUB));
  t.equal(p.challenge, GITHUB.sub);
  t.same(p.san, { type: 'uri', value: 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main' });
  t.same(p.extensions, githubExtensions(idp.url), 'no environment claim: 1.23 omitted');
  const withEnv = await verifier.verify(await mint({ ...GITHUB, environment: 'prod' }));
  t.same(withEnv.extensions, githubExtensions(idp.url, 'prod'));
  const { job_workflow_ref: _j, ...missing } = GITHUB;
  await rejectsCode(t, verifier.verify(await mint(missing)), 'CLAIMS_INVALID', /job_workflow_ref/);
  // an email claim does not turn a CI token into an email identity
  t.equal((await verifier.verify(await mint({ ...GITHUB, email: 'x@example.com' }))).challenge, GITHUB.sub);
});

t.test('legacy github-workflow type yields the same principal as ci-provider', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'github-workflow' });
  const p = await verifier.verify(await mint(GITHUB));
  t.same(p.extensions, githubExtensions(idp.url));
  t.same(p.san, { type: 'uri', value: 'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main' });
  for (const claim of ['run_attempt', 'repository_visibility', 'workflow_sha']) {
    const c: Record<string, unknown> = { ...GITHUB };
    delete c[claim];
    await rejectsCode(t, verifier.verify(await mint(c)), 'CLAIMS_INVALID', new RegExp(claim));
  }
});

t.test('GitHub Enterprise: operator metadata with its own url default', async (t) => {
  const { verifier, mint } = await setup(
    t,
    { Type: 'ci-provider', CIProvider: 'ghes' },
    {
      CIIssuerMetadata: {
        ghes: {
          DefaultTemplateValues: { url: 'https://ghe.example.com' },
          ExtensionTemplates: { BuildSignerURI: '{{ .url }}/{{ .job_workflow_ref }}', 'runner-environment': 'runner_environment' },
          SubjectAlternativeNameTemplate: '{{ .url }}/{{ .job_workflow_ref }}',
        },
      },
    },
  );
  const p = await verifier.verify(await mint(GITHUB));
  t.equal(p.san.value, 'https://ghe.example.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main');
  t.same(
    p.extensions.map((e) => e.oid.slice(P.length)),
    ['1', '8', '9', '11', '24'],
  );
});

const GITLAB = {
  sub: 'project_path:grp/proj:ref_type:branch:ref:main',
  namespace_id: '10',
  namespace_path: 'grp',
  project_id: '20',
  project_path: 'grp/proj',
  project_visibility: 'internal',
  pipeline_id: '30',
  pipeline_source: 'push',
  job_id: 40,
  ref: 'main',
  ref_type: 'branch',
  runner_id: 50,
  runner_environment: 'gitlab-hosted',
  sha: 'abc',
  ci_config_ref_uri: 'gitlab.com/grp/proj//.gitlab-ci.yml@refs/heads/main',
  ci_config_sha: 'def',
};

t.test('ci-provider gitlab-pipeline: if/else template, numeric claims', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'ci-provider', CIProvider: 'gitlab-pipeline' });
  const p = await verifier.verify(await mint(GITLAB));
  t.same(p.san, { type: 'uri', value: 'https://gitlab.com/grp/proj//.gitlab-ci.yml@refs/heads/main' });
  t.same(p.extensions, [
    raw(1, idp.url),
    utf8(8, idp.url),
    utf8(9, 'https://gitlab.com/grp/proj//.gitlab-ci.yml@refs/heads/main'),
    utf8(10, 'def'),
    utf8(11, 'gitlab-hosted'),
    utf8(12, 'https://gitlab.com/grp/proj'),
    utf8(13, 'abc'),
    utf8(14, 'refs/heads/main'),
    utf8(15, '20'),
    utf8(16, 'https://gitlab.com/grp'),
    utf8(17, '10'),
    utf8(18, 'https://gitlab.com/grp/proj//.gitlab-ci.yml@refs/heads/main'),
    utf8(19, 'def'),
    utf8(20, 'push'),
    utf8(21, 'https://gitlab.com/grp/proj/-/jobs/40'),
    utf8(22, 'internal'),
    utf8(24, GITLAB.sub),
  ]);
  const tag = await verifier.verify(await mint({ ...GITLAB, ref: 'v1', ref_type: 'tag' }));
  t.equal(tag.extensions.find((e) => e.oid === P + '14')!.value, 'refs/tags/v1');
});

t.test('legacy gitlab-pipeline: base URL from the issuer, required claims', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'gitlab-pipeline' });
  const host = new URL(idp.url).host;
  const p = await verifier.verify(await mint({ ...GITLAB, ci_config_ref_uri: `${host}/grp/proj//.gitlab-ci.yml@refs/heads/main` }));
  t.equal(p.san.value, `http://${host}/grp/proj//.gitlab-ci.yml@refs/heads/main`, 'scheme copied from the issuer on the same host');
  t.equal(p.extensions.find((e) => e.oid === P + '12')!.value, `${idp.url}/grp/proj`);
  await rejectsCode(t, verifier.verify(await mint({ ...GITLAB, runner_id: undefined })), 'CLAIMS_INVALID', /runner_id/);
  await rejectsCode(t, verifier.verify(await mint({ ...GITLAB, ref_type: 'weird' })), 'CLAIMS_INVALID', /ref_type/);
});

t.test('buildkite (ci-provider and legacy)', async (t) => {
  const claims = { sub: 'organization:acme:pipeline:app:ref:refs/heads/main', organization_slug: 'acme', pipeline_slug: 'app', build_number: 12, job_id: 'j-1', runner_environment: 'buildkite-hosted', build_commit: 'c0ffee', build_source: 'webhook' };
  {
    const { verifier, mint, idp } = await setup(t, { Type: 'ci-provider', CIProvider: 'buildkite-job' });
    const p = await verifier.verify(await mint(claims));
    t.same(p.san, { type: 'uri', value: 'https://buildkite.com/acme/app' });
    t.same(p.extensions, [raw(1, idp.url), utf8(8, idp.url), utf8(11, 'buildkite-hosted'), utf8(13, 'c0ffee'), utf8(20, 'webhook'), utf8(21, 'https://buildkite.com/acme/app/builds/12#j-1'), utf8(24, claims.sub)]);
  }
  {
    const { verifier, mint, idp } = await setup(t, { Type: 'buildkite-job' });
    const p = await verifier.verify(await mint(claims));
    t.same(p.san, { type: 'uri', value: 'https://buildkite.com/acme/app' });
    t.same(p.extensions, [raw(1, idp.url), utf8(8, idp.url), utf8(24, claims.sub)]);
    await rejectsCode(t, verifier.verify(await mint({ ...claims, pipeline_slug: undefined })), 'CLAIMS_INVALID', /pipeline_slug/);
  }
});

t.test('codefresh (legacy type) with the platform_url default', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'codefresh-workflow' });
  const claims = { sub: 'account:a1:pipeline:p1', account_id: 'a1', account_name: 'acct', pipeline_id: 'p1', pipeline_name: 'proj/pipe', workflow_id: 'w1' };
  const p = await verifier.verify(await mint(claims));
  t.same(p.san, { type: 'uri', value: 'https://g.codefresh.io/acct/proj/pipe:a1/p1' });
  t.same(p.extensions, [
    raw(1, idp.url),
    utf8(8, idp.url),
    utf8(9, 'https://g.codefresh.io/build/w1'),
    utf8(18, 'https://g.codefresh.io/api/pipelines/p1'),
    utf8(21, 'https://g.codefresh.io/build/w1'),
    utf8(24, claims.sub),
  ]);
  await rejectsCode(t, verifier.verify(await mint({ ...claims, workflow_id: undefined })), 'CLAIMS_INVALID', /workflow_id/);
});

t.test('username: OtherName sub!SubjectDomain', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'username', SubjectDomain: '127.0.0.1' });
  const p = await verifier.verify(await mint({ sub: 'alice' }));
  t.same(p.san, { type: 'otherName', value: 'alice!127.0.0.1' });
  t.equal(p.challenge, 'alice');
  t.same(p.extensions, [raw(1, idp.url), utf8(8, idp.url), utf8(24, 'alice')]);
  await rejectsCode(t, verifier.verify(await mint({ sub: 'a!b' })), 'CLAIMS_INVALID', /!/);
  await rejectsCode(t, verifier.verify(await mint({ sub: 'alice@example.com' })), 'CLAIMS_INVALID', /email/);
  await rejectsCode(t, verifier.verify(await mint({ sub: undefined })), 'CLAIMS_INVALID', /sub/);
});

t.test('uri: sub under SubjectDomain', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'uri', SubjectDomain: 'http://127.0.0.1' });
  const p = await verifier.verify(await mint({ sub: 'http://127.0.0.1/users/alice' }));
  t.same(p.san, { type: 'uri', value: 'http://127.0.0.1/users/alice' });
  t.same(p.extensions, [raw(1, idp.url), utf8(8, idp.url), utf8(24, 'http://127.0.0.1/users/alice')]);
  await rejectsCode(t, verifier.verify(await mint({ sub: 'http://evil.example/alice' })), 'CLAIMS_INVALID', /hostname/);
  await rejectsCode(t, verifier.verify(await mint({ sub: 'https://127.0.0.1/alice' })), 'CLAIMS_INVALID', /scheme/);
  await rejectsCode(t, verifier.verify(await mint({ sub: 'not a uri' })), 'CLAIMS_INVALID');
  await rejectsCode(t, verifier.verify(await mint({ sub: undefined })), 'CLAIMS_INVALID');
});

t.test('spiffe: trust domain must match', async (t) => {
  const { verifier, mint } = await setup(t, { Type: 'spiffe', SPIFFETrustDomain: 'example.org' });
  const p = await verifier.verify(await mint({ sub: 'spiffe://example.org/ns/prod/sa/builder' }));
  t.same(p.san, { type: 'uri', value: 'spiffe://example.org/ns/prod/sa/builder' });
  await rejectsCode(t, verifier.verify(await mint({ sub: 'spiffe://other.org/x' })), 'CLAIMS_INVALID', /trust domain/);
  await rejectsCode(t, verifier.verify(await mint({ sub: 'spiffe://example.org/../x' })), 'CLAIMS_INVALID', /not a valid SPIFFE ID/);
  await rejectsCode(t, verifier.verify(await mint({ sub: 'https://example.org/x' })), 'CLAIMS_INVALID');
});

t.test('kubernetes: namespace and service account', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'kubernetes' });
  const sub = 'system:serviceaccount:build:signer';
  const p = await verifier.verify(await mint({ sub, 'kubernetes.io': { namespace: 'build', serviceaccount: { name: 'signer', uid: 'u' } } }));
  t.same(p.san, { type: 'uri', value: 'https://kubernetes.io/namespaces/build/serviceaccounts/signer' });
  t.equal(p.challenge, sub);
  t.same(p.extensions, [raw(1, idp.url), utf8(8, idp.url), utf8(24, sub)]);
  await rejectsCode(t, verifier.verify(await mint({ sub, 'kubernetes.io': { namespace: 'build' } })), 'CLAIMS_INVALID', /serviceaccount/);
  await rejectsCode(t, verifier.verify(await mint({ sub })), 'CLAIMS_INVALID', /namespace/);
});

t.test('meta-issuer: wildcard match gets its own discovery; non-match is untrusted', async (t) => {
  const idp = await startFakeIdp({ path: '/id/cluster-1' });
  t.teardown(() => idp.close());
  const port = new URL(idp.url).port;
  const config = parseFulcioConfig({
    MetaIssuers: {
      [`http://127.0.0.1:${port}/id/*`]: { ClientID: 'sigstore', Type: 'kubernetes' },
      'https://oidc.eks.*.amazonaws.com/id/*': { ClientID: 'sigstore', Type: 'kubernetes' },
    },
  });
  const clock = manualClock();
  const v = createIdentityVerifier(config, { clock });
  const claims = { sub: 'system:serviceaccount:a:b', 'kubernetes.io': { namespace: 'a', serviceaccount: { name: 'b' } } };
  const p = await v.verify(await idp.mint(claims, { nowSeconds: clock.now() / 1000 }));
  t.equal(p.issuer, idp.url);
  t.equal(p.extensions[0]!.value, idp.url);
  for (const iss of [
    'https://oidc.eks.us-west-2.amazonaws.com/id/B0/extra',
    'https://oidc.eks.us.west.amazonaws.com/id/B0',
    'https://evil.example/?https://oidc.eks.x.amazonaws.com/id/y',
    `http://127.0.0.1:${port}/id/`,
    `http://127.0.0.1:${port}/id/a.b`,
  ]) {
    await rejectsCode(t, v.verify(await idp.mint({ ...claims, iss }, { nowSeconds: clock.now() / 1000 })), 'ISSUER_UNTRUSTED');
  }
});

t.test('chainguard-identity', async (t) => {
  const { verifier, mint, idp } = await setup(t, { Type: 'chainguard-identity' });
  const p = await verifier.verify(await mint({ sub: 'abc/def' }));
  t.same(p.san, { type: 'uri', value: `${idp.url}/abc/def` });
  t.equal(p.challenge, 'abc/def');
});
