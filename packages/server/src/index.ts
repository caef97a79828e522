export { buildApp } from './build-app.js';
export type { BuildAppOptions, AppServices } from './build-app.js';
export { openStack } from './stack.js';
export type { Stack, OpenStackOptions } from './stack.js';
export { resolveConfig, readConfigFile, configFromEnv, publicUrlOf, sigstackConfigJsonSchema, DEFAULT_CONFIG, StackConfigSchema, isRekorV2Enabled } from './config.js';
export type { StackConfig, RekorConfig, TsaConfig, FulcioConfig, CtLogConfig, TufConfig, KeyConfig, SheddingConfig, ConfigOverrides, WitnessingConfig } from './config.js';
export { StackWitnessing, WITNESS_LOGS_FILE, logVerifierKey, witnessLogsText } from './stack/witnessing.js';
export type { WitnessedLogName, WitnessedLogSource } from './stack/witnessing.js';
export { createTrustedRoot, TRUSTED_ROOT_MEDIA_TYPE } from './trust/trusted-root.js';
export { tlogTilesRoutes, IMMUTABLE_CACHE_CONTROL, PARTIAL_CACHE_CONTROL, CHECKPOINT_CACHE_CONTROL } from './tiles/tlog-tiles-routes.js';
export type { TlogTilesSource, TlogTilesOptions } from './tiles/tlog-tiles-routes.js';
export { tileMountsOf, REKOR_V1_TILES_PREFIX, CT_TILES_PATH, REKOR_V2_TILES_PREFIX } from './tiles/tile-mounts.js';
export type { TlogTilesMount } from './tiles/tile-mounts.js';
export type { TrustedRootJson, TransparencyLogInstance, CertificateAuthorityJson } from './trust/trusted-root.js';
// The development issuer lives in @sigstack/oidc; re-exported for the CLI's dev-token.
export { mintDevToken, signDevToken, devFulcioIssuers, devIssuerUrls, DEV_OIDC_INFO_FILE, DEV_OIDC_KEY_FILE, DEV_AUDIENCE } from '@sigstack/oidc';
export type { DevTokenRequest, DevOidcInfo } from '@sigstack/oidc';
