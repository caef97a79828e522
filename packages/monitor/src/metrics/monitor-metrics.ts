import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The monitor's Prometheus metrics, on a registry of its own (several monitors can share a process). */
export interface MonitorMetrics {
  readonly registry: Registry;
  poll(result: 'ok' | 'alert' | 'error'): void;
  entries(n: number): void;
  alert(type: string, code: string): void;
  webhookFailure(): void;
  verified(size: number, at: Date): void;
}

export interface MonitorMetricsOptions {
  /** Also collect Node's default process metrics on a registry of our own (the CLI). */
  defaultMetrics?: boolean;
  /**
   * Register on this registry instead of a new one (the stack's, for the monitor inside
   * `sigstack up`). Several monitors share one registry: each is told apart by `log`.
   */
  registry?: Registry;
  /** The `log` label of every series (default ''): a name per followed log, so bounded. */
  log?: string;
}

export function createMonitorMetrics(opts: MonitorMetricsOptions = {}): MonitorMetrics {
  const registry = opts.registry ?? new Registry();
  if (opts.defaultMetrics && opts.registry === undefined) collectDefaultMetrics({ register: registry });
  const log = opts.log ?? '';
  // The first monitor on a registry makes each metric; the next ones add their `log` series to it.
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    (registry.getSingleMetric(name) as Counter<L | 'log'> | undefined) ?? new Counter({ name, help, labelNames: ['log', ...labelNames], registers: [registry] });
  const gauge = (name: string, help: string) =>
    (registry.getSingleMetric(name) as Gauge<'log'> | undefined) ?? new Gauge({ name, help, labelNames: ['log'], registers: [registry] });
  const polls = counter('sigstack_monitor_polls_total', 'Polls of the log, by result (ok, alert, error)', ['result'] as const);
  const entries = counter('sigstack_monitor_entries_total', 'Log entries checked against the watch list', [] as const);
  const alerts = counter('sigstack_monitor_alerts_total', 'Alerts raised, by type (identity, inconsistency) and code', ['type', 'code'] as const);
  const webhook = counter('sigstack_monitor_webhook_failures_total', 'Alerts the webhook did not accept', [] as const);
  const size = gauge('sigstack_monitor_verified_tree_size', 'Size of the last verified tree');
  const at = gauge('sigstack_monitor_last_verified_timestamp_seconds', 'When the last tree head was verified (Unix seconds)');
  // Every poll result and the inconsistency codes exist from the start, so rate() and alert rules see 0, not nothing.
  for (const r of ['ok', 'alert', 'error']) polls.inc({ log, result: r }, 0);
  for (const c of ['BAD_SIGNATURE', 'ROLLBACK', 'FORK', 'ORIGIN_CHANGED']) alerts.inc({ log, type: 'inconsistency', code: c }, 0);
  alerts.inc({ log, type: 'identity', code: 'MATCH' }, 0);
  entries.inc({ log }, 0);
  webhook.inc({ log }, 0);
  // 0 until the first verified head, as an unlabelled gauge would read (a stale-monitor alert then fires for one that never verifies).
  size.set({ log }, 0);
  at.set({ log }, 0);
  return {
    registry,
    poll: (r) => polls.inc({ log, result: r }),
    entries: (n) => entries.inc({ log }, n),
    alert: (type, code) => alerts.inc({ log, type, code }),
    webhookFailure: () => webhook.inc({ log }),
    verified: (s, d) => {
      size.set({ log }, s);
      at.set({ log }, d.getTime() / 1000);
    },
  };
}

/** Serves GET /metrics on host:port (port 0 picks one); resolves with the server and its URL. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"message":"only GET /metrics is served"}');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return { server, url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics` };
}
