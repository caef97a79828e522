import { LogError, toLogError } from '../errors.js';
import { leafHash } from '../hash.js';
import type { Checkpoint, SequencedEntry } from '../log.types.js';
import { signCheckpoint } from '../note/checkpoint.js';
import type { ResolvedOptions } from '../options.js';
import type { BatchEntry } from '../store/store.js';
import type { HashTile } from '../tiles/hash-tile.js';
import type { TileWrite, TreeEdge } from '../tiles/tree-edge.js';
import type { Pending } from './batch-queue.js';

/** What happens to one candidate of a batch. */
export type Outcome =
  | { kind: 'new'; index: number }
  | { kind: 'duplicate'; index: number; timestampMs: number }
  | { kind: 'rejected'; error: LogError };

/** A batch sequenced and integrated in memory, not yet signed or committed. */
export interface BatchPlan {
  timestampMs: number;
  /** One per candidate, in order. */
  outcomes: Outcome[];
  /** The new entries, at consecutive indices from the previous size. */
  entries: BatchEntry[];
  sequenced: SequencedEntry[];
  /** A copy of the right edge with the new leaves integrated. */
  edge: TreeEdge;
  writes: TileWrite[];
  completed: HashTile[];
  rootHash: Buffer;
}

/**
 * Sequences a batch in memory: one timestamp, dedupe (against the store and within
 * the batch), index assignment, leaves, and integration into a *copy* of the right
 * edge. Nothing is written and the published state is untouched, so abandoning the
 * plan (signing or commit failure) leaves no trace.
 *
 * `lookup` finds an identity hash in the store; its failures propagate (the caller
 * fails the batch with STORE_FAILED).
 */
export function planBatch(
  items: readonly Pending[],
  edge: TreeEdge,
  previous: Checkpoint,
  opts: ResolvedOptions,
  lookup: (identityHash: Buffer) => { index: number; timestampMs: number } | undefined,
): BatchPlan {
  // One timestamp per batch, never earlier than the previous checkpoint's, so that
  // integrated times do not go backwards when the wall clock does.
  const timestampMs = Math.max(Math.floor(opts.clock.now()), previous.timestampMs);
  const outcomes: Outcome[] = [];
  const entries: BatchEntry[] = [];
  const sequenced: SequencedEntry[] = [];
  const inBatch = new Map<string, number>();
  let next = previous.size;
  for (const p of items) {
    const key = p.identityHash.toString('latin1');
    const first = inBatch.get(key);
    if (first !== undefined) {
      outcomes.push({ kind: 'duplicate', index: first, timestampMs });
      continue;
    }
    const existing = lookup(p.identityHash);
    if (existing) {
      outcomes.push({ kind: 'duplicate', ...existing });
      continue;
    }
    let leaf: Uint8Array;
    try {
      leaf = makeLeaf(p, next, timestampMs, opts.maxEntrySize);
    } catch (e) {
      outcomes.push({ kind: 'rejected', error: toLogError('INVALID_ENTRY', 'cannot make the leaf', e) });
      continue;
    }
    inBatch.set(key, next);
    outcomes.push({ kind: 'new', index: next });
    entries.push({ index: next, leaf, identityHash: p.identityHash, timestampMs });
    sequenced.push({ index: next, timestampMs, identity: p.candidate.identity, leaf, extra: p.candidate.extra });
    next++;
  }
  if (entries.length === 0)
    return { timestampMs, outcomes, entries, sequenced, edge, writes: [], completed: [], rootHash: previous.rootHash };
  const copy = edge.clone();
  for (const e of entries) copy.append(leafHash(e.leaf));
  const { writes, completed } = copy.takeWrites();
  return { timestampMs, outcomes, entries, sequenced, edge: copy, writes, completed, rootHash: copy.root() };
}

/** Signs the one checkpoint of the batch. Throws SIGNING_FAILED. */
export async function signBatch(plan: BatchPlan, opts: ResolvedOptions): Promise<Checkpoint> {
  const size = plan.edge.size;
  let text: string;
  try {
    text = await signCheckpoint({ origin: opts.origin, size, rootHash: plan.rootHash }, [opts.noteSigner]);
  } catch (cause) {
    throw toLogError('SIGNING_FAILED', `cannot sign the checkpoint of size ${size}`, cause);
  }
  return { origin: opts.origin, size, rootHash: plan.rootHash, text, timestampMs: plan.timestampMs };
}

/**
 * Runs the personality's `attach` hook over the sequenced entries and records each
 * value as the entry's `attachment` (stored by onSequenced in the commit, returned to
 * the entry's waiter). In memory only: a failure or crash here writes nothing.
 * Throws SIGNING_FAILED.
 */
export async function attachBatch(plan: BatchPlan, opts: ResolvedOptions): Promise<void> {
  const attach = opts.attach;
  if (!attach || plan.sequenced.length === 0) return;
  let values: readonly unknown[];
  try {
    values = await attach(plan.sequenced);
  } catch (cause) {
    throw toLogError('SIGNING_FAILED', `cannot make the attachments of ${plan.sequenced.length} entries`, cause);
  }
  if (!Array.isArray(values) || values.length !== plan.sequenced.length)
    throw new LogError('SIGNING_FAILED', `attach returned ${Array.isArray(values) ? values.length : typeof values} values for ${plan.sequenced.length} entries`);
  for (let i = 0; i < values.length; i++) plan.sequenced[i]!.attachment = values[i];
}

/**
 * Commits the batch in one store transaction: entries, identities, tiles, the new
 * checkpoint (compare-and-swap on the previous size) and the personality's rows
 * (`onSequenced`). Throws CHECKPOINT_CONFLICT (fatal) or STORE_FAILED.
 */
export function persistBatch(plan: BatchPlan, checkpoint: Checkpoint, previousSize: number, opts: ResolvedOptions): void {
  const onSequenced = opts.onSequenced;
  try {
    opts.store.commitBatch(
      {
        previousSize,
        entries: plan.entries,
        tiles: plan.writes,
        checkpoint: { size: checkpoint.size, rootHash: checkpoint.rootHash, note: checkpoint.text, timestampMs: checkpoint.timestampMs },
      },
      onSequenced && (() => onSequenced(plan.sequenced)),
    );
  } catch (cause) {
    if (cause instanceof LogError && cause.code === 'CHECKPOINT_CONFLICT') throw cause;
    throw new LogError('STORE_FAILED', `cannot commit the batch of size ${checkpoint.size}: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
  }
}

function makeLeaf(p: Pending, index: number, timestampMs: number, maxEntrySize: number): Uint8Array {
  const src = p.candidate.leaf;
  const leaf = typeof src === 'function' ? src(index, timestampMs) : src;
  if (!(leaf instanceof Uint8Array)) throw new LogError('INVALID_ENTRY', 'the leaf function did not return bytes');
  if (leaf.length > maxEntrySize) throw new LogError('ENTRY_TOO_LARGE', `leaf of ${leaf.length} bytes exceeds ${maxEntrySize}`);
  return leaf;
}
