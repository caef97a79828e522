/**
 * The Fulcio certificate extensions a CI provider template can fill, keyed by the
 * YAML name upstream uses in `ci-issuer-metadata.<name>.extension-templates`
 * (sigstore/fulcio pkg/certificate/extensions.go). JSON configs name the same fields
 * by their Go field name (`BuildSignerURI`); both spellings are accepted because
 * the config parser compares keys case-insensitively with `-`/`_` removed.
 *
 * Order here is emission order (protocols.md §4.7): 1.2–1.6 raw, then 1.9–1.23
 * UTF8String. 1.1/1.8 (issuer) and 1.24 (token subject) are never templated: they
 * always come from the verified token.
 */
export const EXTENSION_FIELDS = [
  { name: 'github-workflow-trigger', goName: 'GithubWorkflowTrigger', oid: '1.3.6.1.4.1.57264.1.2', encoding: 'raw' },
  { name: 'github-workflow-sha', goName: 'GithubWorkflowSHA', oid: '1.3.6.1.4.1.57264.1.3', encoding: 'raw' },
  { name: 'github-workflow-name', goName: 'GithubWorkflowName', oid: '1.3.6.1.4.1.57264.1.4', encoding: 'raw' },
  { name: 'github-workflow-repository', goName: 'GithubWorkflowRepository', oid: '1.3.6.1.4.1.57264.1.5', encoding: 'raw' },
  { name: 'github-workflow-ref', goName: 'GithubWorkflowRef', oid: '1.3.6.1.4.1.57264.1.6', encoding: 'raw' },
  { name: 'build-signer-uri', goName: 'BuildSignerURI', oid: '1.3.6.1.4.1.57264.1.9', encoding: 'utf8' },
  { name: 'build-signer-digest', goName: 'BuildSignerDigest', oid: '1.3.6.1.4.1.57264.1.10', encoding: 'utf8' },
  { name: 'runner-environment', goName: 'RunnerEnvironment', oid: '1.3.6.1.4.1.57264.1.11', encoding: 'utf8' },
  { name: 'source-repository-uri', goName: 'SourceRepositoryURI', oid: '1.3.6.1.4.1.57264.1.12', encoding: 'utf8' },
  { name: 'source-repository-digest', goName: 'SourceRepositoryDigest', oid: '1.3.6.1.4.1.57264.1.13', encoding: 'utf8' },
  { name: 'source-repository-ref', goName: 'SourceRepositoryRef', oid: '1.3.6.1.4.1.57264.1.14', encoding: 'utf8' },
  { name: 'source-repository-identifier', goName: 'SourceRepositoryIdentifier', oid: '1.3.6.1.4.1.57264.1.15', encoding: 'utf8' },
  { name: 'source-repository-owner-uri', goName: 'SourceRepositoryOwnerURI', oid: '1.3.6.1.4.1.57264.1.16', encoding: 'utf8' },
  { name: 'source-repository-owner-identifier', goName: 'SourceRepositoryOwnerIdentifier', oid: '1.3.6.1.4.1.57264.1.17', encoding: 'utf8' },
  { name: 'build-config-uri', goName: 'BuildConfigURI', oid: '1.3.6.1.4.1.57264.1.18', encoding: 'utf8' },
  { name: 'build-config-digest', goName: 'BuildConfigDigest', oid: '1.3.6.1.4.1.57264.1.19', encoding: 'utf8' },
  { name: 'build-trigger', goName: 'BuildTrigger', oid: '1.3.6.1.4.1.57264.1.20', encoding: 'utf8' },
  { name: 'run-invocation-uri', goName: 'RunInvocationURI', oid: '1.3.6.1.4.1.57264.1.21', encoding: 'utf8' },
  { name: 'source-repository-visibility-at-signing', goName: 'SourceRepositoryVisibilityAtSigning', oid: '1.3.6.1.4.1.57264.1.22', encoding: 'utf8' },
  { name: 'deployment-environment', goName: 'DeploymentEnvironment', oid: '1.3.6.1.4.1.57264.1.23', encoding: 'utf8' },
] as const;

export type ExtensionField = (typeof EXTENSION_FIELDS)[number]['name'];

/** OIDs of the extensions that are always derived from the token, never templated. */
export const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
export const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
export const OID_TOKEN_SUBJECT = '1.3.6.1.4.1.57264.1.24';
