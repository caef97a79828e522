import { parseArgs } from 'node:util';
import type { Server } from 'node:http';
import {
  createAlertSink,
  createLogSource,
  createMonitorMetrics,
  DEFAULT_POLL_INTERVAL_S,
  loadTrustedKeys,
  LogMonitor,
  MonitorError,
  readMonitorConfig,
  serveMetrics,
} from '@sigstack/monitor';
import { fail } from './fail.js';

export const MONITOR_USAGE = `usage: sigstack monitor --url URL --kind rekor-v1|tiles|ct --config FILE [flags]

Follows a transparency log: verifies each new checkpoint (or CT tree head) with the log's
key, proves it extends the last verified one, and checks every new entry against the
identities in the config (rekor-monitor's format: certIdentities, subjects, fingerprints).
Alerts are JSON lines on stdout.

  --url URL              the log: a Rekor v1 server (rekor-v1), a C2SP tlog-tiles prefix
                         (tiles: <stack>/api/v2, <stack>/api/v1/log/tiles, <stack>/ct), or a
                         CT log prefix, under which /ct/v1/get-sth is (ct: <stack> itself)
  --kind KIND            rekor-v1, tiles or ct
  --config FILE          YAML/JSON watch config (log.publicKeyFile / log.trustedRoot, monitoredValues)
  --public-key FILE      the log's PEM public key (instead of, or besides, the config's)
  --trusted-root FILE    take the log keys from a trusted_root.json
  --state FILE           where the last verified tree head is kept (default: none, trust on each start)
  --once                 poll once and exit: 0 quiet, 1 alerts, 3 the log could not be checked
  --interval S           seconds between polls (default ${DEFAULT_POLL_INTERVAL_S})
  --webhook URL          POST every alert there as JSON
  --metrics-listen HOST:PORT   serve Prometheus metrics at /metrics (port 0 picks one)

Exit status: 1 after an alert in --once mode, 2 for a usage error, 3 when the log could
not be checked (--once). Without --once it runs until SIGINT/SIGTERM.
`;

export async function monitorCommand(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') {
    process.stdout.write(MONITOR_USAGE);
    return;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        url: { type: 'string' },
        kind: { type: 'string' },
        config: { type: 'string' },
        'public-key': { type: 'string', multiple: true },
        'trusted-root': { type: 'string' },
        state: { type: 'string' },
        once: { type: 'boolean', default: false },
        interval: { type: 'string' },
        webhook: { type: 'string' },
        'metrics-listen': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail(`monitor: ${(e as Error).message}\n\n${MONITOR_USAGE}`);
  }
  if (values.url === undefined || values.kind === undefined || values.config === undefined) fail(`monitor: --url, --kind and --config are required\n\n${MONITOR_USAGE}`);
  const interval = values.interval === undefined ? DEFAULT_POLL_INTERVAL_S : Number(values.interval);
  if (!Number.isFinite(interval) || interval <= 0 || interval > 86_400) fail('monitor: --interval must be a number of seconds in (0, 86400]');
  if (values.webhook !== undefined && !/^https?:\/\//.test(values.webhook)) fail('monitor: --webhook must be an http(s) URL');

  let monitor: LogMonitor;
  const metrics = createMonitorMetrics({ defaultMetrics: true, log: values.url });
  try {
    const config = readMonitorConfig(values.config);
    const keys = loadTrustedKeys({
      publicKeyFiles: [...config.log.publicKeyFiles, ...(values['public-key'] ?? [])],
      ...((values['trusted-root'] ?? config.log.trustedRoot) !== undefined ? { trustedRoot: values['trusted-root'] ?? config.log.trustedRoot } : {}),
    });
    const source = createLogSource(values.kind, values.url, keys);
    monitor = new LogMonitor({
      source,
      monitoredValues: config.monitoredValues,
      ...(values.state !== undefined ? { statePath: values.state } : {}),
      ...(config.startIndex !== undefined ? { startIndex: config.startIndex } : {}),
      ...(config.log.origin !== undefined ? { origin: config.log.origin } : {}),
      metrics,
      alerts: createAlertSink({
        write: (line) => process.stdout.write(line),
        ...(values.webhook !== undefined ? { webhook: values.webhook } : {}),
        onWebhookError: (err) => {
          metrics.webhookFailure();
          process.stderr.write(`sigstack monitor: webhook: ${err.message}\n`);
        },
      }),
    });
  } catch (e) {
    if (e instanceof MonitorError) fail(`monitor: ${e.message}`);
    throw e;
  }

  let server: Server | undefined;
  if (values['metrics-listen'] !== undefined) {
    const m = /^(.*):(\d{1,5})$/.exec(values['metrics-listen']);
    if (!m) fail('monitor: --metrics-listen must be HOST:PORT');
    const port = Number(m[2]);
    if (port > 65535) fail('monitor: --metrics-listen port must be at most 65535');
    const served = await serveMetrics(metrics.registry, m[1]!.replace(/^\[|\]$/g, ''), port).catch((e: Error) => fail(`monitor: --metrics-listen: ${e.message}`));
    server = served.server;
    process.stderr.write(`sigstack monitor: metrics on ${served.url}\n`);
  }

  /** One poll; returns the exit status it stands for (0 quiet, 1 alerts, 3 could not check). */
  const pollOnce = async (): Promise<number> => {
    try {
      const r = await monitor.poll();
      if (r.verified) process.stderr.write(`sigstack monitor: verified tree ${r.verified.size} (${r.entries} new entries checked)\n`);
      if (r.alerts.length > 0) process.stderr.write(`sigstack monitor: ${r.alerts.length} alert(s) written to stdout\n`);
      return r.alerts.length > 0 ? 1 : 0;
    } catch (e) {
      if (!(e instanceof MonitorError)) throw e;
      process.stderr.write(`sigstack monitor: ${e.code}: ${e.message}\n`);
      return 3;
    }
  };

  if (values.once) {
    const code = await pollOnce();
    server?.close();
    process.exitCode = code;
    return;
  }
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopping) {
    await pollOnce();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval * 1000);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  server?.close();
}
