import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const tuf = await openTuf({ mirrorURL: mirror, cachePath: cacheDir, forceInit: false, forceCache: offline });
  try {
    return await tuf.getTarget(name);
  } catch (cause) {
    if (name !== TRUSTED_ROOT_TARGET && /not found|unknown target/i.test(String((cause as Error).message))) return undefined;
    throw tufError(cause, `TUF target ${name} from ${mirror}`);
  }
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
