import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { ClientError } from '../errors.js';
import { servicesFromSigningConfig, type SigningServices } from './signing-config.js';
import { parseTrustedRoot, readBoundedFile, readTrustedRootFile, trustedRootFromLegacyEnv } from './trusted-root.js';
import { SIGNING_CONFIG_TARGET, TRUSTED_ROOT_TARGET, tufCacheDir, tufTarget } from './tuf-trust.js';

export interface TrustOptions {
  /** `--trusted-root FILE` (cosign 3). */
  trustedRootPath?: string;
  /** SIGSTORE_ROOT_FILE & co. (cosign 2), TUF_ROOT, HOME. */
  env: NodeJS.ProcessEnv;
  /** Touch no network: TUF from the verified cache only. */
  offline?: boolean;
}

/**
 * Where verification takes its trust from, in cosign's order: `--trusted-root`, else
 * cosign 2's SIGSTORE_* files, else the TUF repository set up by `initialize`. There is
 * no public-good default: a private stack must say which root it trusts.
 */
export async function resolveTrustedRoot(opts: TrustOptions): Promise<TrustedRoot> {
  if (opts.trustedRootPath) return readTrustedRootFile(opts.trustedRootPath);
  const legacy = trustedRootFromLegacyEnv(opts.env);
  if (legacy) return legacy;
  const cacheDir = tufCacheDir(opts.env);
  const text = await tufTarget(cacheDir, TRUSTED_ROOT_TARGET, opts.offline ?? false);
  if (text !== undefined) return parseTrustedRoot(text, `TUF target ${TRUSTED_ROOT_TARGET}`);
  throw new ClientError(
    'TRUST_INVALID',
    'no trusted root: pass --trusted-root FILE, set SIGSTORE_ROOT_FILE/SIGSTORE_REKOR_PUBLIC_KEY, or run "sigstack initialize --mirror URL --root root.json" once',
  );
}

export interface ServiceOptions {
  /** `--signing-config FILE` (cosign 3). */
  signingConfigPath?: string;
  /** cosign 3's `--use-signing-config` (default true); false means: only the URL flags. */
  useSigningConfig?: boolean;
  /** cosign 2's `--fulcio-url`, `--rekor-url`, `--timestamp-server-url`. */
  fulcioUrl?: string;
  rekorUrl?: string;
  timestampServerUrl?: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Where signing sends its requests. The URL flags win, service by service (cosign 2's
 * way, and cosign 3's with `--use-signing-config=false`); the rest comes from
 * `--signing-config` or from the TUF repository's signing config.
 */
export async function resolveSigningServices(opts: ServiceOptions): Promise<SigningServices> {
  let base: SigningServices = {};
  const anyFlag = opts.fulcioUrl || opts.rekorUrl || opts.timestampServerUrl;
  if (opts.signingConfigPath) {
    base = servicesFromSigningConfig(readBoundedFile(opts.signingConfigPath, 'signing config'), opts.signingConfigPath);
  } else if (opts.useSigningConfig !== false && !anyFlag) {
    const text = await tufTarget(tufCacheDir(opts.env), SIGNING_CONFIG_TARGET, false);
    if (text !== undefined) base = servicesFromSigningConfig(text, `TUF target ${SIGNING_CONFIG_TARGET}`);
  }
  const out: SigningServices = { ...base };
  if (opts.fulcioUrl) out.fulcioUrl = checkUrl(opts.fulcioUrl, '--fulcio-url');
  if (opts.rekorUrl) out.rekor = { url: checkUrl(opts.rekorUrl, '--rekor-url'), majorApiVersion: 1 };
  if (opts.timestampServerUrl) out.tsaUrl = checkUrl(opts.timestampServerUrl, '--timestamp-server-url');
  return out;
}

function checkUrl(value: string, flag: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ClientError('USAGE', `${flag}: "${value}" is not an http(s) URL`);
  }
  return value.replace(/\/+$/, '');
}
