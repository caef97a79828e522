import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Registry } from 'prom-client';
import {
  createAlertSink,
  createLogSource,
  createMonitorMetrics,
  loadTrustedKeys,
  LogMonitor,
  parseMonitorConfig,
  type Alert,
  type LogKind,
} from '@sigstack/monitor';
import type { StackConfig } from '../config.js';
import { CT_TILES_PATH, REKOR_V1_TILES_PREFIX, REKOR_V2_TILES_PREFIX } from '../tiles/tile-mounts.js';

/** Where the monitor tells what it found and what went wrong (the app's pino logger). */
export interface MonitoringLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** One log the stack's monitor follows. */
interface FollowedLog {
  name: string;
  kind: LogKind;
  url: string;
  keys: { publicKeyFiles?: string[]; trustedRoot?: string };
  origin?: string;
}

/**
 * The monitor inside `sigstack up` (config `monitor`): one LogMonitor per followed log,
 * each polled every `intervalSeconds` on its own timer, with its state file under
 * `stateDir`, its metrics on the stack's registry (`log` label) and its alerts in
 * the stack's log and the webhook.
 *
 * It must never take the stack down: every failure (a log that cannot be read, a key
 * file that is missing, a bug) is logged, counted as a failed poll, and retried at the
 * next interval; timers are unref'd so they never keep the process alive; close()
 * stops the timers and waits for polls under way, before the logs close.
 *
 * The stack's own logs are read over HTTP from the stack's own listen address (their
 * C2SP tiles), exactly as an outside monitor would read them, with the log keys of
 * the trusted_root.json the stack publishes: what is checked is what clients see.
 */
export class StackMonitoring {
  readonly #config: StackConfig['monitor'];
  readonly #dataDir: string;
  readonly #registry: Registry;
  readonly #logger: MonitoringLogger;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #polls = new Set<Promise<void>>();
  #closed = false;

  constructor(config: StackConfig, registry: Registry, logger: MonitoringLogger) {
    this.#config = config.monitor;
    this.#dataDir = config.dataDir;
    this.#registry = registry;
    this.#logger = logger;
  }

  /**
   * Starts following the logs, once the stack listens on `localUrl` and has published
   * `trustedRoot`. `ownLogs` are the stack's logs that are enabled (of those configured).
   */
  start(localUrl: string, trustedRoot: string, ownLogs: { rekor: boolean; rekorV2: boolean; ctlog: boolean; ctPrefix: string }): void {
    if (!this.#config.enabled || this.#closed) return;
    const own: Record<'rekor' | 'rekorV2' | 'ctlog', string> = {
      rekor: `${localUrl}${REKOR_V1_TILES_PREFIX}`,
      rekorV2: `${localUrl}${REKOR_V2_TILES_PREFIX}`,
      ctlog: `${localUrl}${ownLogs.ctPrefix}${CT_TILES_PATH}`,
    };
    const logs: FollowedLog[] = [
      ...this.#config.ownLogs.filter((n) => ownLogs[n]).map((name) => ({ name, kind: 'tiles' as const, url: own[name], keys: { trustedRoot } })),
      ...this.#config.externalLogs.map((l) => ({
        name: l.name,
        kind: l.kind,
        url: l.url.replace(/\/$/, ''),
        keys: { ...(l.publicKeyFile ? { publicKeyFiles: [l.publicKeyFile] } : {}), ...(l.trustedRoot ? { trustedRoot: l.trustedRoot } : {}) },
        ...(l.origin ? { origin: l.origin } : {}),
      })),
    ];
    // Validated with the config (resolveConfig), so this does not throw.
    const { monitoredValues } = parseMonitorConfig(JSON.stringify({ monitoredValues: this.#config.monitoredValues }));
    const stateDir = isAbsolute(this.#config.stateDir) ? this.#config.stateDir : join(this.#dataDir, this.#config.stateDir);
    mkdirSync(stateDir, { recursive: true });
    for (const log of logs) {
      const metrics = createMonitorMetrics({ registry: this.#registry, log: log.name });
      let monitor: LogMonitor | undefined;
      const make = (): LogMonitor =>
        (monitor ??= new LogMonitor({
          source: createLogSource(log.kind, log.url, loadTrustedKeys(log.keys)),
          monitoredValues,
          statePath: join(stateDir, `${log.name}.state.json`),
          ...(log.origin ? { origin: log.origin } : {}),
          metrics,
          alerts: createAlertSink({
            write: (line) => this.#logger.warn({ monitor: log.name, alert: JSON.parse(line) as Alert }, 'monitor alert'),
            ...(this.#config.webhook ? { webhook: this.#config.webhook } : {}),
            onWebhookError: (err) => {
              metrics.webhookFailure();
              this.#logger.error({ monitor: log.name, err: err.message }, 'monitor webhook failed');
            },
          }),
        }));
      const poll = async (): Promise<void> => {
        try {
          // Made at the first poll, and again after a failure to make it (a key file that appears later).
          const r = await make().poll();
          if (r.verified) this.#logger.info({ monitor: log.name, size: r.verified.size, entries: r.entries }, 'monitor verified tree');
        } catch (e) {
          // A log that could not be checked is not evidence against it: logged, counted, retried.
          if (monitor === undefined) metrics.poll('error');
          this.#logger.error({ monitor: log.name, url: log.url, err: (e as Error).message, code: (e as { code?: string }).code }, 'monitor poll failed');
        }
      };
      const loop = (delayMs: number) => {
        if (this.#closed) return;
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          const p = poll().finally(() => {
            this.#polls.delete(p);
            loop(this.#config.intervalSeconds * 1000);
          });
          this.#polls.add(p);
        }, delayMs);
        timer.unref();
        this.#timers.add(timer);
      };
      loop(0);
    }
    this.#logger.info({ logs: logs.map((l) => `${l.name} ${l.url}`), intervalSeconds: this.#config.intervalSeconds }, 'monitor started');
  }

  /** Stops polling; resolves when the polls under way are done (before the logs close). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#polls]);
  }
}

/** The stack's own address, as the monitor inside it reads it (a wildcard listen address is read on loopback). */
export function localUrlOf(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
