import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A proxy address nothing listens on. Go clients never proxy loopback (net/http's
 * ProxyFromEnvironment skips localhost and 127.0.0.1), so our stack and registry are
 * reached directly, while any attempt to reach the public Sigstore (TUF CDN, rekor.sigstore.dev)
 * fails at once with "proxyconnect ... connection refused" instead of hanging, and
 * client-run.ts turns that message into a test failure.
 */
export const DEAD_PROXY = 'http://127.0.0.1:9';

/**
 * Environment for one real client run: HOME, TUF_ROOT and the XDG dirs point into
 * `dir`, so nothing reads or writes the user's ~/.sigstore, ~/.rekor, ~/.docker, and
 * every SIGSTORE_*, COSIGN_*, TUF_* and REKOR_* variable of the calling shell is
 * cleared so only what the test sets applies. COSIGN_PASSWORD is '' (unencrypted
 * test keys, no prompt). Non-loopback HTTP(S) goes to DEAD_PROXY.
 */
export function clientEnv(dir: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const env: Record<string, string | undefined> = {};
  for (const k of Object.keys(process.env))
    if (/^(SIGSTORE_|COSIGN_|TUF_|REKOR_|DOCKER_CONFIG$|(HTTPS?|NO)_PROXY$|(https?|no)_proxy$)/.test(k)) env[k] = undefined;
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TUF_ROOT: join(dir, 'tuf-root'),
    COSIGN_PASSWORD: '',
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
    NO_PROXY: '',
    no_proxy: '',
    ...extra,
  };
}
