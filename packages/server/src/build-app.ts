import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { RekorService } from '@sigstack/rekor';
import { rekorRoutes } from '@sigstack/rekor';
import { tsaRoutes, type TimestampAuthority } from '@sigstack/tsa';
import { createMetrics } from './metrics.js';

export interface AppServices {
  rekor?: { service: RekorService; bodyLimit: number };
  tsa?: { service: TimestampAuthority; bodyLimit: number };
}

export interface BuildAppOptions {
  logLevel: string;
  /** A pino destination stream (tests pass one to keep output quiet or inspect it). */
  logStream?: NodeJS.WritableStream;
  services: AppServices;
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

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ready', services: Object.keys(opts.services) }));

  if (opts.services.rekor) {
    await app.register(rekorRoutes, { rekor: opts.services.rekor.service, bodyLimit: opts.services.rekor.bodyLimit });
  }
  if (opts.services.tsa) {
    await app.register(tsaRoutes, { tsa: opts.services.tsa.service, bodyLimit: opts.services.tsa.bodyLimit });
  }
  return app;
}

/** One log line per request, when it completes (fastify logs two by default). */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const line = { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, 'request');
    else reply.log.info(line, 'request');
  }
}
