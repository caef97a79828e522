import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply } from 'fastify';

export interface ExplorerRoutesOptions {
  /** The explorer's built files (index.html, assets/): default DEFAULT_EXPLORER_DIR. */
  dir: string;
}

/** Where the log explorer is served (design.md "One origin"). */
export const EXPLORER_PREFIX = '/ui';

/**
 * packages/explorer/dist, which `pnpm build` writes (scripts/build-explorer.mjs). The
 * stack runs from its checkout (bin/sigstack.js), so the path is relative to this
 * module's own file in packages/server/dist.
 */
export const DEFAULT_EXPLORER_DIR = fileURLToPath(new URL('../../explorer/dist/', import.meta.url));

/**
 * The policy every explorer answer carries: scripts, styles, fetches and images only
 * from this origin, no inline script, no plugins, no framing, no form posts
 * elsewhere. With the page building DOM by text nodes only, hostile log contents
 * cannot run as script even if a bug put them into markup.
 */
export const EXPLORER_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** index.html may change with every build: revalidate it. Assets carry a content hash in their name: keep them. */
const HTML_CACHE = 'no-cache';
const ASSET_CACHE = 'public, max-age=31536000, immutable';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

interface StaticFile {
  bytes: Buffer;
  type: string;
  cache: string;
}

/** The built files, read once: a few hundred KiB at most, and a fixed set (no path ever reaches the file system). */
function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  files.set('', { bytes: readFileSync(join(dir, 'index.html')), type: TYPES['.html']!, cache: HTML_CACHE });
  const assets = join(dir, 'assets');
  if (existsSync(assets))
    for (const name of readdirSync(assets)) {
      const type = TYPES[extname(name)];
      if (type && /^[A-Za-z0-9._-]+$/.test(name)) files.set(`assets/${name}`, { bytes: readFileSync(join(assets, name)), type, cache: ASSET_CACHE });
    }
  return files;
}

/**
 * The log explorer's static files under /ui/ (packages/explorer): `/ui/` is the page,
 * `/ui/assets/<hashed name>` its script and style. Anything else under /ui/ is a 404
 * `{code, message}`; without a build, /ui/ says how to make one.
 */
export const explorerRoutes: FastifyPluginCallback<ExplorerRoutesOptions> = (app: FastifyInstance, opts, done) => {
  const files = loadFiles(opts.dir);
  const secure = (reply: FastifyReply) =>
    reply.header('content-security-policy', EXPLORER_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
  const notFound = (reply: FastifyReply, message: string) => secure(reply).code(404).header('cache-control', 'no-store').type('application/json').send({ code: 404, message });

  app.get(EXPLORER_PREFIX, (_req, reply) => reply.redirect(`${EXPLORER_PREFIX}/`, 301));
  app.get<{ Params: { '*': string } }>(`${EXPLORER_PREFIX}/*`, (req, reply) => {
    const path = req.params['*'] === 'index.html' ? '' : req.params['*'];
    const f = files.get(path);
    if (!f) {
      if (files.size === 0) return notFound(reply, `the log explorer is not built: run "pnpm build" (it writes ${opts.dir})`);
      return notFound(reply, `no explorer file ${EXPLORER_PREFIX}/${path}`);
    }
    return secure(reply).header('cache-control', f.cache).type(f.type).send(f.bytes);
  });
  done();
};
