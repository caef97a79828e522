import t from 'tap';
import { parseClaimTemplate, renderClaimTemplate } from '../../src/identity/claim-template.js';
import { BUILTIN_CI_PROVIDERS } from '../../src/config/builtin-ci-providers.js';

t.test('field access and literal text', async (t) => {
  t.equal(renderClaimTemplate('{{ .url }}/{{ .job_workflow_ref }}', { url: 'https://github.com', job_workflow_ref: 'o/r/.github/workflows/w.yml@refs/heads/main' }), 'https://github.com/o/r/.github/workflows/w.yml@refs/heads/main');
  t.equal(renderClaimTemplate('{{.a}}{{.b}}', { a: '1', b: '2' }), '12');
  t.throws(() => renderClaimTemplate('{{ .missing }}', {}), /"missing" is not present/);
});

t.test('a string without {{ names a claim', async (t) => {
  t.equal(renderClaimTemplate('sha', { sha: 'abc' }), 'abc');
  t.equal(renderClaimTemplate('environment', { environment: '' }), '');
  t.throws(() => renderClaimTemplate('sha', {}), /"sha" is not present/);
  t.throws(() => renderClaimTemplate('constructor', {}), /not present/, 'no prototype lookups');
});

t.test('if / else / eq, both upstream spellings', async (t) => {
  const gitlab = BUILTIN_CI_PROVIDERS['gitlab-pipeline']!.extensionTemplates['source-repository-ref']!;
  t.equal(renderClaimTemplate(gitlab, { ref_type: 'branch', ref: 'main' }), 'refs/heads/main');
  t.equal(renderClaimTemplate(gitlab, { ref_type: 'tag', ref: 'v1' }), 'refs/tags/v1');
  const brief = '{{if eq .ref_type "branch"}}refs/heads/{{ .ref }}{{else}}refs/tags/{{ .ref }}{{end}}';
  t.equal(renderClaimTemplate(brief, { ref_type: 'branch', ref: 'main' }), 'refs/heads/main');
  t.equal(renderClaimTemplate('{{if ne .a "x"}}A{{else if eq .a "x"}}B{{end}}', { a: 'x' }), 'B');
  t.equal(renderClaimTemplate('{{if not .a}}empty{{end}}', { a: '' }), 'empty');
});

t.test('index for dotted claim names (CircleCI)', async (t) => {
  const c = BUILTIN_CI_PROVIDERS['circleci-job']!;
  const data = { api_url: 'https://circleci.com/api/v2', 'oidc.circleci.com/project-id': 'P', 'oidc.circleci.com/pipeline-definition-id': 'D' };
  t.equal(renderClaimTemplate(c.subjectAlternativeNameTemplate, data), 'https://circleci.com/api/v2/projects/P/pipeline-definitions/D');
  t.equal(renderClaimTemplate(c.extensionTemplates['runner-environment']!, { ...data, 'oidc.circleci.com/ssh-rerun': 'true' }), 'ssh-rerun');
  t.equal(renderClaimTemplate('{{ index . "nope" }}', {}), '', 'index on a missing key is the zero value, as in Go');
});

t.test('trim markers and refused syntax', async (t) => {
  t.equal(renderClaimTemplate('a  {{- .x -}}  b', { x: 'X' }), 'aXb');
  for (const bad of ['{{ .a | upper }}', '{{ $x := .a }}', '{{ range .a }}{{end}}', '{{ printf "%s" .a }}', '{{ .a.b }}', '{{end}}', '{{ "unterminated }}']) {
    t.throws(() => parseClaimTemplate(bad), bad);
  }
});

t.test('every built-in template parses', async (t) => {
  for (const [name, m] of Object.entries(BUILTIN_CI_PROVIDERS)) {
    for (const tpl of [m.subjectAlternativeNameTemplate, ...Object.values(m.extensionTemplates)]) {
      if (tpl.includes('{{')) t.doesNotThrow(() => parseClaimTemplate(tpl), `${name}: ${tpl}`);
    }
  }
});
