import type { MonitoredValues } from './config/monitor-config.js';
import { INCONSISTENCY_CODES, MonitorError } from './errors.js';
import type { Alert, TreeRef } from './alerts/alert.js';
import type { AlertSink } from './alerts/alert-sink.js';
import type { LogSource, VerifiedHead } from './log/log-source.js';
import { leafHash } from '@sigstack/merkle';
import { CompactRange } from './log/compact-range.js';
import { identitiesOfLeaf } from './match/entry-identities.js';
import { matchIdentities } from './match/watchlist.js';
import type { MonitorMetrics } from './metrics/monitor-metrics.js';
import { readMonitorState, writeMonitorState, type MonitorState } from './state/monitor-state.js';

/** Default seconds between polls in follow mode. */
export const DEFAULT_POLL_INTERVAL_S = 60;

export interface LogMonitorOptions {
  source: LogSource;
  monitoredValues: MonitoredValues;
  /** Where the last verified tree head is kept; without it the monitor trusts the first head it sees on every start. */
  statePath?: string;
  /** With no state yet: scan from this index instead of starting at the current tree's end. */
  startIndex?: number;
  /** Require this checkpoint origin. */
  origin?: string;
  alerts: AlertSink;
  metrics?: MonitorMetrics;
  now?: () => Date;
}

export interface PollResult {
  /** Alerts raised by this poll. */
  alerts: Alert[];
  /** Entries checked against the watch list. */
  entries: number;
  /** The tree head verified by this poll (undefined when it failed or raised an inconsistency). */
  verified?: VerifiedHead;
}

/**
 * Follows one log: each poll verifies the latest tree head's signature, proves it
 * extends the last verified one (or raises ROLLBACK / FORK / ORIGIN_CHANGED /
 * BAD_SIGNATURE), checks every new entry against the watch list, and only then
 * persists the new head. After an inconsistency the state keeps the last good head,
 * so every later poll raises the alert again until an operator looks.
 */
export class LogMonitor {
  readonly #o: LogMonitorOptions;
  #memory: MonitorState | undefined;

  constructor(opts: LogMonitorOptions) {
    this.#o = opts;
  }

  /** One poll. Throws MonitorError FETCH_FAILED / BAD_RESPONSE / STATE_FAILED when it could not check (no alert: the log is not known to be bad). */
  async poll(): Promise<PollResult> {
    const o = this.#o;
    const now = o.now ?? (() => new Date());
    const log = { url: o.source.url, kind: o.source.kind };
    const alerts: Alert[] = [];
    const raise = async (a: Alert) => {
      alerts.push(a);
      o.metrics?.alert(a.type, a.type === 'identity' ? 'MATCH' : a.code);
      await o.alerts.emit(a);
    };
    const inconsistency = (code: MonitorError['code'], message: string, verified?: TreeRef, observed?: TreeRef): Alert => ({
      time: now().toISOString(),
      log: log.url,
      kind: log.kind,
      type: 'inconsistency',
      code,
      message,
      ...(verified ? { verified } : {}),
      ...(observed ? { observed } : {}),
    });

    try {
      const prev = o.statePath !== undefined ? readMonitorState(o.statePath, log) : this.#memory;
      const prevRef = prev && { origin: prev.origin, size: prev.size, rootHash: prev.rootHash, signed: prev.signed };
      let head: VerifiedHead;
      try {
        head = await o.source.head();
      } catch (e) {
        if (e instanceof MonitorError && e.code === 'BAD_SIGNATURE') {
          await raise(inconsistency(e.code, e.message, prevRef));
          return this.#done('alert', { alerts, entries: 0 });
        }
        throw e;
      }
      const headRef: TreeRef = { origin: head.origin, size: head.size, rootHash: head.rootHash.toString('hex'), signed: head.signed };
      // The configured origin and the one verified before both hold.
      const expectedOrigin = [o.origin, prev?.origin].find((x) => x !== undefined && x !== head.origin);
      if (expectedOrigin !== undefined) {
        await raise(inconsistency('ORIGIN_CHANGED', `checkpoint origin ${JSON.stringify(head.origin)} is not ${JSON.stringify(expectedOrigin)}`, prevRef, headRef));
        return this.#done('alert', { alerts, entries: 0 });
      }
      let start: number;
      // The verified tree's edge: the new entries must extend it to the new root.
      let edge: CompactRange | undefined;
      if (prev) {
        const prevHead: VerifiedHead = { origin: prev.origin, size: prev.size, rootHash: Buffer.from(prev.rootHash, 'hex'), signed: prev.signed };
        if (head.size < prev.size) {
          await raise(inconsistency('ROLLBACK', `the log's tree has ${head.size} leaves, fewer than the ${prev.size} already verified`, prevRef, headRef));
          return this.#done('alert', { alerts, entries: 0 });
        }
        try {
          if (head.size === prev.size) {
            if (!head.rootHash.equals(prevHead.rootHash)) throw new MonitorError('FORK', `two signed trees of size ${head.size} with different roots`);
          } else edge = CompactRange.fromConsistencyProof(prev.size, head.size, await o.source.proveConsistency(prevHead, head), prevHead.rootHash);
        } catch (e) {
          if (e instanceof MonitorError && INCONSISTENCY_CODES.has(e.code)) {
            await raise(inconsistency(e.code, e.message, prevRef, headRef));
            return this.#done('alert', { alerts, entries: 0 });
          }
          throw e;
        }
        start = prev.size;
      } else start = Math.min(o.startIndex ?? head.size, head.size);

      let entries = 0;
      try {
        for await (const e of o.source.entries(start, head.size, head)) {
          entries++;
          edge?.append(leafHash(e.leaf));
          for (const match of matchIdentities(o.monitoredValues, identitiesOfLeaf(e.leaf)))
            await raise({ time: now().toISOString(), log: log.url, kind: log.kind, type: 'identity', index: e.index, match });
        }
        // Identity alerts above are for what the log served; this says whether that was its tree.
        if (edge && (edge.size !== head.size || !edge.root().equals(head.rootHash)))
          throw new MonitorError('FORK', `the entries ${start}..${head.size - 1} the log served are not the leaves of its signed tree ${head.size}`);
      } catch (e) {
        if (e instanceof MonitorError && INCONSISTENCY_CODES.has(e.code)) {
          await raise(inconsistency(e.code, e.message, prevRef, headRef));
          return this.#done('alert', { alerts, entries });
        }
        throw e;
      } finally {
        o.metrics?.entries(entries);
      }
      // Durable only now: a crash before this line re-checks the same entries next time.
      const at = now();
      this.#memory = o.statePath !== undefined ? writeMonitorState(o.statePath, log, head, at) : { ...stateOf(log, head, at) };
      o.metrics?.verified(head.size, at);
      return this.#done(alerts.length ? 'alert' : 'ok', { alerts, entries, verified: head });
    } catch (e) {
      o.metrics?.poll('error');
      throw e;
    }
  }

  #done(result: 'ok' | 'alert', r: PollResult): PollResult {
    this.#o.metrics?.poll(result);
    return r;
  }
}

function stateOf(log: { url: string; kind: MonitorState['kind'] }, head: VerifiedHead, at: Date): MonitorState {
  return { version: 1, url: log.url, kind: log.kind, origin: head.origin, size: head.size, rootHash: head.rootHash.toString('hex'), signed: head.signed, verifiedAt: at.toISOString() };
}
