import { LogError, toLogError } from '../errors.js';
import type { Checkpoint } from '../log.types.js';
import { parseCheckpointBody } from '../note/checkpoint.js';
import { parseNote } from '../note/signed-note.js';
import type { ResolvedOptions } from '../options.js';
import { STORE_VERSION, type StoredState } from '../store/store.js';
import { TILE_HEIGHT } from '../tiles/hash-tile.js';
import { TreeEdge } from '../tiles/tree-edge.js';
import type { PublishedState } from '../log-reader.js';

/**
 * Loads the committed state of a log: its checkpoint and the right-edge tiles, which
 * is all the sequencer keeps in memory. O(1) in the size of the log: at most one
 * partial tile per level is read.
 *
 * Because a batch (entries, tiles, checkpoint) commits in one transaction, the
 * stored checkpoint always describes exactly the stored entries and tiles; recovery
 * checks that (the right edge must hash to the checkpoint's root) instead of
 * trusting it, and refuses options that contradict the stored log. fsck.ts does the
 * full O(n) re-verification.
 *
 * Throws LOG_MISSING, LOG_CORRUPT, INVALID_OPTIONS or STORE_FAILED.
 */
export function loadPublishedState(opts: ResolvedOptions): PublishedState {
  let stored: StoredState | undefined;
  try {
    stored = opts.store.loadState();
  } catch (cause) {
    throw toLogError('STORE_FAILED', 'cannot read the log state', cause);
  }
  if (!stored) throw new LogError('LOG_MISSING', 'the store holds no log');
  const { meta, checkpoint: cp } = stored;
  if (meta.version !== STORE_VERSION) throw new LogError('LOG_CORRUPT', `store layout version ${meta.version} is not ${STORE_VERSION}`);
  if (meta.tileHeight !== TILE_HEIGHT) throw new LogError('LOG_CORRUPT', `stored tile height ${meta.tileHeight} is not ${TILE_HEIGHT}`);
  if (meta.origin !== opts.origin)
    throw new LogError('INVALID_OPTIONS', `the stored log has origin ${JSON.stringify(meta.origin)}, not ${JSON.stringify(opts.origin)}`);

  let body;
  let signedByUs = false;
  try {
    const note = parseNote(cp.note);
    body = parseCheckpointBody(note.text);
    signedByUs = note.signatures.some((s) => s.name === opts.noteSigner.name && s.keyHint.equals(opts.noteSigner.keyHint));
  } catch (cause) {
    throw toLogError('LOG_CORRUPT', 'the stored checkpoint note is malformed', cause);
  }
  if (body.origin !== meta.origin || body.size !== cp.size || !body.rootHash.equals(cp.rootHash))
    throw new LogError('LOG_CORRUPT', 'the stored checkpoint note does not match the stored size and root');
  if (!signedByUs)
    throw new LogError(
      'INVALID_OPTIONS',
      `the stored checkpoint is not signed by ${opts.noteSigner.name} with key hint ${opts.noteSigner.keyHint.toString('hex')}: wrong log key?`,
    );

  let edge: TreeEdge;
  try {
    edge = TreeEdge.load(cp.size, (level, index) => opts.store.readTile(level, index));
  } catch (cause) {
    throw toLogError('STORE_FAILED', 'cannot read the right-edge tiles', cause);
  }
  if (!edge.root().equals(cp.rootHash))
    throw new LogError('LOG_CORRUPT', `the right-edge tiles of size ${cp.size} do not hash to the checkpoint root`);
  const checkpoint: Checkpoint = { origin: meta.origin, size: cp.size, rootHash: cp.rootHash, text: cp.note, timestampMs: cp.timestampMs };
  return { edge, checkpoint };
}
