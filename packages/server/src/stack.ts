import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileSigner, systemClock, writeFileAtomic, type Clock } from '@sigstack/core';
import { openRekor, type RekorInstance } from '@sigstack/rekor';
import { openTimestampAuthority, type TimestampAuthority } from '@sigstack/tsa';
import { openCtLog, type CtLogInstance } from '@sigstack/ctlog';
import { openCertificateAuthority, FulcioService, type CertificateAuthority } from '@sigstack/fulcio';
import {
  createIdentityVerifier,
  describeIssuers,
  parseFulcioConfig,
  readFulcioConfigFile,
  devFulcioIssuers,
  devIssuerUrls,
  devOidcRoutes,
  openDevOidcKey,
  DEV_OIDC_INFO_FILE,
  DEV_OIDC_KEY_FILE,
  type IdentityVerifier,
  type OidcIdentityVerifier,
} from '@sigstack/oidc';
import type { OnlineRepository } from '@sigstack/tuf';
import { buildApp } from './build-app.js';
import { inProcessCtLogClient } from './ct-log-client.js';
import { publicUrlOf, type KeyConfig, type StackConfig } from './config.js';
import { KeyValidity } from './trust/key-validity.js';
import { buildTrustMaterial } from './trust/trust-material.js';
import { openStackTuf } from './trust/stack-tuf.js';

export interface Stack {
  app: FastifyInstance;
  config: StackConfig;
  /** The URL clients use (known once listening). */
  url: string;
  /** `<dataDir>/trust`: rekor.pub, trusted_root.json, ... */
  trustDir: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface OpenStackOptions {
  clock?: Clock;
  logStream?: NodeJS.WritableStream;
}

/**
 * Opens every enabled service over `config.dataDir` (generating development keys
 * on first start when `development` is set), and builds the app. Call listen()
 * to serve; it writes the trust material once the public URL is known.
 */
export async function openStack(config: StackConfig, opts: OpenStackOptions = {}): Promise<Stack> {
  const clock = opts.clock ?? systemClock;
  const dataDir = config.dataDir;
  const trustDir = join(dataDir, 'trust');
  mkdirSync(trustDir, { recursive: true });
  const validity = new KeyValidity(join(dataDir, 'trust', 'key-validity.json'));
  // The checkpoint origin must be known before the log opens; with port 0 it is the
  // configured host, which is all the origin carries anyway.
  const provisionalUrl = publicUrlOf(config, config.port);

  let rekor: RekorInstance | undefined;
  let rekorSigner: FileSigner | undefined;
  let tsa: TimestampAuthority | undefined;
  let ca: CertificateAuthority | undefined;
  let ctlog: CtLogInstance | undefined;
  let ctSigner: FileSigner | undefined;
  let fulcio: FulcioService | undefined;
  // The development issuers live on this origin, so their URLs (and the verifier that
  // trusts them) are known only once the port is bound: the verifier is swapped in
  // by listen(). Until then every token is refused.
  let identity: OidcIdentityVerifier | undefined;
  const lateIdentity: IdentityVerifier = {
    verify: (token) => {
      if (!identity) throw new Error('the CA is not listening yet');
      return identity.verify(token);
    },
  };
  const devIssuer = config.fulcio.enabled && config.development && config.fulcio.devIssuer;
  const operatorFulcioConfig = config.fulcio.enabled && config.fulcio.configFile ? readFulcioConfigFile(config.fulcio.configFile) : undefined;
  // Parse once up front so a bad config file stops the start, not the first request.
  if (operatorFulcioConfig) parseFulcioConfig(operatorFulcioConfig);
  const closers: (() => Promise<void>)[] = [];
  try {
    if (config.rekor.enabled) {
      rekorSigner = openKey(dataDir, config.rekor.key, config.development);
      rekor = await openRekor({
        path: join(dataDir, 'rekor', 'log.db'),
        signer: rekorSigner,
        hostname: config.rekor.hostname ?? new URL(provisionalUrl).hostname,
        clock,
        maxBatchSize: config.rekor.maxBatchSize,
        maxBatchWaitMs: config.rekor.maxBatchWaitMs,
        maxPending: config.rekor.maxPending,
      });
      closers.push(() => rekor!.close());
    }
    if (config.tsa.enabled) {
      // A TSA root + leaf in <dataDir>/tsa: made on first start in development, by `sigstack tsa init` otherwise.
      tsa = await openTimestampAuthority({
        dir: join(dataDir, 'tsa'),
        create: config.development,
        clock,
        ...(config.tsa.policyOid ? { policyOid: config.tsa.policyOid } : {}),
      });
    }
    if (config.fulcio.enabled) {
      ca = await openCertificateAuthority({ dir: join(dataDir, 'fulcio'), clock, create: config.development, algorithm: config.fulcio.caAlgorithm });
    }
    if (config.ctlog.enabled) {
      ctSigner = openKey(dataDir, config.ctlog.key, config.development);
      // Only chains that end at our CA are accepted (RFC 6962 §3.1: the log's roots).
      const roots = ca ? [ca.chainDer[ca.chainDer.length - 1]!] : [];
      if (roots.length === 0) throw new Error('the CT log needs the CA enabled (it accepts only chains to the CA root)');
      ctlog = await openCtLog({
        path: join(dataDir, 'ctlog', 'log.db'),
        signer: ctSigner,
        roots,
        clock,
        origin: `${new URL(provisionalUrl).hostname}/ct`,
        maxBatchSize: config.ctlog.maxBatchSize,
        maxBatchWaitMs: config.ctlog.maxBatchWaitMs,
        maxPending: config.ctlog.maxPending,
      });
      closers.push(() => ctlog!.close());
    }
    if (ca && ctlog) {
      fulcio = new FulcioService({ ca, identity: lateIdentity, ctLog: inProcessCtLogClient(ctlog.service), clock, certValiditySeconds: config.fulcio.certValiditySeconds });
    }
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => {});
    throw e;
  }
  const devOidcSigner = devIssuer ? openDevOidcKey(dataDir, true) : undefined;
  // TUF: development makes and republishes its own repository under <dataDir>/tuf;
  // production serves the ceremony's repository and only re-signs the online roles.
  // An operator repository (tuf.repositoryDir) is served in either mode.
  const tufOperator = config.tuf.enabled && Boolean(config.tuf.repositoryDir);
  const tufRepositoryDir = config.tuf.enabled
    ? tufOperator
      ? resolvePath(config.tuf.repositoryDir!)
      : config.development
        ? join(dataDir, 'tuf', 'repository')
        : undefined
    : undefined;
  const tufTimestampExpiry = config.tuf.timestampExpirySeconds !== undefined ? config.tuf.timestampExpirySeconds * 1000 : config.tuf.timestampExpiryHours * 3_600_000;
  let tufOnline: OnlineRepository | undefined;
  closers.push(async () => tufOnline?.stop());

  const app = await buildApp({
    logLevel: config.logLevel,
    shedding: config.shedding,
    ...(opts.logStream ? { logStream: opts.logStream } : {}),
    services: {
      ...(rekor ? { rekor: { service: rekor.service, bodyLimit: config.rekor.bodyLimit } } : {}),
      ...(tsa ? { tsa: { service: tsa, bodyLimit: config.tsa.bodyLimit } } : {}),
      ...(fulcio
        ? {
            fulcio: {
              service: fulcio,
              bodyLimit: config.fulcio.bodyLimit,
              configuration: () => (identityConfig ? describeIssuers(identityConfig) : { issuers: [] }),
            },
          }
        : {}),
      ...(ctlog ? { ctlog: { service: ctlog.service, prefix: config.ctlog.prefix, bodyLimit: config.ctlog.bodyLimit } } : {}),
      ...(devOidcSigner ? { devOidc: devOidcRoutes({ signer: devOidcSigner, publicUrl: () => stack.url }) } : {}),
      ...(tufRepositoryDir ? { tuf: { dir: tufRepositoryDir } } : {}),
    },
  });
  let identityConfig: ReturnType<typeof parseFulcioConfig> | undefined;
  // Fastify first stops accepting and lets in-flight requests finish (their entries
  // are still sequenced), then closes the services: the sequencer drains last.
  app.addHook('onClose', async () => {
    for (const c of closers.reverse()) await c();
  });

  const stack: Stack = {
    app,
    config,
    url: provisionalUrl,
    trustDir,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      stack.url = publicUrlOf(config, port);
      if (fulcio) {
        // Fulcio's own config.json, plus the development issuers of this origin (the
        // operator's entry wins if it names the same URL).
        const operator = operatorFulcioConfig ? parseFulcioConfig(operatorFulcioConfig) : undefined;
        const dev = devIssuer ? parseFulcioConfig({ OIDCIssuers: devFulcioIssuers(stack.url) }) : undefined;
        identityConfig =
          dev && operator ? { ...operator, oidcIssuers: new Map([...dev.oidcIssuers, ...operator.oidcIssuers]) } : (operator ?? dev);
        if (!identityConfig) throw new Error('the CA trusts no identity provider: give fulcio.configFile (or run with development defaults)');
        identity = createIdentityVerifier(identityConfig, { clock });
        closers.push(async () => identity?.close());
      }
      if (devOidcSigner) {
        const urls = devIssuerUrls(stack.url);
        app.log.warn(
          { issuers: [urls.emailIssuer, urls.ciIssuer] },
          `DEVELOPMENT OIDC ISSUER IS ON: the CA issues certificates for tokens minted by "sigstack dev-token" (${urls.emailIssuer}, ${urls.ciIssuer}); ` +
            `anyone who can read ${join(dataDir, DEV_OIDC_KEY_FILE)} can sign as anyone. Production sets development: false and fulcio.configFile.`,
        );
        writeFileAtomic(join(trustDir, '..', DEV_OIDC_INFO_FILE), JSON.stringify({ ...devIssuerUrls(stack.url), keyFile: DEV_OIDC_KEY_FILE }, null, 2) + '\n');
      }
      await writeTrustMaterial();
      return stack.url;
    },
    close: () => app.close(),
  };

  async function writeTrustMaterial(): Promise<void> {
    const material = buildTrustMaterial({
      url: stack.url,
      now: clock.now(),
      validity,
      ...(rekorSigner ? { rekor: { publicKeyDer: rekorSigner.publicKeyDer, algorithm: rekorSigner.algorithm } } : {}),
      ...(ca ? { ca } : {}),
      ...(ctlog && ctSigner ? { ctlog: { publicKeyDer: ctlog.publicKeyDer, algorithm: ctSigner.algorithm, prefix: config.ctlog.prefix } } : {}),
      ...(tsa ? { tsa } : {}),
      ...(devIssuer ? { oidcUrl: devIssuerUrls(stack.url).emailIssuer } : {}),
    });
    for (const [name, bytes] of material.files) writeFileAtomic(join(trustDir, name), bytes);
    if (!tufRepositoryDir || tufOnline) return;
    const common = { clock, timestampExpiryMs: tufTimestampExpiry, onError: (err: unknown) => app.log.error({ err }, 'TUF refresh failed') };
    const tuf = tufOperator
      ? await openStackTuf({ mode: 'operator', repositoryDir: tufRepositoryDir, onlineKey: openKeyAs(dataDir, config.tuf.onlineKey!, undefined), ...common })
      : await openStackTuf({ mode: 'development', dir: join(dataDir, 'tuf'), targets: material.tufTargets, ...common });
    tufOnline = tuf.online;
    writeFileAtomic(join(trustDir, 'root.json'), tuf.rootBytes);
  }

  return stack;
}

function openKey(dataDir: string, key: KeyConfig, development: boolean): FileSigner {
  return openKeyAs(dataDir, key, 'ecdsa-p256-sha256', development);
}

function openKeyAs(dataDir: string, key: KeyConfig, algorithm: 'ecdsa-p256-sha256' | undefined, create = false): FileSigner {
  const path = isAbsolute(key.path) ? key.path : join(dataDir, key.path);
  return FileSigner.open({
    path,
    create,
    ...(algorithm ? { algorithm } : {}),
    ...(key.passphraseEnv ? { passphrase: process.env[key.passphraseEnv] ?? '' } : {}),
  });
}
