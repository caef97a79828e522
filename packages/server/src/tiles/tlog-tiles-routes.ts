import { createHash } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { INTERNAL_ERROR_REPLY, isSigstackError } from '@sigstack/core';
import { entriesPath, LogError, MAX_BUNDLE_ENTRY_SIZE, parseTilePath } from '@sigstack/merkle';

/**
 * What a tlog-tiles view reads. The engine's `Log` is one, as is anything with the
 * same three synchronous reads (interfaces live with their consumer).
 */
export interface TlogTilesSource {
  /** The latest published checkpoint: `text` is the complete signed note. */
  checkpoint(): { size: number; text: string };
  /** C2SP hash tile bytes; throws LogError NOT_FOUND for a tile the tree does not have. */
  readTile(level: number, index: number, width?: number): Buffer;
  /** C2SP entry bundle; NOT_FOUND beyond the tree, ENTRY_TOO_LARGE if an entry exceeds 65535 bytes. */
  readEntryBundle(index: number, width?: number): Buffer;
}

export interface TlogTilesOptions {
  source: TlogTilesSource;
  /** Full hash tiles kept ready to send (8 KiB each); default DEFAULT_SERVED_TILE_CACHE. */
  servedTileCache?: number;
  /**
   * The checkpoint text to serve instead of `source.checkpoint().text`: a note the log
   * signed with more signatures on it (witness cosignatures). Called per request, so it
   * should return a cached string.
   */
  checkpointText?: () => string;
}

/** Full tiles and entry bundles never change: caches may keep them for a year without asking again. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/**
 * Partial tiles (`.p/<W>`): their bytes never change either (a width-W tile is the
 * prefix of the full tile to come), but C2SP lets a log stop serving them once the full
 * tile exists, and they matter only near the head of the log. An hour, not `immutable`:
 * caches keep them while monitors catch up, without pinning one entry per checkpoint
 * size and level for a year.
 */
export const PARTIAL_CACHE_CONTROL = 'public, max-age=3600';

/**
 * The checkpoint changes with every batch (C2SP: "headers SHOULD prevent caching
 * beyond a few seconds"). `no-cache` lets a cache store it but revalidate each use,
 * which the ETag makes a 304 while the log has not moved.
 */
export const CHECKPOINT_CACHE_CONTROL = 'no-cache';

/**
 * Full hash tiles held as the bytes to send: 1,024 × 8 KiB = 8 MiB. The engine returns
 * a fresh copy of a tile per read (its cache holds expanded tiles it must not hand
 * out); a full tile never changes, so the served bytes can be kept. Measured on the
 * 2-core machine (BENCHMARKS.md "Tiles"): the per-request 8 KiB allocation and copy
 * was the difference between the tile and the checkpoint route.
 */
export const DEFAULT_SERVED_TILE_CACHE = 1024;

const OCTET_STREAM = 'application/octet-stream';
const TEXT_PLAIN = 'text/plain; charset=utf-8';

/**
 * The C2SP tlog-tiles read API over one log, mounted under `prefix`:
 *
 *     GET|HEAD <prefix>/checkpoint
 *     GET|HEAD <prefix>/tile/<L>/<N>[.p/<W>]
 *     GET|HEAD <prefix>/tile/entries/<N>[.p/<W>]
 *
 * Read-only: every answer is one synchronous read of published state (no lock, no
 * store write, nothing the sequencer waits for). Any path that is not the canonical
 * name of a resource the current tree has is a 404 with `{code, message}`; errors are
 * `no-store` so no cache keeps a 404 for a tile that appears with the next batch.
 */
export const tlogTilesRoutes: FastifyPluginCallback<TlogTilesOptions> = (app: FastifyInstance, opts, done) => {
  const source = opts.source;
  const checkpointText = opts.checkpointText ?? (() => source.checkpoint().text);
  // Oldest-first eviction: a monitor walks the log forward, hot tiles are the recent ones.
  const served = new Map<number, Buffer>();
  const servedMax = opts.servedTileCache ?? DEFAULT_SERVED_TILE_CACHE;

  app.setErrorHandler((err: FastifyError, req, reply) => sendTilesError(err, req, reply));

  // The ETag of the checkpoint, recomputed only when the text changes (one hash per batch at most).
  let lastText = '';
  let lastEtag = '';
  app.get('/checkpoint', (req, reply) => {
    const text = checkpointText();
    if (text !== lastText) {
      lastEtag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 22)}"`;
      lastText = text;
    }
    reply.header('cache-control', CHECKPOINT_CACHE_CONTROL).header('etag', lastEtag);
    if (req.headers['if-none-match'] === lastEtag) return reply.code(304).send();
    return reply.type(TEXT_PLAIN).send(text);
  });

  // One wildcard route: the canonical path grammar is parseTilePath's (strict, so each
  // tile has exactly one name and `..`, `x1/2`, `000.p/0`, level 64... match nothing).
  app.get<{ Params: { '*': string } }>('/tile/*', (req, reply) => {
    const c = parseTilePath(`tile/${req.params['*']}`);
    let bytes: Buffer;
    if (c.kind === 'hash') {
      if (c.width !== undefined) bytes = source.readTile(c.level, c.index, c.width);
      else {
        const key = c.level * TILE_KEY_STRIDE + c.index;
        const cached = served.get(key);
        if (cached) bytes = cached;
        else {
          bytes = source.readTile(c.level, c.index);
          served.set(key, bytes);
          if (served.size > servedMax) served.delete(served.keys().next().value!);
        }
      }
    } else {
      try {
        bytes = source.readEntryBundle(c.index, c.width);
      } catch (err) {
        if (err instanceof LogError && err.code === 'ENTRY_TOO_LARGE')
          throw new LogError(
            'NOT_FOUND',
            `${entriesPath(c.index, c.width)} cannot be served: it holds an entry larger than the ${MAX_BUNDLE_ENTRY_SIZE} bytes a C2SP entry bundle can encode ` +
              `(${err.message}); the hash tiles cover every entry, read that one through the log's own API`,
          );
        throw err;
      }
    }
    return reply
      .header('cache-control', c.width === undefined ? IMMUTABLE_CACHE_CONTROL : PARTIAL_CACHE_CONTROL)
      .type(OCTET_STREAM)
      .send(bytes);
  });
  done();
};

/** Map key of a tile: level · 2^47 + index stays exact for every level ≤ 63 and index < 2^47 (trees below 2^55 leaves). */
const TILE_KEY_STRIDE = 2 ** 47;

/** 404 for every engine refusal a GET can meet (nothing here is the client's input beyond the path). */
function sendTilesError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  let status: number;
  let message: string;
  if ((err instanceof LogError || (isSigstackError(err) && err.name === 'LogError')) && (err.code === 'NOT_FOUND' || err.code === 'INVALID_RANGE')) {
    status = 404;
    message = err.message;
  } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode;
    message = err.message;
  } else {
    req.log.error({ err }, 'tiles read failed');
    status = INTERNAL_ERROR_REPLY.status;
    message = INTERNAL_ERROR_REPLY.message;
  }
  return reply.code(status).header('cache-control', 'no-store').type('application/json').send({ code: status, message });
}
