export { buildApp } from './build-app.js';
export type { BuildAppOptions, AppServices } from './build-app.js';
export { openStack } from './stack.js';
export type { Stack, OpenStackOptions } from './stack.js';
export { resolveConfig, readConfigFile, configFromEnv, publicUrlOf, DEFAULT_CONFIG } from './config.js';
export type { StackConfig, RekorConfig, TsaConfig, KeyConfig, ConfigOverrides } from './config.js';
export { createTrustedRoot, TRUSTED_ROOT_MEDIA_TYPE } from './trust/trusted-root.js';
export type { TrustedRootJson, TransparencyLogInstance, CertificateAuthorityJson } from './trust/trusted-root.js';
