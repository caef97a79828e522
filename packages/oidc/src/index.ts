// The public surface of @sigstack/oidc: who is asking, proven by an OIDC token.
export { OidcError } from './errors.js';
export type { OidcErrorCode } from './errors.js';

// -- the contract with the CA --
export type { Principal, SubjectAltName, CertificateExtensionValue, IdentityVerifier } from './principal.js';

// -- token verification: discovery, JWKS, issuer types, claim templates --
export { createIdentityVerifier, DEFAULT_DISCOVERY_TIMEOUT_MS, DEFAULT_LEEWAY_SECONDS } from './identity/identity-verifier.js';
export type { IdentityVerifierOptions, OidcIdentityVerifier } from './identity/identity-verifier.js';
export { MAX_TOKEN_LENGTH } from './identity/jwt-token.js';
export { parseClaimTemplate, renderClaimTemplate } from './identity/claim-template.js';
export type { ClaimTemplate, TemplateData } from './identity/claim-template.js';

// -- Fulcio's identity config format (config.json / YAML) --
export { parseFulcioConfig, findIssuer, challengeClaimOf, compileMetaIssuerPattern, ISSUER_TYPES } from './config/fulcio-config.js';
export type { FulcioConfig, IssuerConfig, MetaIssuerConfig, CIIssuerMetadata, IssuerType } from './config/fulcio-config.js';
export { readFulcioConfigFile } from './config/fulcio-config-file.js';
export { describeIssuers } from './config/describe-issuers.js';
export type { IssuerDescription, ConfigurationResponse } from './config/describe-issuers.js';
export { BUILTIN_CI_PROVIDERS } from './config/builtin-ci-providers.js';
// The Fulcio certificate extensions by their config names (also what a monitor matches on).
export { EXTENSION_FIELDS } from './config/extension-fields.js';
export type { ExtensionField } from './config/extension-fields.js';

// -- the development issuer (development defaults only) --
export {
  devOidcRoutes,
  openDevOidcKey,
  mintDevToken,
  signDevToken,
  devFulcioIssuers,
  devIssuerUrls,
  DEV_OIDC_INFO_FILE,
  DEV_OIDC_KEY_FILE,
  DEV_AUDIENCE,
} from './dev-issuer/dev-issuer.js';
export type { DevTokenRequest, DevOidcInfo } from './dev-issuer/dev-issuer.js';
