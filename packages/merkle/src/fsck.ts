import { shr } from './bits.js';
import { leafHash } from './hash.js';
import { parseCheckpointBody, verifyCheckpoint } from './note/checkpoint.js';
import { parseNote, type NoteVerifier } from './note/signed-note.js';
import type { LogStore } from './store/store.js';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles/hash-tile.js';
import { TreeEdge, type TileWrite } from './tiles/tree-edge.js';

export interface FsckOptions {
  /** Also verify the checkpoint signature with these keys. */
  verifiers?: readonly NoteVerifier[];
  /** Stop after this many problems (default 20). */
  maxProblems?: number;
}

export interface FsckReport {
  ok: boolean;
  size: number;
  rootHash: Buffer | undefined;
  /** Human-readable descriptions of every inconsistency found (bounded). */
  problems: string[];
}

/**
 * Re-verifies a whole stored log in O(n) time and O(1) memory: recomputes every leaf
 * hash from the stored entries, rebuilds every tile and compares it with the stored
 * one, recomputes the root and compares it with the checkpoint, checks the checkpoint
 * note (and its signature, given verifiers), and checks the row counts (no entries,
 * identities or tiles beyond the checkpoint: a batch is all or nothing).
 *
 * Meant for crash tests and operators (`sigstack log fsck`); run it on a closed log or
 * a read-only store.
 */
export function fsck(store: LogStore, opts: FsckOptions = {}): FsckReport {
  const max = opts.maxProblems ?? 20;
  const problems: string[] = [];
  const problem = (p: string): boolean => {
    problems.push(p);
    return problems.length >= max;
  };
  const state = store.loadState();
  if (!state) return { ok: false, size: 0, rootHash: undefined, problems: ['the store holds no log'] };
  const { checkpoint: cp, meta } = state;
  const report = (): FsckReport => ({ ok: problems.length === 0, size: cp.size, rootHash: cp.rootHash, problems });

  // The checkpoint note must say what the checkpoint row says.
  try {
    const text = opts.verifiers ? verifyCheckpoint(cp.note, opts.verifiers).text : parseNote(cp.note).text;
    const body = parseCheckpointBody(text);
    if (body.origin !== meta.origin) problem(`checkpoint origin ${body.origin} is not the log's ${meta.origin}`);
    if (body.size !== cp.size || !body.rootHash.equals(cp.rootHash)) problem('checkpoint note does not match the stored size and root');
  } catch (e) {
    if (problem(`checkpoint note: ${(e as Error).message}`)) return report();
  }

  // Rebuild the tree from the entries, comparing each tile as it is completed.
  const edge = TreeEdge.empty();
  const compare = (writes: TileWrite[]): boolean => {
    for (const w of writes) {
      const stored = store.readTileNodes(w.level, w.index);
      if (!stored) {
        if (problem(`tile ${w.level}/${w.index} is missing`)) return true;
      } else if (!stored.data.equals(w.data)) {
        if (problem(`tile ${w.level}/${w.index} differs from the entries (stored width ${stored.data.length / 32}, expected ${w.data.length / 32})`))
          return true;
      } else if (stored.inner && !(w.inner && stored.inner.equals(w.inner))) {
        if (problem(`tile ${w.level}/${w.index} has wrong inner nodes`)) return true;
      }
    }
    return false;
  };
  let expected = 0;
  for (const e of store.iterateEntries(0, cp.size)) {
    if (e.index !== expected) {
      problem(`entry ${expected} is missing`);
      return report();
    }
    edge.append(leafHash(e.leaf));
    expected++;
    if (expected % TILE_WIDTH === 0) {
      const { writes } = edge.takeWrites();
      // Only completed tiles are final here; partial ones are checked at the end.
      if (compare(writes.filter((w) => w.data.length === TILE_WIDTH * 32))) return report();
    }
  }
  if (expected !== cp.size) {
    problem(`only ${expected} of ${cp.size} entries are stored`);
    return report();
  }
  const { writes } = edge.takeWrites();
  if (compare(writes)) return report();
  // The partial tiles of the final size, even for levels untouched since the last flush.
  for (const t of edge.tiles) if (t.width > 0 && compare([{ level: t.level, index: t.index, data: t.bytes() }])) return report();
  if (!edge.root().equals(cp.rootHash)) problem('the entries do not hash to the checkpoint root');

  // Nothing may exist beyond the checkpoint: batches commit all or nothing.
  const stats = store.stats();
  if (stats.entries !== cp.size || stats.maxEntryIndex !== cp.size - 1)
    problem(`${stats.entries} entries stored (highest index ${stats.maxEntryIndex}) for a checkpoint of size ${cp.size}`);
  if (stats.identities !== cp.size) problem(`${stats.identities} identities stored for ${cp.size} entries`);
  let tiles = 0;
  for (let level = 0; ; level++) {
    const count = shr(cp.size, TILE_HEIGHT * level);
    if (count === 0) break;
    tiles += Math.ceil(count / TILE_WIDTH);
  }
  if (stats.tiles !== tiles) problem(`${stats.tiles} tiles stored, the tree has ${tiles}`);
  return report();
}
