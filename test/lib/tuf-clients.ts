import { cpSync, existsSync, lstatSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runClient, runClientOk } from './client-run.js';
import type { RunResult } from './run.js';
import type { Teardown } from './temp-dir.js';

type Env = Record<string, string | undefined>;

/** `cosign initialize --mirror M --root R` (same flags for cosign 2.5 and 3.1); must succeed. */
export function cosignInitialize(cosign: string, env: Env, mirror: string, root: string): Promise<RunResult> {
  return runClientOk(cosign, ['initialize', '--mirror', mirror, '--root', root], { env });
}

/** Same, returning whatever happened (for repositories that must be refused). */
export function cosignInitializeRaw(cosign: string, env: Env, mirror: string, root: string): Promise<RunResult> {
  return runClient(cosign, ['initialize', '--mirror', mirror, '--root', root], { env });
}

/**
 * sigstore-go's cache for a mirror inside TUF_ROOT: the mirror URL without its
 * scheme, '/' and ':' turned into '-' (protocols.md §10.5), e.g.
 * `$TUF_ROOT/127.0.0.1-41234-tuf/`.
 */
export function sigstoreGoCache(env: Env, mirror: string): string {
  const p = mirror.replace(/^https?:\/\//, '').replace(/[/:]/g, '-').toLowerCase();
  return join(env.TUF_ROOT!, p);
}

/**
 * The trusted_root.json that cosign 2.5's `initialize` downloaded and verified into
 * the legacy (go-tuf v0.7) store, `$TUF_ROOT/targets/trusted_root.json`. cosign 2.5.0's
 * `--new-bundle-format` verification always asks the public-good TUF for its trusted
 * root (sigstore-go FetchTrustedRoot with DefaultOptions), so with a private mirror it
 * is handed this file with `--trusted-root`.
 */
export function legacyTrustedRoot(env: Env): string {
  return join(env.TUF_ROOT!, 'targets', 'trusted_root.json');
}

/** The `version` of a TUF metadata file. */
export function metadataVersion(path: string): number {
  return (JSON.parse(readFileSync(path, 'utf8')) as { signed: { version: number } }).signed.version;
}

export interface StaticMirror {
  /** The mirror URL (what `--mirror` takes). */
  url: string;
  /** The directory served (edit it to tamper with what clients see). */
  dir: string;
  /** Requests served so far (paths). */
  requests: string[];
}

/**
 * Serves a copy of a published TUF repository from a plain static HTTP server on
 * 127.0.0.1, frozen: nothing re-signs it, and the test may edit `dir` to serve
 * tampered metadata. Layout and status codes as tufRoutes: `X.json` at the top,
 * `targets/X` below, 404 for anything else (go-tuf stops looking for newer roots on 404).
 */
export async function serveRepositoryCopy(t: Teardown, repositoryDir: string, dir: string): Promise<StaticMirror> {
  cpSync(repositoryDir, dir, { recursive: true });
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/tuf\//, '');
    requests.push(path);
    const parts = path.split('/');
    const ok = (parts.length === 1 && /^[\w.-]+\.json$/.test(parts[0]!)) || (parts.length === 2 && parts[0] === 'targets' && /^[\w.-]+$/.test(parts[1]!));
    const file = join(dir, ...parts);
    if (!ok || !existsSync(file) || !lstatSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-cache' }).end(readFileSync(file));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.teardown(() => new Promise<void>((res) => server.close(() => res())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tuf`, dir, requests };
}
