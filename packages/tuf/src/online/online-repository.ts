import { systemClock, type Clock, type Signer } from '@sigstack/core';
import type { Metadata, Root, Targets } from '@tufjs/models';
import { TufError } from '../errors.js';
import { createSnapshotMetadata, createTargetsMetadata, createTimestampMetadata, type TargetInput } from '../metadata/build.js';
import { expiresMs } from '../metadata/metadata-file.js';
import { signMetadata, verifyThreshold, type AnySigned, type RoleName } from '../metadata/signing.js';
import { toTufKey } from '../metadata/tuf-key.js';
import { latestRoot, publishRepository, readRepository, type RepositoryState } from '../repository/repository.js';

const DAY = 24 * 60 * 60 * 1000;

/** Timestamp lifetime in development: one day (production re-signs a 7-day timestamp every 6; protocols.md §10.3). */
export const DEFAULT_TIMESTAMP_EXPIRY = DAY;
/** Snapshot lifetime: seven days. */
export const DEFAULT_SNAPSHOT_EXPIRY = 7 * DAY;
/** Targets lifetime when the (development) targets key signs online: one year. */
export const DEFAULT_TARGETS_EXPIRY = 365 * DAY;
/** How often the timer looks at the expiries, at most (it looks sooner for short lifetimes). */
export const DEFAULT_CHECK_INTERVAL = 60 * 60 * 1000;

export interface OnlineRepositoryOptions {
  /** A published repository directory. */
  dir: string;
  /** Key(s) of the timestamp role. */
  timestamp: Signer | Signer[];
  /** Key(s) of the snapshot role; default the timestamp key(s) (one online key for both). */
  snapshot?: Signer | Signer[];
  /**
   * Key(s) of the targets role. In production targets is an OFFLINE role signed in
   * the ceremony and this stays unset: updateTargets then refuses. In development the
   * targets key lives beside the stack and the stack republishes its trust material.
   */
  targets?: Signer | Signer[];
  clock?: Clock;
  timestampExpiry?: number;
  snapshotExpiry?: number;
  targetsExpiry?: number;
  /** Re-sign a role when less than this is left (ms). Default: half of the role's lifetime. */
  refreshBefore?: number;
  /** Timer period (ms) for start(). Default min(DEFAULT_CHECK_INTERVAL, timestampExpiry / 4). */
  checkInterval?: number;
  /** Called with a failure of a timer-driven refresh (the timer keeps running). */
  onError?: (err: unknown) => void;
}

const list = (s: Signer | Signer[] | undefined): Signer[] => (s === undefined ? [] : Array.isArray(s) ? s : [s]);

/**
 * The online half of a repository: re-signs timestamp (and snapshot) before they
 * expire, and, only when given a targets key, publishes new targets. Every change is
 * a full publishRepository (verified, atomic); operations are serialised.
 */
export class OnlineRepository {
  readonly dir: string;
  #state: RepositoryState;
  readonly #signers: Record<'timestamp' | 'snapshot' | 'targets', Signer[]>;
  readonly #clock: Clock;
  readonly #lifetimes: Record<'timestamp' | 'snapshot' | 'targets', number>;
  readonly #refreshBefore: number | undefined;
  readonly #checkInterval: number;
  readonly #onError: (err: unknown) => void;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  private constructor(opts: OnlineRepositoryOptions, state: RepositoryState) {
    this.dir = opts.dir;
    this.#state = state;
    this.#clock = opts.clock ?? systemClock;
    const ts = list(opts.timestamp);
    this.#signers = { timestamp: ts, snapshot: opts.snapshot ? list(opts.snapshot) : ts, targets: list(opts.targets) };
    this.#lifetimes = {
      timestamp: opts.timestampExpiry ?? DEFAULT_TIMESTAMP_EXPIRY,
      snapshot: opts.snapshotExpiry ?? DEFAULT_SNAPSHOT_EXPIRY,
      targets: opts.targetsExpiry ?? DEFAULT_TARGETS_EXPIRY,
    };
    this.#refreshBefore = opts.refreshBefore;
    this.#checkInterval = opts.checkInterval ?? Math.min(DEFAULT_CHECK_INTERVAL, Math.max(1000, this.#lifetimes.timestamp / 4));
    this.#onError = opts.onError ?? (() => {});
  }

  /**
   * Opens the repository in `opts.dir`. Its metadata is read and parsed; the signers
   * must be listed for their roles in the latest root and together meet its threshold,
   * otherwise nothing they sign would be accepted.
   */
  static open(opts: OnlineRepositoryOptions): OnlineRepository {
    const repo = new OnlineRepository(opts, readRepository(opts.dir));
    const root = latestRoot(repo.#state).signed;
    for (const role of ['timestamp', 'snapshot', 'targets'] as const) {
      const signers = repo.#signers[role];
      if (signers.length === 0) {
        if (role === 'targets') continue;
        throw new TufError('INVALID_INPUT', `no ${role} signer given`);
      }
      const r = root.roles[role]!;
      const ids = new Set(signers.map((s) => toTufKey(s.publicKey).keyID));
      for (const id of ids) if (!r.keyIDs.includes(id)) throw new TufError('WRONG_KEY', `the ${role} signer (key ${id.slice(0, 16)}…) is not a ${role} key of root version ${root.version}`);
      if (ids.size < r.threshold) throw new TufError('THRESHOLD_NOT_MET', `${ids.size} ${role} signer(s) cannot meet the threshold ${r.threshold} of root version ${root.version}`);
    }
    return repo;
  }

  /** The repository as published now. */
  get state(): RepositoryState {
    return this.#state;
  }

  /** Whether `role` expires within its refresh margin at the clock's now. */
  needsRefresh(role: 'timestamp' | 'snapshot' | 'targets'): boolean {
    const md = this.#state[role] as Metadata<AnySigned>;
    const margin = this.#refreshBefore ?? this.#lifetimes[role] / 2;
    return expiresMs(md.signed) - this.#clock.now() < margin;
  }

  /**
   * Re-signs what is due: targets (only with a targets signer), snapshot, and
   * timestamp (whenever snapshot changed or its own margin is reached). Resolves
   * to whether anything was published.
   */
  refresh(): Promise<boolean> {
    return this.#serial(async () => {
      const targets = this.#signers.targets.length > 0 && this.needsRefresh('targets');
      const snapshot = targets || this.needsRefresh('snapshot');
      if (!snapshot && !this.needsRefresh('timestamp')) return false;
      const next = targets ? await this.#renewTargets(this.#state.roots) : this.#state.targets;
      await this.#publish(next, snapshot, new Map());
      return true;
    });
  }

  /**
   * Publishes a new root version (signed elsewhere: by the ceremony, or by the
   * development root key) together with a new snapshot and timestamp, and new
   * targets if they are due and a targets signer is at hand. The new root must meet
   * the old root's threshold and its own (publishRepository checks).
   */
  publishRoot(root: Metadata<Root>): Promise<void> {
    return this.#serial(async () => {
      const roots = [...this.#state.roots, root];
      let targets = this.#state.targets;
      if (this.#signers.targets.length > 0 && this.needsRefresh('targets')) targets = await this.#renewTargets(roots);
      await this.#publish(targets, true, new Map(), roots);
    });
  }

  /**
   * Publishes `files` as the complete target set, as a new targets version signed
   * by the targets signer, with a new snapshot and timestamp. A set equal to the
   * published one (names, bytes, custom metadata) publishes nothing and resolves false.
   * Throws NO_TARGETS_SIGNER without a targets signer: in production targets is an
   * offline role changed only by the ceremony (`sigstack tuf add-target`, `sign`, `publish`).
   */
  updateTargets(files: Record<string, TargetInput>): Promise<boolean> {
    return this.#serial(async () => {
      if (this.#signers.targets.length === 0)
        throw new TufError('NO_TARGETS_SIGNER', 'targets is an offline role: this repository was opened without a targets signer; change targets in the signing ceremony');
      const current = this.#state.targets.signed;
      const next = createTargetsMetadata(current.version + 1, this.#clock.now() + this.#lifetimes.targets, files);
      if (sameTargets(current, next.signed)) return false;
      await this.#sign(next, 'targets');
      const bytes = new Map(Object.entries(files).map(([n, t]) => [n, t.bytes] as const));
      await this.#publish(next, true, bytes);
      return true;
    });
  }

  /** Runs refresh() every checkInterval (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.refresh().catch(this.#onError), this.#checkInterval);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renewTargets(roots: Metadata<Root>[]): Promise<Metadata<Targets>> {
    const t = this.#state.targets.signed;
    const next = createTargetsMetadata(t.version + 1, this.#clock.now() + this.#lifetimes.targets, {});
    for (const [name, tf] of Object.entries(t.targets)) next.signed.targets[name] = tf;
    await this.#sign(next, 'targets', roots);
    return next;
  }

  async #sign(md: Metadata<AnySigned>, role: RoleName, roots = this.#state.roots): Promise<void> {
    for (const s of this.#signers[role as 'timestamp']) await signMetadata(md, s);
    verifyThreshold(md, latestRoot({ roots }).signed, role);
  }

  async #publish(targets: Metadata<Targets>, newSnapshot: boolean, files: Map<string, Uint8Array>, roots = this.#state.roots): Promise<void> {
    const now = this.#clock.now();
    const cur = this.#state;
    let snapshot = cur.snapshot;
    if (newSnapshot) {
      snapshot = createSnapshotMetadata(cur.snapshot.signed.version + 1, now + this.#lifetimes.snapshot, targets.signed.version);
      await this.#sign(snapshot, 'snapshot', roots);
    }
    const timestamp = createTimestampMetadata(cur.timestamp.signed.version + 1, now + this.#lifetimes.timestamp, snapshot.signed.version);
    await this.#sign(timestamp, 'timestamp', roots);
    const next: RepositoryState = { roots, targets, snapshot, timestamp };
    publishRepository(this.dir, next, { now, targetFiles: files });
    this.#state = next;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    // Re-read the directory first: the ceremony (`sigstack tuf publish`) may have
    // published a new root or targets since, and building on a stale state would
    // publish versions that go backwards (publishRepository would refuse them).
    const step = () => {
      this.#state = readRepository(this.dir);
      return fn();
    };
    const run = this.#queue.then(step, step);
    this.#queue = run.catch(() => {});
    return run;
  }
}

function sameTargets(a: Targets, b: Targets): boolean {
  const ka = Object.keys(a.targets).sort();
  const kb = Object.keys(b.targets).sort();
  if (ka.join('\n') !== kb.join('\n')) return false;
  return ka.every((k) => a.targets[k]!.equals(b.targets[k]!));
}

