import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { RekorService, RekorV2Service } from '@sigstack/rekor';
import { rekorRoutes, rekorV2Routes } from '@sigstack/rekor';
import { tsaRoutes, type TimestampAuthority } from '@sigstack/tsa';
import { fulcioRoutes, type FulcioService } from '@sigstack/fulcio';
import { ctlogRoutes, type CtLogService } from '@sigstack/ctlog';
import { tufRoutes, DEFAULT_TUF_PREFIX } from '@sigstack/tuf';
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { retryAfterSeconds } from '@sigstack/core';
import { createMetrics } from './metrics.js';
import { installLoadShedder } from './load-shedder.js';
import { JsonTooDeepError, jsonDeeperThan, MAX_JSON_DEPTH } from './json-depth.js';
import type { SheddingConfig } from './config.js';
import { tlogTilesRoutes } from './tiles/tlog-tiles-routes.js';
import type { TlogTilesMount } from './tiles/tile-mounts.js';
import { explorerRoutes } from './explorer-routes.js';

export interface AppServices {
  rekor?: { service: RekorService; bodyLimit: number };
  /** Rekor v2's write API, POST /api/v2/log/entries (its tiles are served by the tile read API). */
  rekorV2?: { service: RekorV2Service; bodyLimit: number };
  /** The TSA, or a function giving the current one (a key rotation swaps it while serving). */
  tsa?: { service: TimestampAuthority | (() => TimestampAuthority); bodyLimit: number };
  fulcio?: { service: FulcioService; bodyLimit: number; configuration: () => unknown };
  ctlog?: { service: CtLogService; prefix: string; bodyLimit: number };
  /** The development OIDC issuer (discovery + JWKS), development defaults only. */
  devOidc?: FastifyPluginAsync;
  /** A published TUF repository, served at /tuf/. */
  tuf?: { dir: string };
  /** Read-only C2SP tlog-tiles views of the logs (tiles/tile-mounts.ts), one per prefix. */
  tiles?: TlogTilesMount[];
  /** The log explorer's built static files, served at /ui/ (explorer-routes.ts). */
  explorer?: { dir: string };
}

export interface BuildAppOptions {
  logLevel: string;
  /** A pino destination stream (tests pass one to keep output quiet or inspect it). */
  logStream?: NodeJS.WritableStream;
  services: AppServices;
  /** Load-shedding bounds (config `shedding`); without them nothing is refused for load. */
  shedding?: SheddingConfig;
  /**
   * The readiness gate: until it returns true, every request but /healthz is answered
   * 503 with Retry-After (and /readyz says "starting"). Default: always ready.
   */
  isReady?: () => boolean;
  /** Registers more metrics on the app's registry (collected at scrape time), e.g. witness status. */
  observeMetrics?: (registry: Registry) => void;
}

/**
 * Composes the services into one Fastify app on one origin (design.md "One origin").
 * Each service is an encapsulated plugin with its own error handler and status
 * table; this root handler only catches what falls outside them.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: opts.logLevel, ...(opts.logStream ? { stream: opts.logStream } : {}) },
    logController: new OneLinePerRequest(),
    // Node's default header/request timeouts are fine; keep-alive connections close on shutdown.
    forceCloseConnections: 'idle',
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'unhandled error');
    return reply
      .code(status)
      .type('application/json')
      .send({ code: status, message: status === 500 ? 'internal server error' : err.message });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).type('application/json').send({ code: 404, message: `no route for ${req.method} ${req.url.split('?')[0]}` }),
  );

  const metrics = createMetrics();
  metrics.install(app);
  opts.observeMetrics?.(metrics.registry);
  // Root hooks, added before the services are registered so that every route inherits them.
  if (opts.shedding) metrics.observeShedder(installLoadShedder(app, opts.shedding, metrics.shedding));
  // Hooks on every request are callback-style: no promise per request and hook.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body !== null && typeof req.body === 'object' && !Buffer.isBuffer(req.body) && jsonDeeperThan(req.body, MAX_JSON_DEPTH))
      return done(new JsonTooDeepError(MAX_JSON_DEPTH));
    done();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  const isReady = opts.isReady ?? (() => true);
  app.get('/readyz', async (_req, reply) =>
    isReady() ? { status: 'ready', services: Object.keys(opts.services) } : reply.code(503).send({ status: 'starting', services: Object.keys(opts.services) }),
  );
  // No request reaches a half-built stack: identity and trust are bound after the port.
  app.addHook('onRequest', (req, reply, done) => {
    if (isReady()) return done();
    const path = req.url.split('?', 1)[0];
    if (path === '/healthz' || path === '/readyz') return done();
    // Answered here, so done() is not called. Sent as text: a route's response schema
    // (Fulcio's grpc-gateway shape) must not reshape it.
    reply
      .code(503)
      .header('Retry-After', retryAfterSeconds())
      .type('application/json')
      .send(JSON.stringify({ code: 503, message: 'the stack is starting: retry shortly' }));
  });

  if (opts.services.rekor) {
    await app.register(rekorRoutes, { rekor: opts.services.rekor.service, bodyLimit: opts.services.rekor.bodyLimit });
  }
  if (opts.services.rekorV2) {
    await app.register(rekorV2Routes, { rekorV2: opts.services.rekorV2.service, bodyLimit: opts.services.rekorV2.bodyLimit });
  }
  if (opts.services.tsa) {
    await app.register(tsaRoutes, { tsa: opts.services.tsa.service, bodyLimit: opts.services.tsa.bodyLimit });
  }
  if (opts.services.fulcio) {
    const f = opts.services.fulcio;
    await app.register(fulcioRoutes, { fulcio: f.service, configuration: f.configuration, bodyLimit: f.bodyLimit });
  }
  if (opts.services.ctlog) {
    const c = opts.services.ctlog;
    await app.register(ctlogRoutes, { ctlog: c.service, bodyLimit: c.bodyLimit, ...(c.prefix ? { prefix: c.prefix } : {}) });
  }
  if (opts.services.devOidc) await app.register(opts.services.devOidc);
  if (opts.services.tuf) await app.register(tufRoutes, { dir: opts.services.tuf.dir, prefix: DEFAULT_TUF_PREFIX });
  for (const m of opts.services.tiles ?? []) {
    await app.register(tlogTilesRoutes, { prefix: m.prefix, source: m.source, ...(m.checkpointText ? { checkpointText: m.checkpointText } : {}) });
  }
  if (opts.services.explorer) await app.register(explorerRoutes, { dir: opts.services.explorer.dir });
  return app;
}

/** One log line per request, when it completes (fastify logs two by default). */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    // Below info (the benchmark's and many deployments' level) a successful request logs
    // nothing: skip building the line, this runs for every request.
    if (!error && (reply.log as { isLevelEnabled?(level: string): boolean }).isLevelEnabled?.('info') === false) return;
    const line = { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request');
    else reply.log.info(line, 'request');
  }
}
