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

export function createMonitorMetrics(opts: { defaultMetrics?: boolean } = {}): MonitorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const polls = new Counter({ name: 'sigstack_monitor_polls_total', help: 'Polls of the log, by result (ok, alert, error)', labelNames: ['result'] as const, registers: [registry] });
  const entries = new Counter({ name: 'sigstack_monitor_entries_total', help: 'Log entries checked against the watch list', registers: [registry] });
  const alerts = new Counter({ name: 'sigstack_monitor_alerts_total', help: 'Alerts raised, by type (identity, inconsistency) and code', labelNames: ['type', 'code'] as const, registers: [registry] });
  const webhook = new Counter({ name: 'sigstack_monitor_webhook_failures_total', help: 'Alerts the webhook did not accept', registers: [registry] });
  const size = new Gauge({ name: 'sigstack_monitor_verified_tree_size', help: 'Size of the last verified tree', registers: [registry] });
  const at = new Gauge({ name: 'sigstack_monitor_last_verified_timestamp_seconds', help: 'When the last tree head was verified (Unix seconds)', registers: [registry] });
  // Every poll result and the inconsistency codes exist from the start, so rate() and alert rules see 0, not nothing.
  for (const r of ['ok', 'alert', 'error']) polls.inc({ result: r }, 0);
  for (const c of ['BAD_SIGNATURE', 'ROLLBACK', 'FORK', 'ORIGIN_CHANGED']) alerts.inc({ type: 'inconsistency', code: c }, 0);
  alerts.inc({ type: 'identity', code: 'MATCH' }, 0);
  return {
    registry,
    poll: (r) => polls.inc({ result: r }),
    entries: (n) => entries.inc(n),
    alert: (type, code) => alerts.inc({ type, code }),
    webhookFailure: () => webhook.inc(),
    verified: (s, d) => {
      size.set(s);
      at.set(d.getTime() / 1000);
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
