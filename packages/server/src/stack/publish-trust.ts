import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { writeFileAtomic, type Clock } from '@sigstack/core';
import { devIssuerUrls, DEV_OIDC_INFO_FILE, DEV_OIDC_KEY_FILE } from '@sigstack/oidc';
import { readRepository, targetFile, type OnlineRepository } from '@sigstack/tuf';
import { Pkcs11Signer } from '@sigstack/pkcs11';
import type { StackConfig } from '../config.js';
import { KeyValidity } from '../trust/key-validity.js';
import { buildTrustMaterial, type TrustMaterial } from '../trust/trust-material.js';
import { identityOf, KeyHistory, type HistoryKind } from '../trust/key-history.js';
import type { CertificateAuthorityJson, TransparencyLogInstance, TrustedRootJson } from '../trust/trusted-root.js';
import { openStackTuf } from '../trust/stack-tuf.js';
import type { StackServices } from './open-services.js';
import { openKey } from './open-services.js';
import { WITNESS_LOGS_FILE, witnessLogsText } from './witnessing.js';

/** `<dataDir>/trust/key-history.json`: keys listed beside the current ones (trust/key-history.ts). */
export const KEY_HISTORY_FILE = 'key-history.json';

/** Where the stack's TUF repository is served from, if it serves one. */
export function tufRepositoryDirOf(config: StackConfig): string | undefined {
  if (!config.tuf.enabled) return undefined;
  // Development makes and republishes its own repository under <dataDir>/tuf;
  // production serves the ceremony's repository and only re-signs the online roles.
  // An operator repository (tuf.repositoryDir) is served in either mode.
  if (config.tuf.repositoryDir) return resolvePath(config.tuf.repositoryDir);
  return config.development ? join(config.dataDir, 'tuf', 'repository') : undefined;
}

export interface PublishedTrust {
  /** The TUF online roles' re-signing, when the stack serves a repository; stop on close. */
  tufOnline?: OnlineRepository;
  /** The online key when it is on an HSM: its sessions close with the stack. */
  tufOnlineKey?: Pkcs11Signer;
}

/**
 * Step 3 of a start: everything a client needs to trust the stack, for the URL it is
 * reached at, built in one place (trust/trust-material.ts) and written to
 * `<dataDir>/trust/` (each file atomically, with `witness-logs.txt` for witnesses), then the same bytes published as TUF
 * targets (development) or the ceremony's repository opened for re-signing
 * (production), and `trust/root.json` written from it.
 */
export async function publishTrust(
  config: StackConfig,
  services: StackServices,
  o: { url: string; clock: Clock; devIssuer: boolean; onTufError: (err: unknown) => void },
): Promise<PublishedTrust> {
  if (o.devIssuer) writeFileAtomic(join(config.dataDir, DEV_OIDC_INFO_FILE), JSON.stringify({ ...devIssuerUrls(o.url), keyFile: DEV_OIDC_KEY_FILE }, null, 2) + '\n');
  const material = writeTrust(config, services, o);

  const repositoryDir = tufRepositoryDirOf(config);
  if (!repositoryDir) return {};
  const timestampExpiryMs = config.tuf.timestampExpirySeconds !== undefined ? config.tuf.timestampExpirySeconds * 1000 : config.tuf.timestampExpiryHours * 3_600_000;
  const common = { clock: o.clock, timestampExpiryMs, onError: o.onTufError };
  const onlineKey = config.tuf.repositoryDir ? await openKey(config.dataDir, config.tuf.onlineKey!, undefined) : undefined;
  const tuf = onlineKey
    ? await openStackTuf({ mode: 'operator', repositoryDir, onlineKey, ...common })
    : await openStackTuf({ mode: 'development', dir: join(config.dataDir, 'tuf'), targets: material.tufTargets, ...common });
  writeFileAtomic(join(config.dataDir, 'trust', 'root.json'), tuf.rootBytes);
  return { tufOnline: tuf.online, ...(onlineKey instanceof Pkcs11Signer ? { tufOnlineKey: onlineKey } : {}) };
}

/**
 * After a key rotation: the trust material built again and written to `trust/`, and
 * in development published as a new TUF targets version (resolves once it is). The
 * ceremony's repository (tuf.repositoryDir) is published by its targets key holders.
 */
export async function republishTrust(config: StackConfig, services: StackServices, o: { url: string; clock: Clock; devIssuer: boolean; tufOnline?: OnlineRepository }): Promise<void> {
  const material = writeTrust(config, services, o);
  if (o.tufOnline && !config.tuf.repositoryDir) await o.tufOnline.updateTargets(material.tufTargets);
}

/**
 * Whether the trusted_root.json the stack's TUF repository serves lists `entry`
 * (same key): with the ceremony's repository, a rotated key signs only once its
 * targets key holders have published it (stack/rotate-keys.ts).
 */
export function servedTrustedRootLists(repositoryDir: string, kind: HistoryKind, entry: TransparencyLogInstance | CertificateAuthorityJson): boolean {
  const tf = readRepository(repositoryDir).targets.signed.targets['trusted_root.json'];
  const sha256 = tf?.hashes['sha256'];
  if (!sha256) return false;
  const served = JSON.parse(readFileSync(join(repositoryDir, targetFile(sha256, 'trusted_root.json')), 'utf8')) as TrustedRootJson;
  const want = identityOf(entry);
  return (served[kind] as (TransparencyLogInstance | CertificateAuthorityJson)[]).some((e) => identityOf(e) === want);
}

/** Builds the trust material for `url` (with the key history: rotations' next and retired keys) and writes it to `<dataDir>/trust/`. */
function writeTrust(config: StackConfig, services: StackServices, o: { url: string; clock: Clock; devIssuer: boolean }): TrustMaterial {
  const trustDir = join(config.dataDir, 'trust');
  const { rekorSigner, rekorV2, rekorV2Signer, rekorV2Hostname, ca, ctlog, ctSigner, tsa } = services;
  const material = buildTrustMaterial({
    url: o.url,
    now: o.clock.now(),
    validity: new KeyValidity(join(trustDir, 'key-validity.json')),
    ...(rekorSigner ? { rekor: { publicKeyDer: rekorSigner.publicKeyDer, algorithm: rekorSigner.algorithm } } : {}),
    ...(rekorV2 && rekorV2Signer && rekorV2Hostname
      ? {
          rekorV2: {
            publicKeyDer: rekorV2Signer.publicKeyDer,
            algorithm: rekorV2Signer.algorithm,
            keyId: rekorV2.keyId,
            hostname: rekorV2Hostname,
            offer: config.rekorV2.offerInSigningConfig,
          },
        }
      : {}),
    ...(ca ? { ca } : {}),
    ...(ctlog && ctSigner ? { ctlog: { publicKeyDer: ctlog.publicKeyDer, algorithm: ctSigner.algorithm, prefix: config.ctlog.prefix } } : {}),
    ...(tsa ? { tsa } : {}),
    ...(o.devIssuer ? { oidcUrl: devIssuerUrls(o.url).emailIssuer } : {}),
    history: new KeyHistory(join(trustDir, KEY_HISTORY_FILE)).entries,
  });
  for (const [name, bytes] of material.files) writeIfChanged(join(trustDir, name), bytes);
  // What a witness of these logs is given (`sigstack witness --logs-file`): each log's origin and checkpoint key.
  const witnessed = [
    ...(services.rekor && rekorSigner ? [{ log: services.rekor.log, signer: rekorSigner }] : []),
    ...(rekorV2 && rekorV2Signer ? [{ log: rekorV2.log, signer: rekorV2Signer }] : []),
    ...(ctlog && ctSigner ? [{ log: ctlog.log, signer: ctSigner }] : []),
  ];
  writeIfChanged(join(trustDir, WITNESS_LOGS_FILE), Buffer.from(witnessLogsText(witnessed)));
  return material;
}

/**
 * Each durable write costs an fsync, on the event loop: a rotation re-publishes while
 * the stack serves, and rewriting the files that did not change would hold requests
 * up for nothing (hundreds of ms on a busy disk).
 */
function writeIfChanged(path: string, bytes: Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(bytes)) return;
  writeFileAtomic(path, bytes);
}
