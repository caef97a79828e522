import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { TARGET_NAME } from '../repository/layout.js';

export interface TufRoutesOptions {
  /** The published repository directory (what publishRepository writes). */
  dir: string;
  /**
   * URL prefix; the mirror URL clients are given is `<origin><prefix>`. Default
   * DEFAULT_TUF_PREFIX. This is fastify's own register option: fastify applies it
   * to the plugin's routes (and it composes with the prefixes of parent plugins).
   */
  prefix?: string;
}

/** Where the stack mounts the repository (design.md "One origin"). */
export const DEFAULT_TUF_PREFIX = '/tuf';

/** Cache lifetime of immutable files (versioned metadata, hash-prefixed targets): one year. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/**
 * timestamp.json changes with every re-signing and root.json with every rotation;
 * clients must see the new ones at once (protocols.md §10.3).
 */
export const MUTABLE_CACHE = 'no-cache';

// One path segment of the repository: metadata at the top, targets one level down.
// Names we publish never need percent-encoding (repository/layout.ts), so a '%',
// a backslash or a dot-segment is never a file of ours.
const SEGMENT = TARGET_NAME;

/**
 * Serves a repository directory as static files (protocols.md §10.3): 200 with the
 * bytes, 404 for anything that is not there (go-tuf stops looking for newer roots
 * only on 404 and fails on any other status), 400 for paths that try to leave the
 * directory (dot segments, encoded slashes or backslashes). Only `X.json` at the
 * top and `targets/X` below are ever served; dot files (the publisher's staging
 * folders) never are.
 */
export const tufRoutes: FastifyPluginAsync<TufRoutesOptions> = async (app: FastifyInstance, opts) => {
  // With opts.prefix fastify has already prefixed this plugin (app.prefix); without
  // it, the routes go under the default prefix here.
  const own = opts.prefix === undefined ? DEFAULT_TUF_PREFIX : '';
  const prefix = `${app.prefix}${own}`.replace(/\/+$/, '');
  const dir = opts.dir;

  const handler = async (raw: string | undefined, reply: FastifyReply) => {
    // Work on the raw request path: fastify has already percent-decoded the
    // wildcard param, which would hide an encoded slash.
    const path = (raw ?? '').split('?')[0] ?? '';
    const rest = path.slice(prefix.length + 1);
    if (/%|\\|\0/.test(rest) || rest.split('/').some((s) => s === '.' || s === '..')) return notFound(reply, 400, 'path not allowed');
    const parts = rest.split('/');
    const ok =
      (parts.length === 1 && SEGMENT.test(parts[0]!) && parts[0]!.endsWith('.json')) ||
      (parts.length === 2 && parts[0] === 'targets' && SEGMENT.test(parts[1]!));
    if (!ok) return notFound(reply, 404, 'not found');
    const file = join(dir, ...parts);
    let bytes: Buffer;
    try {
      // lstat: a symlink planted in the repository is not followed out of it.
      if (!lstatSync(file).isFile()) return notFound(reply, 404, 'not found');
      bytes = readFileSync(file);
    } catch {
      return notFound(reply, 404, 'not found');
    }
    const mutable = parts.length === 1 && (parts[0] === 'timestamp.json' || parts[0] === 'root.json');
    reply
      .header('Cache-Control', mutable ? MUTABLE_CACHE : IMMUTABLE_CACHE)
      .header('X-Content-Type-Options', 'nosniff')
      .type(contentType(parts[parts.length - 1]!));
    return reply.send(bytes);
  };

  app.get(`${own}/*`, (req, reply) => handler(req.raw.url, reply));
};

function notFound(reply: FastifyReply, status: 400 | 404, message: string) {
  return reply.code(status).header('Cache-Control', 'no-cache').type('application/json').send({ code: status, message });
}

function contentType(name: string): string {
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.pem') || name.endsWith('.pub')) return 'application/x-pem-file';
  return 'application/octet-stream';
}
