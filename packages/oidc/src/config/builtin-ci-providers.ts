import type { CIIssuerMetadata } from './fulcio-config.js';

/**
 * The CI provider metadata that ships with upstream Fulcio's public-good config
 * (sigstore/fulcio config/identity/config.yaml, `ci-issuer-metadata`), transcribed
 * so that `"Type": "ci-provider", "CIProvider": "github-workflow"` works with no
 * `CIIssuerMetadata` in the operator's file. A config entry with the same name
 * replaces the built-in one entirely (no field-by-field merge: an operator who
 * writes their own templates gets exactly those).
 *
 * Self-hosted GitLab / GitHub Enterprise: override `url` through a config entry of
 * your own (copy the templates), because the built-in defaults point at the SaaS
 * hosts, exactly as upstream's do.
 */
export const BUILTIN_CI_PROVIDERS: Readonly<Record<string, CIIssuerMetadata>> = {
  'github-workflow': {
    defaultTemplateValues: { url: 'https://github.com', environment: '' },
    extensionTemplates: {
      'github-workflow-trigger': 'event_name',
      'github-workflow-sha': 'sha',
      'github-workflow-name': 'workflow',
      'github-workflow-repository': 'repository',
      'github-workflow-ref': 'ref',
      'build-signer-uri': '{{ .url }}/{{ .job_workflow_ref }}',
      'build-signer-digest': 'job_workflow_sha',
      'runner-environment': 'runner_environment',
      'source-repository-uri': '{{ .url }}/{{ .repository }}',
      'source-repository-digest': 'sha',
      'source-repository-ref': 'ref',
      'source-repository-identifier': 'repository_id',
      'source-repository-owner-uri': '{{ .url }}/{{ .repository_owner }}',
      'source-repository-owner-identifier': 'repository_owner_id',
      'build-config-uri': '{{ .url }}/{{ .workflow_ref }}',
      'build-config-digest': 'workflow_sha',
      'build-trigger': 'event_name',
      'run-invocation-uri': '{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}',
      'source-repository-visibility-at-signing': 'repository_visibility',
      'deployment-environment': 'environment',
    },
    subjectAlternativeNameTemplate: '{{ .url }}/{{ .job_workflow_ref }}',
  },
  'gitlab-pipeline': {
    defaultTemplateValues: { url: 'https://gitlab.com', environment: '' },
    extensionTemplates: {
      'build-signer-uri': 'https://{{ .ci_config_ref_uri }}',
      'build-signer-digest': 'ci_config_sha',
      'runner-environment': 'runner_environment',
      'source-repository-uri': '{{ .url }}/{{ .project_path }}',
      'source-repository-digest': 'sha',
      'source-repository-ref': 'refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}',
      'source-repository-identifier': 'project_id',
      'source-repository-owner-uri': '{{ .url }}/{{ .namespace_path }}',
      'source-repository-owner-identifier': 'namespace_id',
      'build-config-uri': 'https://{{ .ci_config_ref_uri }}',
      'build-config-digest': 'ci_config_sha',
      'build-trigger': 'pipeline_source',
      'run-invocation-uri': '{{ .url }}/{{ .project_path }}/-/jobs/{{ .job_id }}',
      'source-repository-visibility-at-signing': 'project_visibility',
      'deployment-environment': 'environment',
    },
    subjectAlternativeNameTemplate: 'https://{{ .ci_config_ref_uri }}',
  },
  'codefresh-workflow': {
    defaultTemplateValues: { platform_url: 'https://g.codefresh.io', scm_repo_url: '', scm_ref: '', runner_environment: '' },
    extensionTemplates: {
      'build-signer-uri': '{{.platform_url}}/build/{{ .workflow_id }}',
      'runner-environment': 'runner_environment',
      'source-repository-uri': 'scm_repo_url',
      'source-repository-ref': 'scm_ref',
      'build-config-uri': '{{.platform_url}}/api/pipelines/{{ .pipeline_id }}',
      'run-invocation-uri': '{{.platform_url}}/build/{{ .workflow_id }}',
    },
    subjectAlternativeNameTemplate: '{{.platform_url}}/{{.account_name}}/{{.pipeline_name}}:{{.account_id}}/{{.pipeline_id}}',
  },
  'buildkite-job': {
    defaultTemplateValues: { url: 'https://buildkite.com' },
    extensionTemplates: {
      'run-invocation-uri': '{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}/builds/{{.build_number}}#{{.job_id}}',
      'runner-environment': 'runner_environment',
      'source-repository-digest': 'build_commit',
      'build-trigger': 'build_source',
    },
    subjectAlternativeNameTemplate: '{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}',
  },
  'circleci-job': {
    defaultTemplateValues: { api_url: 'https://circleci.com/api/v2', platform_url: 'https://app.circleci.com/' },
    extensionTemplates: {
      'build-config-uri': '{{.api_url}}/pipeline/{{(index . "oidc.circleci.com/pipeline-id")}}/config',
      'build-signer-uri':
        '{{.api_url}}/projects/{{(index . "oidc.circleci.com/project-id")}}/pipeline-definitions/{{(index . "oidc.circleci.com/pipeline-definition-id")}}',
      'run-invocation-uri':
        '{{.platform_url}}/workflow/{{(index . "oidc.circleci.com/workflow-id")}}/job/{{(index . "oidc.circleci.com/job-id")}}',
      'runner-environment': '{{if eq (index . "oidc.circleci.com/ssh-rerun") "true"}}ssh-rerun{{ else }}""{{end}}',
      'source-repository-ref': '{{index . "oidc.circleci.com/vcs-ref"}}',
      'source-repository-uri': '{{index . "oidc.circleci.com/vcs-origin"}}',
    },
    subjectAlternativeNameTemplate:
      '{{.api_url}}/projects/{{(index . "oidc.circleci.com/project-id")}}/pipeline-definitions/{{(index . "oidc.circleci.com/pipeline-definition-id")}}',
  },
};
