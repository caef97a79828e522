import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { FileSigner, type Clock, type Signer, type SigningAlgorithm } from '@sigstack/core';
import { isPkcs11Uri, Pkcs11Signer } from '@sigstack/pkcs11';
import { CanonicalizerPool, openRekor, openRekorV2, type RekorInstance, type RekorV2Instance } from '@sigstack/rekor';
import { openTimestampAuthority, type TimestampAuthority } from '@sigstack/tsa';
import { openCtLog, type CtLogInstance } from '@sigstack/ctlog';
import { openCertificateAuthority, type CertificateAuthority } from '@sigstack/fulcio';
import type { IdentityVerifier } from '@sigstack/oidc';
import { inProcessCtLogClient } from '../ct-log-client.js';
import { isRekorV2Enabled, type KeyConfig, type StackConfig } from '../config.js';
import { StackWitnessing } from './witnessing.js';
import { MeteredFulcioService } from './metered-fulcio.js';
import { activeGenerationDir } from './key-generations.js';

/** The services of a stack, open over its data directory, not yet serving. */
export interface StackServices {
  rekor?: RekorInstance;
  rekorSigner?: Signer;
  /** The Rekor v2 log (own key and origin); `rekorV2.log` is what the tile read API serves. */
  rekorV2?: RekorV2Instance;
  rekorV2Signer?: Signer;
  /** The Rekor v2 checkpoint origin (its host name). */
  rekorV2Hostname?: string;
  tsa?: TimestampAuthority;
  ca?: CertificateAuthority;
  ctlog?: CtLogInstance;
  ctSigner?: Signer;
  fulcio?: MeteredFulcioService;
  /** Witness cosigning of the logs' checkpoints (config `<log>.witnessing`). */
  witnessing: StackWitnessing;
  /** Closes what was opened, in reverse order (the logs drain their sequencers). */
  close(): Promise<void>;
}

/**
 * Step 1 of a start: opens every enabled service over `config.dataDir` (generating
 * development keys on first start when `development` is set). The CA verifies tokens
 * through `identity`, which the caller binds later (step 2): the development issuers
 * live on this origin, so what they are is known only once the port is bound. If
 * anything fails, what was opened is closed again and the error goes on.
 *
 * `hostname` is the checkpoint origin's host, needed before the logs open.
 */
export async function openServices(config: StackConfig, o: { clock: Clock; hostname: string; identity: IdentityVerifier }): Promise<StackServices> {
  const dataDir = config.dataDir;
  const closers: (() => Promise<void>)[] = [];
  // Closed first of all (closers run in reverse): no witness request outlives its log.
  const witnessing = new StackWitnessing(config);
  const s: StackServices = {
    witnessing,
    async close() {
      for (const c of closers.splice(0).reverse()) await c();
    },
  };
  // Keys on an HSM hold sessions: closed after the services that sign with them (closers run in reverse).
  const key = async (k: KeyConfig, algorithm: SigningAlgorithm | undefined, create: boolean) => {
    const signer = await openKey(dataDir, k, algorithm, create);
    if (signer instanceof Pkcs11Signer) closers.push(async () => signer.close());
    return signer;
  };
  try {
    // One worker pool verifies the entries of both Rekor logs (one per core, as v1's
    // own would be); opened first so that it closes after both logs have drained.
    let canonicalizer: CanonicalizerPool | undefined;
    if (config.rekor.enabled || isRekorV2Enabled(config)) {
      const pool = (canonicalizer = new CanonicalizerPool());
      closers.push(() => pool.close());
    }
    if (config.rekor.enabled) {
      const signer = await key(config.rekor.key, 'ecdsa-p256-sha256', config.development);
      const rekor = await openRekor({
        path: join(dataDir, 'rekor', 'log.db'),
        signer,
        hostname: config.rekor.hostname ?? o.hostname,
        clock: o.clock,
        maxBatchSize: config.rekor.maxBatchSize,
        maxBatchWaitMs: config.rekor.maxBatchWaitMs,
        maxPending: config.rekor.maxPending,
        canonicalizer,
      });
      closers.push(() => rekor.close());
      Object.assign(s, { rekor, rekorSigner: signer });
      witnessing.attach('rekor', rekor.log);
    }
    if (isRekorV2Enabled(config)) {
      // Ed25519 for a generated key (as upstream); an existing key may also be ECDSA P-256.
      const keyPath = isAbsolute(config.rekorV2.key.path) ? config.rekorV2.key.path : join(dataDir, config.rekorV2.key.path);
      const signer = await key(config.rekorV2.key, isPkcs11Uri(keyPath) || existsSync(keyPath) ? undefined : 'ed25519', config.development);
      const hostname = config.rekorV2.hostname ?? o.hostname;
      const rekorV2 = await openRekorV2({
        path: join(dataDir, 'rekor-v2', 'log.db'),
        signer,
        hostname,
        clock: o.clock,
        maxBatchSize: config.rekorV2.maxBatchSize,
        maxBatchWaitMs: config.rekorV2.maxBatchWaitMs,
        maxPending: config.rekorV2.maxPending,
        canonicalizer,
        ...(witnessing.cosignHook('rekorV2') ? { cosignCheckpoint: witnessing.cosignHook('rekorV2')! } : {}),
      });
      closers.push(() => rekorV2.close());
      witnessing.attach('rekorV2', rekorV2.log);
      Object.assign(s, { rekorV2, rekorV2Signer: signer, rekorV2Hostname: hostname });
    }
    if (config.tsa.enabled) {
      // A TSA root + leaf in <dataDir>/tsa: made on first start in development, by `sigstack tsa init` otherwise;
      // after a rotation (`sigstack tsa rotate`), the active generation's leaf (stack/key-generations.ts).
      s.tsa = await openTimestampAuthority({
        dir: activeGenerationDir(join(dataDir, 'tsa')),
        create: config.development,
        clock: o.clock,
        ...(config.tsa.policyOid ? { policyOid: config.tsa.policyOid } : {}),
        ...(config.tsa.key ? { leafSigner: await key(config.tsa.key, undefined, false) } : {}),
      });
    }
    if (config.fulcio.enabled) {
      s.ca = await openCertificateAuthority({
        dir: activeGenerationDir(join(dataDir, 'fulcio')),
        clock: o.clock,
        create: config.development,
        algorithm: config.fulcio.caAlgorithm,
        ...(config.fulcio.key ? { signer: await key(config.fulcio.key, config.fulcio.caAlgorithm, false) } : {}),
      });
    }
    if (config.ctlog.enabled) {
      const signer = await key(config.ctlog.key, 'ecdsa-p256-sha256', config.development);
      // Only chains that end at our CA are accepted (RFC 6962 §3.1: the log's roots).
      const roots = s.ca ? [s.ca.chainDer[s.ca.chainDer.length - 1]!] : [];
      if (roots.length === 0) throw new Error('the CT log needs the CA enabled (it accepts only chains to the CA root)');
      const ctlog = await openCtLog({
        path: join(dataDir, 'ctlog', 'log.db'),
        signer,
        roots,
        clock: o.clock,
        origin: `${o.hostname}/ct`,
        maxBatchSize: config.ctlog.maxBatchSize,
        maxBatchWaitMs: config.ctlog.maxBatchWaitMs,
        maxPending: config.ctlog.maxPending,
      });
      closers.push(() => ctlog.close());
      Object.assign(s, { ctlog, ctSigner: signer });
      witnessing.attach('ctlog', ctlog.log);
    }
    if (s.ca && s.ctlog) {
      s.fulcio = new MeteredFulcioService({
        ca: s.ca,
        identity: o.identity,
        ctLog: inProcessCtLogClient(s.ctlog.service),
        clock: o.clock,
        certValiditySeconds: config.fulcio.certValiditySeconds,
      });
    }
    closers.push(() => witnessing.close());
  } catch (e) {
    await witnessing.close().catch(() => {});
    await s.close().catch(() => {});
    throw e;
  }
  return s;
}

/**
 * A key of the config: a key on an HSM for a pkcs11: URI (never created here: a
 * missing key, a wrong PIN or key type is an HsmError that stops the start), else a
 * key file, relative paths under dataDir.
 */
export async function openKey(dataDir: string, key: KeyConfig, algorithm: SigningAlgorithm | undefined, create = false): Promise<Signer> {
  if (isPkcs11Uri(key.path)) return Pkcs11Signer.open({ uri: key.path, ...(algorithm ? { algorithm } : {}) });
  const path = isAbsolute(key.path) ? key.path : join(dataDir, key.path);
  return FileSigner.open({
    path,
    create,
    ...(algorithm ? { algorithm } : {}),
    ...(key.passphraseEnv ? { passphrase: process.env[key.passphraseEnv] ?? '' } : {}),
  });
}
