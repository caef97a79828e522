import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { ClientError } from '../errors.js';
import { OIDC_SCOPES } from './identity-token-options.js';
import { describeOidcError, oauthErrorCode } from './oidc-configuration.js';

export interface LoopbackFlowOptions {
  config: oidc.Configuration;
  /** The redirect URL to listen on; port 0 or none picks a free port. */
  redirectUrl: string;
  log: (line: string) => void;
  openBrowser?: (url: string) => Promise<void> | void;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The callback's outcome, before the code is exchanged. */
interface Callback {
  url: URL;
  res: ServerResponse;
}

function page(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  const body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>sigstack</title></head><body><p>${message}</p></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  res.end(body);
}

async function listen(redirect: URL): Promise<{ server: Server; redirectUri: string }> {
  const server = createServer();
  const host = redirect.hostname === 'localhost' ? '127.0.0.1' : redirect.hostname.replace(/^\[|\]$/g, '');
  const port = redirect.port === '' ? 0 : Number(redirect.port);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    throw new ClientError('IDENTITY_TOKEN', `cannot listen for the sign-in redirect on ${host}:${port}: ${(e as Error).message}`, { cause: e });
  });
  const actual = (server.address() as AddressInfo).port;
  const uri = new URL(redirect.href);
  uri.port = String(actual);
  return { server, redirectUri: uri.href };
}

/**
 * Authorization code flow with PKCE (S256), state and nonce, the redirect received on
 * a loopback listener (RFC 8252): sigstore's InteractiveIDTokenGetter, without its
 * out-of-band fallback (providers dropped `urn:ietf:wg:oauth:2.0:oob`). The URL is
 * printed for the person; a browser is opened only if one is configured, and failing
 * to open one is not an error. A redirect with the wrong state ends the flow (an
 * answer we did not ask for is an attack or a stale tab, never something to wait past).
 */
export async function loopbackFlow(opts: LoopbackFlowOptions): Promise<string> {
  let redirect: URL;
  try {
    redirect = new URL(opts.redirectUrl);
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `--oidc-redirect-url ${opts.redirectUrl} is not a URL`, { cause: e });
  }
  if (redirect.protocol !== 'http:') {
    throw new ClientError('IDENTITY_TOKEN', `--oidc-redirect-url ${opts.redirectUrl}: the loopback redirect must be http://`);
  }
  const { server, redirectUri } = await listen(redirect);
  const callbackPath = new URL(redirectUri).pathname;
  try {
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    const authUrl = oidc.buildAuthorizationUrl(opts.config, {
      redirect_uri: redirectUri,
      scope: OIDC_SCOPES,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    }).href;

    const callback = new Promise<Callback>((resolve) => {
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? '/', redirectUri);
        if (req.method !== 'GET' || url.pathname !== callbackPath) {
          page(res, 404, 'Not found.');
          return;
        }
        resolve({ url, res });
      });
    });

    if (opts.openBrowser) {
      opts.log('Your browser will now be opened to:');
      opts.log(authUrl);
      try {
        await opts.openBrowser(authUrl);
      } catch (e) {
        opts.log(`could not open a browser (${(e as Error).message}): open the URL above yourself`);
      }
    } else {
      opts.log('Open this URL in a browser to sign in:');
      opts.log(authUrl);
    }

    const { url, res } = await withDeadline(callback, opts.timeoutMs, opts.signal, 'waiting for the sign-in redirect');
    try {
      if (url.searchParams.get('state') !== state) {
        throw new ClientError('IDENTITY_TOKEN', 'the sign-in redirect carried a state that does not match the one sent (state mismatch): refused');
      }
      const refused = url.searchParams.get('error');
      if (refused !== null) {
        const description = url.searchParams.get('error_description');
        throw new ClientError('IDENTITY_TOKEN', `the identity provider refused the sign-in: ${refused}${description ? ` (${description})` : ''}`);
      }
      let tokens;
      try {
        tokens = await oidc.authorizationCodeGrant(opts.config, url, {
          pkceCodeVerifier: verifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
      } catch (e) {
        const code = oauthErrorCode(e);
        throw new ClientError(
          'IDENTITY_TOKEN',
          code !== undefined
            ? `the identity provider refused the authorization code: ${describeOidcError(e)}`
            : `exchanging the authorization code: ${describeOidcError(e)}`,
          { cause: e },
        );
      }
      if (typeof tokens.id_token !== 'string' || tokens.id_token === '') {
        throw new ClientError('IDENTITY_TOKEN', 'the identity provider answered no id_token');
      }
      page(res, 200, 'Signed in. You may close this page and return to the terminal.');
      return tokens.id_token;
    } catch (e) {
      page(res, 400, `Sign-in failed: ${escapeHtml((e as Error).message)}`);
      throw e;
    }
  } finally {
    // Stop listening now; give the browser a moment to read its page before the
    // remaining connections are cut.
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Resolves with `p`, or rejects with IDENTITY_TOKEN when the person takes too long or the caller aborts. */
export async function withDeadline<T>(p: Promise<T>, timeoutMs: number, signal: AbortSignal | undefined, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClientError('IDENTITY_TOKEN', `${what}: no answer within ${formatDuration(timeoutMs)}`)), timeoutMs);
    if (signal) {
      onAbort = () => reject(new ClientError('IDENTITY_TOKEN', `${what}: cancelled`, { cause: signal.reason }));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([p, stop]);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** "300 ms", "5 s": for timeout messages. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}
