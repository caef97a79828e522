import t, { type Test } from 'tap';
import { compileMetaIssuerPattern, findIssuer, parseFulcioConfig } from '../../src/config/fulcio-config.js';
import { describeIssuers } from '../../src/config/describe-issuers.js';
import { OidcError } from '../../src/errors.js';

const refuses = (tt: Test, input: unknown, message: RegExp) => {
  try {
    parseFulcioConfig(input);
    tt.fail(`accepted, expected ${message}`);
  } catch (e) {
    tt.ok(e instanceof OidcError && e.code === 'CONFIG_INVALID', 'CONFIG_INVALID');
    tt.match((e as Error).message, message);
  }
};

// Upstream's config.json shape (PascalCase), as in sigstore/fulcio's docs.
const JSON_CONFIG = {
  OIDCIssuers: {
    'https://keycloak.example.com/realms/eng': { IssuerURL: 'https://keycloak.example.com/realms/eng', ClientID: 'sigstore', Type: 'email', Description: 'Keycloak' },
    'https://dex.example.com': { IssuerURL: 'https://dex.example.com', ClientID: 'sigstore', Type: 'email', IssuerClaim: '$.federated_claims.connector_id' },
    'https://token.actions.ghe.example.com': { IssuerURL: 'https://token.actions.ghe.example.com', ClientID: 'sigstore', Type: 'ci-provider', CIProvider: 'github-workflow' },
    'https://spiffe.example.com': { IssuerURL: 'https://spiffe.example.com', ClientID: 'sigstore', Type: 'spiffe', SPIFFETrustDomain: 'example.com' },
    'https://id.example.com': { IssuerURL: 'https://id.example.com', ClientID: 'sigstore', Type: 'username', SubjectDomain: 'example.com' },
  },
  MetaIssuers: {
    'https://oidc.eks.*.amazonaws.com/id/*': { ClientID: 'sigstore', Type: 'kubernetes' },
  },
};

t.test('JSON (PascalCase) config', async (t) => {
  const c = parseFulcioConfig(JSON_CONFIG);
  t.equal(c.oidcIssuers.size, 5);
  t.equal(c.oidcIssuers.get('https://dex.example.com')!.issuerClaim, '$.federated_claims.connector_id');
  t.equal(c.oidcIssuers.get('https://keycloak.example.com/realms/eng')!.description, 'Keycloak');
  t.ok(c.ciIssuerMetadata.has('github-workflow'), 'built-in metadata present');
  t.ok(c.ciIssuerMetadata.has('gitlab-pipeline'));
  t.ok(c.ciIssuerMetadata.has('buildkite-job'));
  t.ok(c.ciIssuerMetadata.has('codefresh-workflow'));
});

t.test('YAML (kebab-case) config, including upstream\'s define: anchors list', async (t) => {
  const c = parseFulcioConfig({
    define: ['github-workflow'],
    'oidc-issuers': {
      'https://gitlab.example.com': { 'issuer-url': 'https://gitlab.example.com', 'client-id': 'sigstore', type: 'ci-provider', 'ci-provider': 'my-gitlab' },
      'https://dex.example.com': { 'client-id': 'sigstore', type: 'email', 'skip-email-verification': true },
    },
    'meta-issuers': { 'https://token.actions.githubusercontent.com/*': { 'client-id': 'sigstore', type: 'ci-provider', 'ci-provider': 'github-workflow' } },
    'ci-issuer-metadata': {
      'my-gitlab': {
        'default-template-values': { url: 'https://gitlab.example.com' },
        'extension-templates': { 'build-signer-uri': 'https://{{ .ci_config_ref_uri }}', 'source-repository-ref': 'refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}' },
        'subject-alternative-name-template': 'https://{{ .ci_config_ref_uri }}',
      },
    },
  });
  t.equal(c.oidcIssuers.get('https://gitlab.example.com')!.ciProvider, 'my-gitlab');
  t.equal(c.oidcIssuers.get('https://dex.example.com')!.issuerUrl, 'https://dex.example.com', 'IssuerURL defaults to the key');
  t.equal(c.oidcIssuers.get('https://dex.example.com')!.skipEmailVerification, true);
  t.same(c.ciIssuerMetadata.get('my-gitlab')!.defaultTemplateValues, { url: 'https://gitlab.example.com' });
  t.equal(findIssuer(c, 'https://token.actions.githubusercontent.com/acme')!.ciProvider, 'github-workflow', 'meta-issuer keeps CIProvider');
});

t.test('dangerous or invalid states are refused', async (t) => {
  const one = (iss: Record<string, unknown>, url = 'https://idp.example.com', extra: Record<string, unknown> = {}) => ({ OIDCIssuers: { [url]: { ClientID: 'sigstore', ...iss } }, ...extra });
  refuses(t, one({ Type: 'magic' }), /unknown issuer type "magic"/);
  refuses(t, one({ Type: 'email', ClientID: '' }), /ClientID/);
  refuses(t, one({ Type: 'uri' }), /type uri needs SubjectDomain/);
  refuses(t, one({ Type: 'uri', SubjectDomain: 'example.com' }), /scheme/);
  refuses(t, one({ Type: 'uri', SubjectDomain: 'https://evil.org' }), /do not share/);
  refuses(t, one({ Type: 'username' }), /type username needs SubjectDomain/);
  refuses(t, one({ Type: 'username', SubjectDomain: 'https://example.com' }), /must not contain a scheme/);
  refuses(t, one({ Type: 'username', SubjectDomain: 'evil.org' }), /do not share/);
  refuses(t, one({ Type: 'spiffe' }), /SPIFFETrustDomain/);
  refuses(t, one({ Type: 'spiffe', SPIFFETrustDomain: 'Bad Domain' }), /not a valid trust domain/);
  refuses(t, one({ Type: 'username', SubjectDomain: 'example.com', IssuerClaim: '$.x' }), /IssuerClaim is only allowed for email/);
  refuses(t, one({ Type: 'email', IssuerClaim: 'federated.connector' }), /JSONPath/);
  refuses(t, one({ Type: 'ci-provider' }), /needs CIProvider/);
  refuses(t, one({ Type: 'ci-provider', CIProvider: 'nope' }), /CIProvider "nope" names no CIIssuerMetadata entry/);
  refuses(t, one({ Type: 'email', CIProvider: 'github-workflow' }), /only meaningful with type ci-provider/);
  refuses(t, one({ Type: 'email', SubjectDomian: 'x' }), /unknown field "SubjectDomian"/);
  refuses(t, one({ Type: 'email', ClientID: 'a', 'client-id': 'b' }), /given twice/);
  refuses(t, one({ Type: 'email', IssuerURL: 'https://other.example.com' }), /differs from its key/);
  refuses(t, one({ Type: 'email' }, 'ftp://idp.example.com'), /https/);
  refuses(t, one({ Type: 'email' }, 'https://idp.example.com/?x=1'), /query/);
  refuses(t, one({ Type: 'email', SkipEmailVerification: 'yes' }), /boolean/);
  refuses(t, one({ Type: 'kubernetes', SkipEmailVerification: true }), /only applies to email/);
  refuses(t, {}, /no OIDCIssuers/);
  refuses(t, [], /must be an object/);
  refuses(t, { MetaIssuers: { 'https://*.*/': { ClientID: 'sigstore', Type: 'email' } } }, /must be literal/);
  refuses(t, { MetaIssuers: { 'https://idp.*.com/x': { ClientID: 'sigstore', Type: 'email' } } }, /must be literal/);
  refuses(t, { MetaIssuers: { 'https://*.example.com': { ClientID: 'sigstore', Type: 'spiffe', SPIFFETrustDomain: 'example.com' } } }, /SPIFFE meta-issuers/);
  refuses(t, { MetaIssuers: { 'https://idp.example.com': { ClientID: 'sigstore', Type: 'email' } } }, /must contain "\*"/);
  const meta = (m: Record<string, unknown>) => one({ Type: 'ci-provider', CIProvider: 'x' }, undefined, { CIIssuerMetadata: { x: m } });
  refuses(t, meta({ ExtensionTemplates: {} }), /SubjectAlternativeNameTemplate is required/);
  refuses(t, meta({ SubjectAlternativeNameTemplate: '{{ .a | printf "%s" }}' }), /pipes|unexpected/);
  refuses(t, meta({ SubjectAlternativeNameTemplate: '{{ .a' }), /unclosed/);
  refuses(t, meta({ SubjectAlternativeNameTemplate: '{{if .a}}x' }), /missing \{\{end\}\}/);
  refuses(t, meta({ SubjectAlternativeNameTemplate: 'sub', ExtensionTemplates: { 'no-such-ext': 'x' } }), /unknown extension/);
  refuses(t, meta({ SubjectAlternativeNameTemplate: 'sub', ExtensionTemplates: { Issuer: 'x' } }), /Issuer cannot be templated/);
});

t.test('meta-issuer patterns: * is one [-_a-zA-Z0-9]+ run, anchored, rest literal', async (t) => {
  const re = compileMetaIssuerPattern('https://oidc.eks.*.amazonaws.com/id/*');
  t.ok(re.test('https://oidc.eks.us-west-2.amazonaws.com/id/B02C93B6A2D30341AD01E1B6D48164CB'));
  t.notOk(re.test('https://oidc.eks.us-west-2.amazonaws.com/id/B0/x'));
  t.notOk(re.test('https://oidc.eks.a.b.amazonaws.com/id/B0'));
  t.notOk(re.test('https://oidc.eksXa.amazonaws.com/id/B0'), '. is literal');
  t.notOk(re.test('https://evil.example/?https://oidc.eks.a.amazonaws.com/id/b'));
  t.notOk(re.test('https://oidc.eks.a.amazonaws.com/id/b/'));
  t.ok(compileMetaIssuerPattern('https://container.googleapis.com/v1/projects/*/locations/*/clusters/*').test('https://container.googleapis.com/v1/projects/p_1/locations/us-west1-b/clusters/c'));
});

t.test('describeIssuers: the /api/v2/configuration body', async (t) => {
  const body = describeIssuers(parseFulcioConfig(JSON_CONFIG));
  t.same(body.issuers[0], { issuerUrl: 'https://keycloak.example.com/realms/eng', audience: 'sigstore', challengeClaim: 'email', spiffeTrustDomain: '', issuerType: 'email' });
  t.same(body.issuers[3], { issuerUrl: 'https://spiffe.example.com', audience: 'sigstore', challengeClaim: 'sub', spiffeTrustDomain: 'example.com', issuerType: 'spiffe' });
  t.same(body.issuers[4], { issuerUrl: 'https://id.example.com', audience: 'sigstore', challengeClaim: 'sub', spiffeTrustDomain: '', issuerType: 'username', subjectDomain: 'example.com' });
  t.same(body.issuers[5], { wildcardIssuerUrl: 'https://oidc.eks.*.amazonaws.com/id/*', audience: 'sigstore', challengeClaim: 'sub', spiffeTrustDomain: '', issuerType: 'kubernetes' });
});
