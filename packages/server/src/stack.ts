import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FileSigner, systemClock, sha256, toPem, type Clock } from '@sigstack/core';
import { openRekor, type RekorInstance } from '@sigstack/rekor';
import { openTimestampAuthority, type TimestampAuthority } from '@sigstack/tsa';
import { openCtLog, type CtLogInstance } from '@sigstack/ctlog';
import {
  createIdentityVerifier,
  describeIssuers,
  openCertificateAuthority,
  parseFulcioConfig,
  FulcioService,
  type CertificateAuthority,
  type IdentityVerifier,
  type OidcIdentityVerifier,
} from '@sigstack/fulcio';
import { createSigningConfig, openDevRepository, OnlineRepository, rootFile, sigstoreTargets } from '@sigstack/tuf';
import { readFulcioConfigFile } from './fulcio-config-file.js';
import { devFulcioIssuers, devIssuerUrls, devOidcRoutes, openDevOidcKey, DEV_OIDC_INFO_FILE, DEV_OIDC_KEY_FILE } from './dev-oidc/dev-issuer.js';
import { buildApp } from './build-app.js';
import { publicUrlOf, type KeyConfig, type StackConfig } from './config.js';
import { KeyValidity } from './trust/key-validity.js';
import { createTrustedRoot, keyDetailsOf, rfc3339, type TrustedRootJson } from './trust/trusted-root.js';

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
      // Development: a TSA root + leaf made on first start in <dataDir>/tsa (keys via FileSigner).
      tsa = await openTimestampAuthority({
        dir: join(dataDir, 'tsa'),
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
      fulcio = new FulcioService({ ca, identity: lateIdentity, ctLog: ctlog.service, clock, certValiditySeconds: config.fulcio.certValiditySeconds });
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
        writeAtomic(join(trustDir, '..', DEV_OIDC_INFO_FILE), JSON.stringify({ ...devIssuerUrls(stack.url), keyFile: DEV_OIDC_KEY_FILE }, null, 2) + '\n');
      }
      await writeTrustMaterial();
      return stack.url;
    },
    close: () => app.close(),
  };

  async function writeTrustMaterial(): Promise<void> {
    const now = clock.now();
    const parts: Parameters<typeof createTrustedRoot>[0] = { tlogs: [] };
    if (rekor && rekorSigner) {
      const logId = sha256(rekorSigner.publicKeyDer);
      writeAtomic(join(trustDir, 'rekor.pub'), toPem('PUBLIC KEY', rekorSigner.publicKeyDer));
      parts.tlogs!.push({
        baseUrl: stack.url,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: rekorSigner.publicKeyDer.toString('base64'),
          keyDetails: keyDetailsOf(rekorSigner.algorithm),
          validFor: { start: rfc3339(validity.startOf(logId.toString('hex'), now)) },
        },
        logId: { keyId: logId.toString('base64') },
      });
    }
    if (ca) {
      // Intermediate then root, as SIGSTORE_ROOT_FILE and cosign's --certificate-chain expect.
      writeAtomic(join(trustDir, 'fulcio_chain.pem'), ca.chainPem.join(''));
      parts.certificateAuthorities = [ca.trustedRootEntry(stack.url)];
    }
    if (ctlog && ctSigner) {
      const logId = ctlog.logId;
      writeAtomic(join(trustDir, 'ctfe.pub'), toPem('PUBLIC KEY', ctlog.publicKeyDer));
      parts.ctlogs = [
        {
          baseUrl: stack.url + config.ctlog.prefix,
          hashAlgorithm: 'SHA2_256',
          publicKey: {
            rawBytes: ctlog.publicKeyDer.toString('base64'),
            keyDetails: keyDetailsOf(ctSigner.algorithm),
            validFor: { start: rfc3339(validity.startOf(logId.toString('hex'), now)) },
          },
          logId: { keyId: logId.toString('base64') },
        },
      ];
    }
    if (tsa) {
      // Chain leaf first (sigstore-js matches the signer against certificates[0]).
      writeAtomic(join(trustDir, 'tsa_chain.pem'), tsa.chainPem);
      parts.timestampAuthorities = [tsa.trustedRootEntry(`${stack.url}/api/v1/timestamp`)];
    }
    const root: TrustedRootJson = createTrustedRoot(parts);
    const trustedRootBytes = Buffer.from(JSON.stringify(root, null, 2) + '\n');
    writeAtomic(join(trustDir, 'trusted_root.json'), trustedRootBytes);
    // Where cosign 3 / sigstore-go sign (protocols.md §9.3): every service is on this origin.
    if (ca && rekor) {
      const signingConfig = createSigningConfig({
        caUrl: stack.url,
        rekorUrl: stack.url,
        ...(devIssuer ? { oidcUrl: devIssuerUrls(stack.url).emailIssuer } : {}),
        ...(tsa ? { tsaUrl: `${stack.url}/api/v1/timestamp` } : {}),
        start: new Date(validity.startOf('signing-config', now)),
      });
      writeAtomic(join(trustDir, 'signing_config.v0.2.json'), JSON.stringify(signingConfig, null, 2) + '\n');
    }
    if (tufRepositoryDir && !tufOperator) {
      // The same bytes as the files above: a client that reads either sees one truth.
      const targets = sigstoreTargets({
        trustedRoot: trustedRootBytes,
        ...(existsSync(join(trustDir, 'signing_config.v0.2.json')) ? { signingConfig: readFileSync(join(trustDir, 'signing_config.v0.2.json')) } : {}),
        ...(ca ? { fulcioRoot: ca.chainPem[ca.chainPem.length - 1]!, fulcioIntermediate: ca.chainPem[0]!, fulcioUrl: stack.url } : {}),
        ...(rekorSigner ? { rekorPublicKey: toPem('PUBLIC KEY', rekorSigner.publicKeyDer), rekorUrl: stack.url } : {}),
        ...(ctlog ? { ctfePublicKey: toPem('PUBLIC KEY', ctlog.publicKeyDer), ctfeUrl: stack.url + config.ctlog.prefix } : {}),
        ...(tsa ? { tsaChain: splitPem(tsa.chainPem) } : {}),
      });
      const dev = await openDevRepository({
        dir: join(dataDir, 'tuf'),
        targets,
        clock,
        timestampExpiry: tufTimestampExpiry,
        onError: (err) => app.log.error({ err }, 'TUF timestamp refresh failed'),
      });
      // What `cosign initialize --root` takes: version 1; clients walk up to the latest.
      writeAtomic(join(trustDir, 'root.json'), dev.rootBytes);
      tufOnline = dev.repository;
      tufOnline.start();
    } else if (tufRepositoryDir && config.tuf.onlineKey && !tufOnline) {
      // The ceremony's repository: targets and root are offline roles (published with
      // `sigstack tuf publish`, also while the stack runs: every refresh re-reads the
      // directory); the stack only re-signs snapshot and timestamp with the online key.
      const online = openKeyAs(dataDir, config.tuf.onlineKey, undefined);
      tufOnline = OnlineRepository.open({
        dir: tufRepositoryDir,
        timestamp: online,
        clock,
        timestampExpiry: tufTimestampExpiry,
        onError: (err) => app.log.error({ err }, 'TUF timestamp refresh failed'),
      });
      await tufOnline.refresh();
      tufOnline.start();
      // Version 1 of the served chain, for `cosign initialize --root` (replaces one
      // a development start may have left).
      writeAtomic(join(trustDir, 'root.json'), readFileSync(join(tufRepositoryDir, rootFile(1))));
    }
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

/** The PEM blocks of a chain file, each with its trailing newline. */
function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----\n?/g) ?? [];
}

function writeAtomic(path: string, data: string | Buffer): void {
  writeFileSync(path + '.tmp', data);
  renameSync(path + '.tmp', path);
}
