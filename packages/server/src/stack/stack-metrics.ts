import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Clock } from '@sigstack/core';
import type { Log } from '@sigstack/merkle';
import { readRepository } from '@sigstack/tuf';
import type { MeteredFulcioService } from './metered-fulcio.js';

/** A log of the stack, by its config section: the `log` label of the log metrics. */
export type StackLogName = 'rekor' | 'rekorV2' | 'ctlog';

/** What the log metrics read of a log. */
export type MeteredLog = Pick<Log, 'checkpoint' | 'stats' | 'observeBatches'>;

/** Batch sizes are powers of two up to the largest maxBatchSize a config allows (100,000). */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16_384, 65_536];

/** The TUF roles whose expiry is exported (`role` label). */
const TUF_ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;

export interface StackMetricsSources {
  logs: Partial<Record<StackLogName, MeteredLog>>;
  /** The served TUF repository, read at scrape time for the roles' expiry. */
  tufRepositoryDir?: string;
  /** The issuer labels the configuration allows, shown at 0 before their first certificate. */
  issuerLabels?: () => string[];
  clock: Clock;
}

/** Hooks the stack calls as things happen (the rest is read at scrape time). */
export interface StackMetrics {
  /** One certificate issued; `issuer` is already a bounded label (issuerLabel). */
  certificateIssued(issuer: string): void;
}

/**
 * The stack's own metrics beyond HTTP (deploy/README.md "Metrics"), on the app's
 * registry. Everything but the batch-size histogram (one observation per batch) and
 * the certificate counter (one increment per certificate) is read at scrape time, so
 * nothing here costs anything on a request's path. Labels are bounded: `log` is one of
 * three config sections, `role` one of four TUF roles, `issuer` a configured issuer.
 */
export function observeStackMetrics(registry: Registry, src: StackMetricsSources): StackMetrics {
  const logs = Object.entries(src.logs) as [StackLogName, MeteredLog][];
  const batches = new Histogram({
    name: 'sigstack_log_batch_size',
    help: 'Entries committed per batch (one transaction and one checkpoint signature), by log',
    labelNames: ['log'] as const,
    buckets: BATCH_SIZE_BUCKETS,
    registers: [registry],
  });
  for (const [name, log] of logs) {
    batches.zero({ log: name });
    log.observeBatches((n) => batches.observe({ log: name }, n));
  }
  new Gauge({
    name: 'sigstack_log_pending_entries',
    help: 'Entries accepted and not yet committed, by log (writes get 503 past the config maxPending)',
    labelNames: ['log'] as const,
    registers: [registry],
    collect() {
      for (const [name, log] of logs) this.set({ log: name }, log.stats().pending);
    },
  });
  new Gauge({
    name: 'sigstack_log_checkpoint_age_seconds',
    help: "Seconds since the log's latest checkpoint was signed, by log (a log signs one per batch: an idle log's grows, a stuck sequencer's grows with entries pending)",
    labelNames: ['log'] as const,
    registers: [registry],
    collect() {
      const now = src.clock.now();
      for (const [name, log] of logs) this.set({ log: name }, Math.max(0, now - log.checkpoint().timestampMs) / 1000);
    },
  });
  new Gauge({
    name: 'sigstack_log_tree_size',
    help: "Entries in the log's latest checkpoint, by log",
    labelNames: ['log'] as const,
    registers: [registry],
    collect() {
      for (const [name, log] of logs) this.set({ log: name }, log.checkpoint().size);
    },
  });
  const issued = new Counter({
    name: 'sigstack_certificates_issued_total',
    help: 'Signing certificates issued, by OIDC issuer (a configured issuer URL, a meta-issuer pattern, or "other")',
    labelNames: ['issuer'] as const,
    registers: [registry],
    collect() {
      // Every configured issuer from the start, so a dashboard shows 0 rather than nothing.
      for (const issuer of src.issuerLabels?.() ?? []) this.inc({ issuer }, 0);
    },
  });
  const tufDir = src.tufRepositoryDir;
  if (tufDir !== undefined) {
    new Gauge({
      name: 'sigstack_tuf_metadata_expiry_seconds',
      help: "Seconds until each TUF role's metadata of the served repository expires (negative: expired; clients refuse it)",
      labelNames: ['role'] as const,
      registers: [registry],
      collect() {
        // A few small files per scrape; a repository being republished is read next time.
        let repo;
        try {
          repo = readRepository(tufDir);
        } catch {
          this.reset();
          return;
        }
        const now = src.clock.now();
        const expiry = { root: repo.roots[repo.roots.length - 1]!.signed.expires, targets: repo.targets.signed.expires, snapshot: repo.snapshot.signed.expires, timestamp: repo.timestamp.signed.expires };
        for (const role of TUF_ROLES) this.set({ role }, (Date.parse(expiry[role]) - now) / 1000);
      },
    });
  }
  return { certificateIssued: (issuer) => issued.inc({ issuer }) };
}

/** What issuerLabel needs of the bound identity configuration. */
export interface IssuerSet {
  oidcIssuers: ReadonlyMap<string, { issuerUrl: string }>;
  metaIssuers: ReadonlyMap<string, { pattern: string; regex: RegExp }>;
}

/**
 * The `issuer` label of a certificate: the token's issuer when it is a configured
 * issuer, else the meta-issuer pattern it matched (a wildcard issuer would otherwise
 * make a label per cluster), else "other". Bounded by the configuration.
 */
export function issuerLabel(issuer: string, bound: IssuerSet | undefined): string {
  if (!bound) return 'other';
  for (const i of bound.oidcIssuers.values()) if (i.issuerUrl === issuer) return issuer;
  for (const m of bound.metaIssuers.values()) if (m.regex.test(issuer)) return m.pattern;
  return 'other';
}

/** What observeStack reads of a stack being opened. */
export interface ObservedStack {
  services: {
    rekor?: { log: MeteredLog };
    rekorV2?: { log: MeteredLog };
    ctlog?: { log: MeteredLog };
    fulcio?: MeteredFulcioService;
  };
  tufRepositoryDir: string | undefined;
  /** The identity providers the CA trusts now (the issuer label's bound). */
  issuers: () => IssuerSet | undefined;
  clock: Clock;
}

/** Registers the stack metrics for the services of `s` on the app's registry and hooks the CA's issuance counter. */
export function observeStack(registry: Registry, s: ObservedStack): void {
  const metrics = observeStackMetrics(registry, {
    logs: {
      ...(s.services.rekor ? { rekor: s.services.rekor.log } : {}),
      ...(s.services.rekorV2 ? { rekorV2: s.services.rekorV2.log } : {}),
      ...(s.services.ctlog ? { ctlog: s.services.ctlog.log } : {}),
    },
    ...(s.tufRepositoryDir !== undefined ? { tufRepositoryDir: s.tufRepositoryDir } : {}),
    ...(s.services.fulcio ? { issuerLabels: () => issuerLabels(s.issuers()) } : {}),
    clock: s.clock,
  });
  if (s.services.fulcio) s.services.fulcio.onIssued = (p) => metrics.certificateIssued(issuerLabel(p.issuer, s.issuers()));
}

/** Every label issuerLabel can give under `bound`. */
export function issuerLabels(bound: IssuerSet | undefined): string[] {
  if (!bound) return [];
  return [...[...bound.oidcIssuers.values()].map((i) => i.issuerUrl), ...[...bound.metaIssuers.values()].map((m) => m.pattern), 'other'];
}
