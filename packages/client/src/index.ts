// The public surface of @sigstack/client: see README.md.

export { BundleSigner, preAuthEncoding } from './sign/bundle-signer.js';
export type { BundleSignerOptions, SigningIdentity } from './sign/bundle-signer.js';
export { digestFile, parseArtifactDigest } from './sign/artifact-digest.js';
export type { DigestAlgorithm } from './sign/artifact-digest.js';
export { KeyHolder } from './sign/key-holder.js';
export { resolveTrustedRoot, resolveSigningServices } from './trust/resolve-trust.js';
export type { TrustOptions, ServiceOptions } from './trust/resolve-trust.js';
export { servicesFromSigningConfig } from './trust/signing-config.js';
export type { SigningServices } from './trust/signing-config.js';
export { readTrustedRootFile, parseTrustedRoot, trustedRootFromLegacyEnv } from './trust/trusted-root.js';
export { initializeTuf, tufCacheDir, initializedMirror, tufTarget, TRUSTED_ROOT_TARGET, SIGNING_CONFIG_TARGET } from './trust/tuf-trust.js';
export { BundleVerifier } from './verify/bundle-verifier.js';
export type { IdentityPolicy, ArtifactInput, VerifierOptions, VerifiedBundle } from './verify/bundle-verifier.js';
export { readBundleFile, parseBundle, MAX_BUNDLE_BYTES } from './verify/bundle-reader.js';
export { buildStatement, parseStatement, checkStatement, predicateTypeUri, PREDICATE_TYPES, IN_TOTO_PAYLOAD_TYPE, STATEMENT_V01, STATEMENT_V1 } from './sign/in-toto-statement.js';
export type { Statement, StatementSubject } from './sign/in-toto-statement.js';
export { generateCosignKeyPair, encryptCosignPrivateKey, decryptCosignPrivateKey, SIGSTORE_PRIVATE_KEY_PEM_TYPE, COSIGN_PRIVATE_KEY_PEM_TYPE } from './keys/cosign-key.js';
export { loadPrivateKey } from './keys/private-key.js';
export { loadPublicKey, publicKeyPem } from './keys/public-key.js';
export { assertSupportedKey } from './keys/supported-key.js';
export { resolveIdentityToken } from './identity/resolve-identity-token.js';
export { tokenIdentity } from './identity/token-identity.js';
export type { TokenIdentity } from './identity/token-identity.js';
export { DEFAULT_OIDC_CLIENT_ID, DEFAULT_OIDC_REDIRECT_URL, DEFAULT_PERSON_TIMEOUT_MS, FILESYSTEM_TOKEN_PATH, SIGSTORE_AUDIENCE } from './identity/identity-token-options.js';
export type { IdentityTokenOptions, OidcAuthFlow, AmbientProviderName } from './identity/identity-token-options.js';
