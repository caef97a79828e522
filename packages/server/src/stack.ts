import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '@sigstack/core';
import { describeIssuers, devIssuerUrls, devOidcRoutes, openDevOidcKey, DEV_OIDC_KEY_FILE } from '@sigstack/oidc';
import type { OnlineRepository } from '@sigstack/tuf';
import { buildApp } from './build-app.js';
import { publicUrlOf, type StackConfig } from './config.js';
import { openServices } from './stack/open-services.js';
import { createIdentityBinding } from './stack/bind-identity.js';
import { KEY_HISTORY_FILE, publishTrust, republishTrust, servedTrustedRootLists, tufRepositoryDirOf } from './stack/publish-trust.js';
import { adoptPendingRotations, type Rotation } from './stack/rotate-keys.js';
import { KeyHistory } from './trust/key-history.js';
import { tileMountsOf } from './tiles/tile-mounts.js';
import { DEFAULT_EXPLORER_DIR } from './explorer-routes.js';
import { observeStack } from './stack/stack-metrics.js';
import { localUrlOf, StackMonitoring } from './stack/monitoring.js';

export interface Stack {
  app: FastifyInstance;
  config: StackConfig;
  /** The URL clients use (known once listening). */
  url: string;
  /** `<dataDir>/trust`: rekor.pub, trusted_root.json, ... */
  trustDir: string;
  /** True once listen() has bound identity and published trust: before, every request but /healthz is 503. */
  readonly ready: boolean;
  listen(): Promise<string>;
  /**
   * Adopts the key rotations staged in the data directory (`sigstack tsa rotate`,
   * `ca rotate`) while serving; `sigstack up` runs it on SIGHUP. One at a time.
   */
  rotateKeys(): Promise<Rotation[]>;
  close(): Promise<void>;
}

export interface OpenStackOptions {
  clock?: Clock;
  logStream?: NodeJS.WritableStream;
}

/**
 * A start in three steps (issue 10), each in its own module:
 * 1. open the services over `config.dataDir` (stack/open-services.ts);
 * 2. once the port is bound and the URL known, bind the identity providers the CA
 *    trusts (stack/bind-identity.ts);
 * 3. publish the trust material for that URL (stack/publish-trust.ts).
 * openStack does step 1 and builds the app; listen() binds the port, then does 2
 * and 3, and only then opens the gate: until it is ready, every request but
 * /healthz gets 503 with Retry-After (and /readyz says "starting"), so no request
 * reaches a half-built stack.
 */
export async function openStack(config: StackConfig, opts: OpenStackOptions = {}): Promise<Stack> {
  const clock = opts.clock ?? systemClock;
  const dataDir = config.dataDir;
  const trustDir = join(dataDir, 'trust');
  mkdirSync(trustDir, { recursive: true });
  // The checkpoint origin must be known before the log opens; with port 0 it is the
  // configured host, which is all the origin carries anyway.
  const provisionalUrl = publicUrlOf(config, config.port);
  const devIssuer = config.fulcio.enabled && config.development && config.fulcio.devIssuer;

  const identity = createIdentityBinding(config, clock);
  identity.check();
  const services = await openServices(config, { clock, hostname: new URL(provisionalUrl).hostname, identity: identity.verifier });
  const devOidcSigner = devIssuer ? openDevOidcKey(dataDir, true) : undefined;
  const tufRepositoryDir = tufRepositoryDirOf(config);

  let ready = false;
  let tufOnline: OnlineRepository | undefined;
  let tufOnlineKey: { close(): void } | undefined;
  let app: FastifyInstance;
  let registry: Registry | undefined;
  try {
    app = await buildApp({
      logLevel: config.logLevel,
      shedding: config.shedding,
      isReady: () => ready,
      observeMetrics: (r) => {
        services.witnessing.observe(r);
        observeStack(r, { services, tufRepositoryDir, issuers: () => identity.current(), clock });
        registry = r;
      },
      ...(opts.logStream ? { logStream: opts.logStream } : {}),
      services: {
        ...(services.rekor ? { rekor: { service: services.rekor.service, bodyLimit: config.rekor.bodyLimit } } : {}),
        ...(services.rekorV2 ? { rekorV2: { service: services.rekorV2.service, bodyLimit: config.rekorV2.bodyLimit } } : {}),
        // A getter: a key rotation swaps the TSA while it serves (stack/rotate-keys.ts).
        ...(services.tsa ? { tsa: { service: () => services.tsa!, bodyLimit: config.tsa.bodyLimit } } : {}),
        ...(services.fulcio
          ? {
              fulcio: {
                service: services.fulcio,
                bodyLimit: config.fulcio.bodyLimit,
                configuration: () => {
                  const bound = identity.current();
                  return bound ? describeIssuers(bound) : { issuers: [] };
                },
              },
            }
          : {}),
        ...(services.ctlog ? { ctlog: { service: services.ctlog.service, prefix: config.ctlog.prefix, bodyLimit: config.ctlog.bodyLimit } } : {}),
        ...(devOidcSigner ? { devOidc: devOidcRoutes({ signer: devOidcSigner, publicUrl: () => stack.url }) } : {}),
        ...(tufRepositoryDir ? { tuf: { dir: tufRepositoryDir } } : {}),
        tiles: tileMountsOf(services, config),
        explorer: { dir: DEFAULT_EXPLORER_DIR },
      },
    });
  } catch (e) {
    await services.close().catch(() => {});
    throw e;
  }
  services.witnessing.setLogger(app.log);
  // The built-in monitor (config `monitor`): started once trust is published, stopped
  // before the app closes (its polls read this stack over HTTP).
  const monitoring = new StackMonitoring(config, registry!, app.log);
  app.addHook('preClose', () => monitoring.close());
  // Fastify first stops accepting and lets in-flight requests finish (their entries
  // are still sequenced), then closes the services: the sequencers drain last.
  app.addHook('onClose', async () => {
    tufOnline?.stop();
    tufOnlineKey?.close();
    await identity.close();
    await services.close();
  });

  const stack: Stack = {
    app,
    config,
    url: provisionalUrl,
    trustDir,
    get ready() {
      return ready;
    },
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const addr = app.server.address();
      stack.url = publicUrlOf(config, typeof addr === 'object' && addr ? addr.port : config.port);
      if (services.fulcio) identity.bind(stack.url);
      if (devIssuer) {
        const urls = devIssuerUrls(stack.url);
        app.log.warn(
          { issuers: [urls.emailIssuer, urls.ciIssuer] },
          `DEVELOPMENT OIDC ISSUER IS ON: the CA issues certificates for tokens minted by "sigstack dev-token" (${urls.emailIssuer}, ${urls.ciIssuer}); ` +
            `anyone who can read ${join(dataDir, DEV_OIDC_KEY_FILE)} can sign as anyone. Production sets development: false and fulcio.configFile.`,
        );
      }
      if (!tufOnline) {
        const published = await publishTrust(config, services, { url: stack.url, clock, devIssuer, onTufError: (err) => app.log.error({ err }, 'TUF refresh failed') });
        tufOnline = published.tufOnline;
        tufOnlineKey = published.tufOnlineKey;
      }
      // A rotation staged while the stack was down (or cut short by a crash) is
      // finished before anything is served.
      await stack.rotateKeys();
      ready = true;
      monitoring.start(localUrlOf(config.host, typeof addr === 'object' && addr ? addr.port : config.port), join(trustDir, 'trusted_root.json'), {
        rekor: services.rekor !== undefined,
        rekorV2: services.rekorV2 !== undefined,
        ctlog: services.ctlog !== undefined,
        ctPrefix: config.ctlog.prefix,
      });
      return stack.url;
    },
    rotateKeys() {
      const run = async () => {
        const history = new KeyHistory(join(trustDir, KEY_HISTORY_FILE));
        const rotations = await adoptPendingRotations({
          config,
          services,
          history,
          clock,
          url: stack.url,
          log: app.log,
          republish: () => republishTrust(config, services, { url: stack.url, clock, devIssuer, ...(tufOnline ? { tufOnline } : {}) }),
          ...(config.tuf.repositoryDir && tufRepositoryDir ? { isPublished: (kind, entry) => servedTrustedRootLists(tufRepositoryDir, kind, entry) } : {}),
        });
        return rotations;
      };
      const next = rotating.then(run, run);
      rotating = next.catch(() => undefined);
      return next;
    },
    close: () => app.close(),
  };
  let rotating: Promise<unknown> = Promise.resolve();
  return stack;
}
