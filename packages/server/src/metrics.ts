import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { isSigstackError } from '@sigstack/core';
import type { LoadShedder, LoadShedderMetrics } from './load-shedder.js';

export interface Metrics {
  registry: Registry;
  install(app: FastifyInstance): void;
  /** Counts refused requests by route class and reason (sigstack_shed_requests_total). */
  shedding: LoadShedderMetrics;
  /** Exposes the shedder's live signals as gauges, read at scrape time. */
  observeShedder(shedder: LoadShedder): void;
}

/**
 * Prometheus metrics on a registry of our own (never the global one, so that
 * several stacks can live in one process, as they do in tests). Labels are the
 * route pattern and status, never the raw URL, to keep cardinality bounded.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'sigstack_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'sigstack_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const shed = new Counter({
    name: 'sigstack_shed_requests_total',
    help: 'Requests refused with 503 by load shedding, by route class (write, read) and reason (event-loop, queue-age)',
    labelNames: ['class', 'reason'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'sigstack_errors_total',
    help: "Requests that failed with a coded error, by the error's code (the closed code lists of the packages' errors.ts, fastify's FST_ERR_*; anything else is UNCODED)",
    labelNames: ['code'] as const,
    registers: [registry],
  });
  errors.inc({ code: 'UNCODED' }, 0);
  // Both classes and reasons exist from the start, so a dashboard shows 0 rather than nothing.
  for (const c of ['write', 'read']) for (const r of ['event-loop', 'queue-age']) shed.inc({ class: c, reason: r }, 0);
  return {
    registry,
    shedding: { shed: (c, reason) => shed.inc({ class: c, reason }) },
    observeShedder(shedder) {
      new Gauge({
        name: 'sigstack_queue_age_seconds',
        help: 'Age of the oldest request in progress, by route class (what load shedding bounds)',
        labelNames: ['class'] as const,
        registers: [registry],
        collect() {
          for (const c of ['write', 'read'] as const) this.set({ class: c }, shedder.queueAgeMs(c) / 1000);
        },
      });
      new Gauge({
        name: 'sigstack_event_loop_delay_seconds',
        help: 'How late the event loop runs (what load shedding bounds for every class)',
        registers: [registry],
        collect() {
          this.set(shedder.eventLoopDelayMs() / 1000);
        },
      });
    },
    install(app) {
      // Root hooks are inherited by every service plugin, and each plugin's error handler
      // runs after onError: every coded error a service throws is counted here, once.
      app.addHook('onError', (_req, _reply, err, done) => {
        errors.inc({ code: errorCodeLabel(err) });
        done();
      });
      app.addHook('onResponse', async (req, reply) => {
        const route = req.routeOptions.url ?? 'unmatched';
        requests.inc({ method: req.method, route, status: String(reply.statusCode) });
        duration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
      });
      app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
    },
  };
}

/**
 * The `code` label of an error: a SigstackError's code or fastify's FST_ERR_*, both
 * from closed lists, so the label set stays bounded; anything else is UNCODED.
 */
export function errorCodeLabel(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return 'UNCODED';
  return isSigstackError(err) || code.startsWith('FST_') ? code : 'UNCODED';
}
