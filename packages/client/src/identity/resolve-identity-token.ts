import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ClientError } from '../errors.js';
import { provideAmbientToken } from './ambient-providers.js';
import { readExplicitToken } from './explicit-token.js';
import {
  DEFAULT_AMBIENT_TIMEOUT_MS,
  DEFAULT_OIDC_CLIENT_ID,
  DEFAULT_OIDC_REDIRECT_URL,
  DEFAULT_PERSON_TIMEOUT_MS,
  FILESYSTEM_TOKEN_PATH,
  type IdentityTokenOptions,
  type OidcAuthFlow,
} from './identity-token-options.js';

/**
 * The identity token for keyless signing, from the first source that has one, in
 * cosign's order (cosign `internal/auth.RetrieveIDToken`):
 *  1. `--identity-token` (the token, or a file holding it);
 *  2. unless `--oidc-disable-ambient-providers`: the ambient providers, in order
 *     GitHub Actions, Buildkite, SIGSTORE_ID_TOKEN, the token file at
 *     /var/run/sigstore/cosign/oidc-token (or only `--oidc-provider`'s);
 *  3. a person signing in at `--oidc-issuer`: authorization code + PKCE on a loopback
 *     redirect, or the device authorization grant (`--fulcio-auth-flow`).
 * Returns the raw ID token; Fulcio verifies it. Every failure is a ClientError
 * IDENTITY_TOKEN naming what failed.
 */
export async function resolveIdentityToken(opts: IdentityTokenOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => void process.stderr.write(line + '\n'));
  const fetchImpl = opts.fetch ?? globalThis.fetch;

  if (opts.identityToken !== undefined && opts.identityToken !== '') {
    return readExplicitToken(opts.identityToken);
  }

  if (!opts.oidcDisableAmbientProviders) {
    const ambient = await provideAmbientToken(
      {
        env,
        fetch: fetchImpl,
        timeoutMs: opts.ambientTimeoutMs ?? DEFAULT_AMBIENT_TIMEOUT_MS,
        filesystemTokenPath: opts.filesystemTokenPath ?? FILESYSTEM_TOKEN_PATH,
        log,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      opts.oidcProvider,
    );
    if (ambient) return ambient.token;
  }

  if (opts.oidcIssuer === undefined || opts.oidcIssuer === '') {
    throw new ClientError(
      'IDENTITY_TOKEN',
      'no identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, run where an ambient provider is available (GitHub Actions, Buildkite), or give --oidc-issuer to sign in',
    );
  }

  const flow = chooseFlow(opts, log);
  const clientSecret = opts.oidcClientSecretFile ? await readClientSecret(opts.oidcClientSecretFile) : undefined;
  // The interactive flows (and openid-client under them) load only when a person signs
  // in: a pipeline with a token never pays for them.
  const { discoverProvider } = await import('./oidc-configuration.js');
  const config = await discoverProvider({
    issuer: opts.oidcIssuer,
    clientId: opts.oidcClientId || DEFAULT_OIDC_CLIENT_ID,
    fetch: fetchImpl,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
  });
  const timeoutMs = opts.personTimeoutMs ?? DEFAULT_PERSON_TIMEOUT_MS;
  const signal = opts.signal ? { signal: opts.signal } : {};
  if (flow === 'device') {
    const { deviceFlow } = await import('./device-flow.js');
    return deviceFlow({ config, log, timeoutMs, ...signal });
  }
  const openBrowser = opts.openBrowser ?? browserFromEnv(env);
  const { loopbackFlow } = await import('./loopback-flow.js');
  return loopbackFlow({
    config,
    redirectUrl: opts.oidcRedirectUrl || DEFAULT_OIDC_REDIRECT_URL,
    log,
    timeoutMs,
    ...signal,
    ...(openBrowser ? { openBrowser } : {}),
  });
}

/** cosign's rule: the flow asked for; else the loopback flow for a terminal, the device flow otherwise. */
function chooseFlow(opts: IdentityTokenOptions, log: (line: string) => void): OidcAuthFlow {
  if (opts.authFlow !== undefined) {
    if (opts.authFlow !== 'normal' && opts.authFlow !== 'device') {
      throw new ClientError('IDENTITY_TOKEN', `unsupported oauth flow: ${String(opts.authFlow)} (normal or device)`);
    }
    return opts.authFlow;
  }
  const interactive = opts.interactive ?? process.stdin.isTTY === true;
  if (interactive) return 'normal';
  log('Non-interactive mode detected, using device flow.');
  return 'device';
}

/** `--oidc-client-secret-file`, as cosign reads it: UTF-8, surrounding whitespace trimmed. */
async function readClientSecret(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `reading OIDC client secret ${path}: ${(e as Error).message}`, { cause: e });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `OIDC client secret in file ${path} not valid utf8`, { cause: e });
  }
  return text.trim();
}

/** `$BROWSER <url>` when BROWSER is set; a browser that cannot start is only logged by the flow. */
function browserFromEnv(env: Record<string, string | undefined>): ((url: string) => Promise<void>) | undefined {
  const browser = env['BROWSER'];
  if (browser === undefined || browser === '') return undefined;
  return (url) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(browser, [url], { stdio: 'ignore', detached: true });
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
}
