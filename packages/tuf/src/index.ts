// The public surface of @sigstack/tuf.
export { TufError } from './errors.js';
export type { TufErrorCode } from './errors.js';

export { toTufKey } from './metadata/tuf-key.js';
export { toCanonicalJson } from './metadata/canonical-json.js';
export { signingPayload, signMetadata, checkThreshold, verifyThreshold, hasValidSignature, ROLE_NAMES } from './metadata/signing.js';
export type { AnySigned, RoleName, ThresholdReport } from './metadata/signing.js';
export { SPEC_VERSION, toExpires, parseMetadata, toMetadataBytes } from './metadata/metadata-file.js';
export {
  createRootMetadata,
  createTargetsMetadata,
  createTargetFile,
  createSnapshotMetadata,
  createTimestampMetadata,
  assertThreshold,
} from './metadata/build.js';
export type { RootSpec, RoleKeys, TargetInput, JsonValue } from './metadata/build.js';

export { publishRepository, readRepository, verifyRepository, verifyTargetBytes, isRepository, latestRoot } from './repository/repository.js';
export type { RepositoryState, PublishOptions } from './repository/repository.js';
export { TARGET_HASH_ALGORITHMS, TARGET_NAME, rootFile, snapshotFile, targetsFile, targetFile } from './repository/layout.js';

export {
  exportTrustBundle,
  openTrustBundle,
  installTrustBundle,
  installedRepository,
  latestRootBytes,
  trustExpiries,
  TRUST_BUNDLE_MEDIA_TYPE,
} from './airgap/trust-bundle.js';
export type { TrustExpiries, VerifiedTrustBundle, OpenTrustBundleOptions } from './airgap/trust-bundle.js';
export { toTarBytes, fromTarBytes, MAX_ARCHIVE_BYTES } from './airgap/tar-archive.js';
export type { ArchiveEntry } from './airgap/tar-archive.js';

export {
  OnlineRepository,
  DEFAULT_TIMESTAMP_EXPIRY,
  DEFAULT_SNAPSHOT_EXPIRY,
  DEFAULT_TARGETS_EXPIRY,
  DEFAULT_CHECK_INTERVAL,
} from './online/online-repository.js';
export type { OnlineRepositoryOptions } from './online/online-repository.js';
export { openDevRepository, DEV_ROOT_EXPIRY, DEV_KEY_FILES } from './online/dev-repository.js';
export type { DevRepositoryOptions, DevRepository } from './online/dev-repository.js';

export { createSigningConfig, SIGNING_CONFIG_MEDIA_TYPE } from './sigstore/signing-config.js';
export type { SigningConfig, SigningConfigOptions, SigningConfigService } from './sigstore/signing-config.js';
export { sigstoreTargets, sigstoreCustom } from './sigstore/sigstore-targets.js';
export type { SigstoreTargetsInput, SigstoreUsage, SigstoreStatus } from './sigstore/sigstore-targets.js';

export { tufRoutes, DEFAULT_TUF_PREFIX, IMMUTABLE_CACHE, MUTABLE_CACHE } from './routes/tuf-routes.js';
export type { TufRoutesOptions } from './routes/tuf-routes.js';

export {
  initCeremony,
  addTarget,
  removeTarget,
  stagedMetadata,
  ceremonyPayload,
  signRole,
  addSignature,
  ceremonyStatus,
  rotateRoot,
  refreshRole,
  publishCeremony,
} from './ceremony/ceremony.js';
export type {
  OfflineRole,
  PublicKeyInput,
  RoleKeyInput,
  InitCeremonyOptions,
  AddTargetOptions,
  RoleStatus,
  RotateRootOptions,
  PublishCeremonyOptions,
} from './ceremony/ceremony.js';
export { CeremonyFolder, CEREMONY_FILE, DEFAULT_EXPIRY_DAYS } from './ceremony/ceremony-folder.js';
export type { CeremonySettings } from './ceremony/ceremony-folder.js';
