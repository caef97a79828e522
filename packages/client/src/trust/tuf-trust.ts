import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFileAtomic } from '@sigstack/core';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TUF } from '@sigstore/tuf';
import { cjsExports } from '../cjs-exports.js';
import { ClientError } from '../errors.js';

/**
 * Trust from a TUF repository, as `cosign initialize --mirror URL --root FILE` sets it
 * up: the mirror is remembered in the cache directory, and every later command
 * refreshes the metadata from it (or, offline, uses the verified cache) and takes
 * `trusted_root.json` and `signing_config.v0.2.json` from its targets.
 *
 * Our cache lives in `<TUF_ROOT or ~/.sigstore/root>/sigstack`, beside (never inside)
 * cosign's and sigstore-go's, so initialising one client does not disturb another.
 */
export const TRUSTED_ROOT_TARGET = 'trusted_root.json';
export const SIGNING_CONFIG_TARGET = 'signing_config.v0.2.json';
const REMOTE_FILE = 'remote.json';

export function tufCacheDir(env: NodeJS.ProcessEnv): string {
  const base = env['TUF_ROOT'] || join(env['HOME'] || homedir(), '.sigstore', 'root');
  return join(base, 'sigstack');
}

export interface InitializeOptions {
  mirror: string;
  /** The first root.json, trusted on first use: it comes out of band (the stack's trust/root.json). */
  rootPath: string;
  cacheDir: string;
}

/** Sets up the TUF cache from a mirror and its initial root, then checks the targets can be had. */
export async function initializeTuf(opts: InitializeOptions): Promise<{ targets: string[] }> {
  let mirror: URL;
  try {
    mirror = new URL(opts.mirror);
  } catch (cause) {
    throw new ClientError('USAGE', `--mirror: "${opts.mirror}" is not a URL`, { cause });
  }
  if (!existsSync(opts.rootPath)) throw new ClientError('TRUST_INVALID', `--root ${opts.rootPath}: no such file`);
  mkdirSync(opts.cacheDir, { recursive: true });
  const tuf = await openTuf({ mirrorURL: mirror.href.replace(/\/$/, ''), cachePath: opts.cacheDir, rootPath: opts.rootPath, forceInit: true, forceCache: false });
  const targets: string[] = [];
  for (const name of [TRUSTED_ROOT_TARGET, SIGNING_CONFIG_TARGET]) {
    try {
      await tuf.getTarget(name);
      targets.push(name);
    } catch (cause) {
      if (name === TRUSTED_ROOT_TARGET) throw tufError(cause, `the repository at ${mirror.href} has no usable ${name}`);
    }
  }
  writeFileSync(join(opts.cacheDir, REMOTE_FILE), JSON.stringify({ mirror: mirror.href.replace(/\/$/, '') }, null, 2) + '\n');
  return { targets };
}

/** The mirror recorded by initialize, or undefined when this machine was never initialised. */
export function initializedMirror(cacheDir: string): string | undefined {
  const p = join(cacheDir, REMOTE_FILE);
  if (!existsSync(p)) return undefined;
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as { mirror?: unknown };
    return typeof v.mirror === 'string' ? v.mirror : undefined;
  } catch {
    throw new ClientError('TRUST_INVALID', `${p}: unreadable; run initialize again`);
  }
}

/**
 * A target from the initialised TUF repository: refreshed from the mirror, or from the
 * verified cache alone when `offline` (nothing touches the network).
 */
export async function tufTarget(cacheDir: string, name: string, offline: boolean): Promise<string | undefined> {
  const mirror = initializedMirror(cacheDir);
  if (!mirror) return undefined;
  if (isLocalMirror(mirror)) {
    // An air-gap import (seedTufCache): the cache is all there is, and its metadata is
    // still checked (signatures and expiry) on every load. When that fails the TUF
    // client tries the "mirror" and reports a fetch error; say what is really wrong.
    try {
      return await readTufTarget(cacheDir, mirror, name, true);
    } catch (cause) {
      const why = staleCache(localCacheDir(cacheDir, mirror)) ?? (cause as Error).message;
      throw new ClientError('TRUST_INVALID', `the imported trust in ${cacheDir} is unusable: ${why}; import a new trust bundle (sigstack trust import)`, { cause });
    }
  }
  return readTufTarget(cacheDir, mirror, name, offline);
}

async function readTufTarget(cacheDir: string, mirror: string, name: string, forceCache: boolean): Promise<string | undefined> {
  const tuf = await openTuf({ mirrorURL: mirror, cachePath: cacheDir, forceInit: false, forceCache });
  try {
    return await tuf.getTarget(name);
  } catch (cause) {
    if (name !== TRUSTED_ROOT_TARGET && /not found|unknown target/i.test(String((cause as Error).message))) return undefined;
    throw tufError(cause, `TUF target ${name} from ${mirror}`);
  }
}

const isLocalMirror = (mirror: string): boolean => mirror.startsWith('file:');

/** Where @sigstore/tuf keeps the metadata of `mirror` inside `cacheDir`. */
function localCacheDir(cacheDir: string, mirror: string): string {
  const url = new URL(mirror);
  return join(cacheDir, encodeURIComponent(url.host + url.pathname.replace(/\/$/, '')));
}

/** The first cached role that has expired (or is missing), in the order a client reads them. */
function staleCache(repoDir: string): string | undefined {
  for (const role of ['timestamp', 'snapshot', 'targets', 'root']) {
    let expires: unknown;
    try {
      expires = (JSON.parse(readFileSync(join(repoDir, `${role}.json`), 'utf8')) as { signed?: { expires?: unknown } }).signed?.expires;
    } catch {
      return `${role}.json is missing or unreadable`;
    }
    if (typeof expires === 'string' && Date.parse(expires) <= Date.now()) return `${role} expired at ${expires}`;
  }
  return undefined;
}

/** Metadata and targets a caller has already verified from a trusted root (an air-gap trust bundle). */
export interface VerifiedTufFiles {
  /** `file://` URL of the local TUF repository they were installed into. */
  mirror: string;
  /** The latest root, the current timestamp, snapshot and targets, as published. */
  metadata: { root: Uint8Array; timestamp: Uint8Array; snapshot: Uint8Array; targets: Uint8Array };
  /** Target bytes by name. */
  targets: ReadonlyMap<string, Uint8Array>;
}

/**
 * Sets up this client's TUF cache from verified files, with no network: what
 * `initialize` would have left after a refresh from `files.mirror`, in the layout of
 * @sigstore/tuf's cache (`<cacheDir>/<encoded host+path>/{root,timestamp,snapshot,targets}.json`,
 * `targets/<encoded name>`). Every later command loads it with the TUF client, which
 * checks signatures and expiry again; the mirror is remembered last, so a crash part
 * way leaves the client as it was (or uninitialised), never half-initialised.
 */
export function seedTufCache(cacheDir: string, files: VerifiedTufFiles): void {
  const url = new URL(files.mirror);
  if (url.protocol !== 'file:') throw new ClientError('USAGE', `seedTufCache: ${files.mirror} is not a file: URL`);
  const repoDir = localCacheDir(cacheDir, files.mirror);
  rmSync(join(cacheDir, REMOTE_FILE), { force: true });
  rmSync(repoDir, { recursive: true, force: true });
  mkdirSync(join(repoDir, 'targets'), { recursive: true });
  for (const [role, bytes] of Object.entries(files.metadata)) writeFileAtomic(join(repoDir, `${role}.json`), bytes);
  for (const [name, bytes] of files.targets) writeFileAtomic(join(repoDir, 'targets', encodeURIComponent(name)), bytes);
  writeFileAtomic(join(cacheDir, REMOTE_FILE), JSON.stringify({ mirror: files.mirror.replace(/\/$/, '') }, null, 2) + '\n');
}

async function openTuf(opts: { mirrorURL: string; cachePath: string; rootPath?: string; forceInit: boolean; forceCache: boolean }): Promise<TUF> {
  // Loaded on first use: a TUF client brings an HTTP stack that verification from a
  // trusted_root.json file never needs.
  const { initTUF } = cjsExports(await import('@sigstore/tuf'));
  try {
    return await initTUF({ ...opts, timeout: 10_000, retry: { retries: 1 } });
  } catch (cause) {
    throw tufError(cause, `TUF repository ${opts.mirrorURL}`);
  }
}

function tufError(cause: unknown, what: string): ClientError {
  const inner = cause instanceof Error ? cause.message : String(cause);
  return new ClientError('TRUST_INVALID', `${what}: ${inner}`, { cause });
}
