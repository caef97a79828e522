import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { retryAfterSeconds } from '@sigstack/core';
import type { SheddingConfig } from './config.js';

/**
 * Load shedding (issue 10). Past a bound on queueing, a request is answered 503 with
 * a jittered Retry-After in `onRequest`, before its body is read or parsed, so that a
 * refusal costs a header parse and a few bytes, and the requests that are accepted
 * keep a bounded latency instead of all of them waiting longer and longer.
 *
 * Two signals, because there are two places work can queue in one Node process:
 * - the event loop's delay: a request not yet read from its socket is invisible to
 *   the server, but the loop running late, firing after firing, says such requests
 *   wait. Past `maxEventLoopDelayMs` every class is refused;
 * - per route class (writes, reads), the age of the oldest request of that class
 *   still in progress: work accepted but queued behind others (verification workers,
 *   the sequencer's batch and fsync, the CT log behind the CA). Past the class's
 *   `maxQueueAgeMs` new requests of that class are refused, the other class goes on.
 *
 * A request counts as in progress from the moment its body has been read (preHandler)
 * until its response is finished or its connection closes: a client that uploads
 * slowly holds only its own connection, not everyone's admission. Both signals fall
 * by themselves when the load stops, so recovery needs nothing.
 *
 * Why not @fastify/under-pressure: it sheds on event-loop delay (and heap, RSS, ELU)
 * for the whole server, with one fixed Retry-After. Queue age per route class is
 * what bounds the latency of accepted writes while reads go on (and the reverse),
 * and a fixed Retry-After brings the refused clients back in one wave.
 */
export type RouteClass = 'write' | 'read';

/** Never refused: the orchestrator and the monitoring must see an overloaded server as such. */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/** How often the event loop's delay is sampled, in milliseconds. */
export const EVENT_LOOP_SAMPLE_MS = 20;

export interface LoadShedderMetrics {
  /** Called once per refused request. */
  shed(routeClass: RouteClass, reason: 'event-loop' | 'queue-age'): void;
}

export interface LoadShedder {
  /** The current queue age of a class, in milliseconds (0 when nothing is in progress). */
  queueAgeMs(routeClass: RouteClass): number;
  /** The event loop's current delay, in milliseconds. */
  eventLoopDelayMs(): number;
}

/** Writes are the POSTs that create something; searches (`.../retrieve`) and everything else are reads. */
export function routeClassOf(method: string, path: string): RouteClass {
  return method === 'POST' && !path.endsWith('/retrieve') ? 'write' : 'read';
}

/**
 * Installs the shedder's hooks on the root app; call before the service plugins are
 * registered so their routes inherit the hooks. Returns the live signals (for metrics
 * and tests). The sampling timer is unref'd and stopped when the app closes.
 */
export function installLoadShedder(app: FastifyInstance, config: SheddingConfig, metrics?: LoadShedderMetrics): LoadShedder {
  const inProgress: Record<RouteClass, Set<{ start: number }>> = { write: new Set(), read: new Set() };
  const bound: Record<RouteClass, number> = { write: config.writes.maxQueueAgeMs, read: config.reads.maxQueueAgeMs };
  const retryRange = { minSeconds: config.retryAfterMinSeconds, maxSeconds: config.retryAfterMaxSeconds };

  // Event-loop delay: how late the sampling timer fires, the smaller of its last two
  // firings. Overload makes every firing late; one long synchronous step (writing the
  // trust material at start, a TUF re-signing) makes one firing late, and the
  // requests that arrive after it has ended are not refused for it.
  let lastTick = performance.now();
  let lastDelay = 0;
  let sampledDelay = 0;
  let timer: NodeJS.Timeout | undefined;
  // Sampling starts when the app is ready: opening the stack is not load.
  app.addHook('onReady', async () => {
    lastTick = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      const delay = Math.max(0, now - lastTick - EVENT_LOOP_SAMPLE_MS);
      sampledDelay = Math.min(delay, lastDelay);
      lastDelay = delay;
      lastTick = now;
    }, EVENT_LOOP_SAMPLE_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));

  const eventLoopDelayMs = () => sampledDelay;
  const queueAgeMs = (c: RouteClass, now = performance.now()) => {
    const oldest = inProgress[c].values().next();
    return oldest.done ? 0 : now - oldest.value.start;
  };

  const classOf = (req: FastifyRequest): RouteClass | undefined => {
    const path = req.url.split('?', 1)[0]!;
    return EXEMPT.has(path) ? undefined : routeClassOf(req.method, path);
  };

  // Callback-style hooks: they run on every request, and a promise each costs.
  app.addHook('onRequest', (req, reply, done) => {
    if (!config.enabled) return done();
    const c = classOf(req);
    if (!c) return done();
    const now = performance.now();
    const loop = eventLoopDelayMs();
    const age = queueAgeMs(c, now);
    const reason = loop > config.maxEventLoopDelayMs ? 'event-loop' : age > bound[c] ? 'queue-age' : undefined;
    if (!reason) return done();
    metrics?.shed(c, reason);
    // The body is not read: Node discards what the client still sends. A large or
    // chunked body would cost reading it all to keep the connection, so that
    // connection closes instead.
    const length = Number(req.headers['content-length'] ?? 0);
    if (req.headers['transfer-encoding'] !== undefined || length > 64 * 1024) reply.header('Connection', 'close');
    // Answered here, so done() is not called.
    reply
      .code(503)
      .header('Retry-After', retryAfterSeconds(retryRange))
      .type('application/json')
      // Sent as text: a route's response schema (Fulcio's grpc-gateway shape) must not reshape it.
      .send(
        JSON.stringify({
          code: 503,
          message:
            reason === 'event-loop'
              ? `server overloaded (event loop ${Math.round(loop)} ms behind): retry later`
              : `server overloaded (${c === 'write' ? 'writes' : 'reads'} queued for ${Math.round(age)} ms): retry later`,
        }),
      );
  });

  // Out of progress when the response has gone, or the connection has: the raw
  // response's 'close' comes in both cases (fastify's onResponse does not when the
  // client went away after sending its whole body, and onRequestAbort only when it
  // went away before). Deleting twice is harmless.
  app.addHook('preHandler', (req, reply, done) => {
    const c = classOf(req);
    if (!c) return done();
    const set = inProgress[c];
    const entry = { start: performance.now() };
    set.add(entry);
    const leave = () => set.delete(entry);
    reply.raw.once('close', leave);
    reply.raw.once('finish', leave);
    done();
  });

  return { queueAgeMs: (c) => queueAgeMs(c), eventLoopDelayMs: () => eventLoopDelayMs() };
}
