import type { Alert } from './alert.js';

/** How long a webhook may take to answer. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

export interface AlertSinkOptions {
  /** Where the JSON lines go (stdout in the CLI). */
  write: (line: string) => void;
  /** POSTs each alert as JSON here when given. */
  webhook?: string;
  webhookTimeoutMs?: number;
  /** Told about a webhook that failed (the alert line was still written). */
  onWebhookError?: (err: Error, alert: Alert) => void;
}

export interface AlertSink {
  emit(alert: Alert): Promise<void>;
}

/**
 * Writes every alert as one JSON line, then POSTs it to the webhook. The line comes
 * first so that an unreachable webhook never loses an alert; a webhook failure is
 * reported and does not stop the poll.
 */
export function createAlertSink(opts: AlertSinkOptions): AlertSink {
  return {
    async emit(alert) {
      opts.write(`${JSON.stringify(alert)}\n`);
      if (opts.webhook === undefined) return;
      try {
        const res = await fetch(opts.webhook, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alert),
          signal: AbortSignal.timeout(opts.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS),
        });
        await res.body?.cancel().catch(() => undefined);
        if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`);
      } catch (e) {
        opts.onWebhookError?.(e as Error, alert);
      }
    },
  };
}
