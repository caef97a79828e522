import Fastify, { type FastifyInstance } from 'fastify';
import type { Witness } from './witness.js';
import { witnessRoutes } from './witness-routes.js';

export interface WitnessAppOptions {
  witness: Witness;
  /** URL prefix of the API ('' : `/add-checkpoint` at the root, as C2SP's examples). */
  prefix?: string;
  bodyLimit?: number;
  logLevel?: string;
  logStream?: NodeJS.WritableStream;
}

/**
 * A standalone witness server (what `sigstack witness` runs): the routes, a health
 * check, and pino logging. Requests are small and few (one per log checkpoint), so
 * there is no load shedding beyond the body limit and the request timeout.
 */
export async function buildWitnessApp(opts: WitnessAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: opts.logLevel ?? 'info', ...(opts.logStream ? { stream: opts.logStream } : {}) },
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(witnessRoutes, {
    witness: opts.witness,
    prefix: opts.prefix ?? '',
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
  });
  return app;
}
