import { LogError, toLogError } from './errors.js';
import { EMPTY_ROOT } from './hash.js';
import { Log } from './log.js';
import { LogReader } from './log-reader.js';
import type { LogOptions, OpenLogOptions } from './log.types.js';
import { signCheckpoint } from './note/checkpoint.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { loadPublishedState } from './sequencer/recover.js';
import { Sequencer } from './sequencer/sequencer.js';
import { STORE_VERSION } from './store/store.js';
import { TILE_HEIGHT } from './tiles/hash-tile.js';

/**
 * Creates a new, empty log in `opts.store` (a signed checkpoint of size 0) and opens
 * it. Refuses with LOG_EXISTS when the store already holds a log.
 */
export async function createLog(opts: LogOptions): Promise<Log> {
  const o = resolveOptions(opts);
  if (hasLog(o)) throw new LogError('LOG_EXISTS', 'the store already holds a log; use openLog');
  await initialize(o);
  return open(o);
}

/**
 * Opens the log in `opts.store`: loads its checkpoint and right edge and checks them
 * against each other and against the options. Refuses with LOG_MISSING when there is
 * no log, unless `create` is set.
 */
export async function openLog(opts: OpenLogOptions): Promise<Log> {
  const o = resolveOptions(opts);
  if (!hasLog(o)) {
    if (!opts.create) throw new LogError('LOG_MISSING', 'the store holds no log; use createLog or create: true');
    await initialize(o);
  }
  return open(o);
}

function hasLog(o: ResolvedOptions): boolean {
  try {
    return o.store.loadState() !== undefined;
  } catch (cause) {
    throw toLogError('STORE_FAILED', 'cannot read the store', cause);
  }
}

async function initialize(o: ResolvedOptions): Promise<void> {
  const timestampMs = Math.floor(o.clock.now());
  let note: string;
  try {
    note = await signCheckpoint({ origin: o.origin, size: 0, rootHash: EMPTY_ROOT }, [o.noteSigner]);
  } catch (cause) {
    throw toLogError('SIGNING_FAILED', 'cannot sign the first checkpoint', cause);
  }
  try {
    // Atomic: a crash leaves either no log (create again) or an empty signed one.
    o.store.initialize(
      { origin: o.origin, tileHeight: TILE_HEIGHT, version: STORE_VERSION },
      { size: 0, rootHash: EMPTY_ROOT, note, timestampMs },
    );
  } catch (cause) {
    throw toLogError('STORE_FAILED', 'cannot create the log', cause);
  }
}

function open(o: ResolvedOptions): Log {
  const state = loadPublishedState(o);
  const reader = new LogReader(o.store, state, o.tileCacheSize);
  return new Log(o, reader, new Sequencer(o, reader));
}
