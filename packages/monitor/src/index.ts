// The public surface of @sigstack/monitor. Everything else is internal.

// Following a log
export { LogMonitor, DEFAULT_POLL_INTERVAL_S } from './log-monitor.js';
export type { LogMonitorOptions, PollResult } from './log-monitor.js';
export { createLogSource } from './log/create-log-source.js';
export { RekorV1Source, REKOR_V1_FETCH_CONCURRENCY } from './log/rekor-v1-source.js';
export { TilesSource } from './log/tiles-source.js';
export { CtSource } from './log/ct-source.js';
export { LOG_KINDS } from './log/log-source.js';
export type { LogKind, LogSource, VerifiedHead, LeafEntry } from './log/log-source.js';
export { loadTrustedKeys } from './log/trusted-keys.js';
export { CompactRange } from './log/compact-range.js';
export { MAX_RESPONSE_BYTES, DEFAULT_FETCH_TIMEOUT_MS } from './log/http-get.js';
export type { HttpGetOptions } from './log/http-get.js';

// The watch list (rekor-monitor's config shape)
export { readMonitorConfig, parseMonitorConfig, MAX_MONITORED_VALUES } from './config/monitor-config.js';
export type { MonitorConfig, MonitoredValues } from './config/monitor-config.js';
export { identitiesOfLeaf, MAX_ENTRY_JSON_BYTES } from './match/entry-identities.js';
export type { EntryIdentity } from './match/entry-identities.js';
export { matchIdentities } from './match/watchlist.js';
export type { IdentityMatch } from './match/watchlist.js';

// State, alerts, metrics
export { readMonitorState, writeMonitorState, MONITOR_STATE_VERSION } from './state/monitor-state.js';
export type { MonitorState } from './state/monitor-state.js';
export { createAlertSink, DEFAULT_WEBHOOK_TIMEOUT_MS } from './alerts/alert-sink.js';
export type { AlertSink, AlertSinkOptions } from './alerts/alert-sink.js';
export type { Alert, TreeRef } from './alerts/alert.js';
export { createMonitorMetrics, serveMetrics } from './metrics/monitor-metrics.js';
export type { MonitorMetrics, MonitorMetricsOptions } from './metrics/monitor-metrics.js';

// Errors
export { MonitorError, INCONSISTENCY_CODES } from './errors.js';
export type { MonitorErrorCode } from './errors.js';
