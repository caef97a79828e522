// An in-process OpenID provider (oidc-provider v9, the certified Node implementation)
// on 127.0.0.1 for the interactive flow tests, and a scripted "person" that drives its
// development interactions (login, consent, device code entry) over plain HTTP.
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'sigstore';

export interface TestProviderKnobs {
  /** Device code lifetime in seconds. */
  deviceCodeTtl: number;
  /** `interval` announced in device authorization responses (oidc-provider sends none: RFC default 5 s). */
  deviceInterval: number | undefined;
  /** Answer the next token request with slow_down. */
  slowDownNext: boolean;
  /** Times (ms) of device code token requests, to check the polling rhythm. */
  deviceTokenPolls: number[];
}

export interface TestProvider {
  issuer: string;
  knobs: TestProviderKnobs;
  close(): Promise<void>;
}

export async function startTestProvider(): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const knobs: TestProviderKnobs = { deviceCodeTtl: 600, deviceInterval: 1, slowDownNext: false, deviceTokenPolls: [] };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'test' };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        // A public native client, as sigstore's is: PKCE, loopback redirects on any port (RFC 8252 §7.3).
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/auth/callback'],
        grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['identity-test-cookie-key'] },
    features: { devInteractions: { enabled: true }, deviceFlow: { enabled: true } },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // As Dex and the public Sigstore issuer do: the email claim in the ID token itself.
    conformIdTokenClaims: false,
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.test`, email_verified: true }),
    }),
    ttl: { DeviceCode: () => knobs.deviceCodeTtl },
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  // Test-only shaping of the real provider's answers: a short polling interval so a
  // device flow takes a second instead of five, and a slow_down on demand.
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/token') {
      knobs.deviceTokenPolls.push(Date.now());
      if (knobs.slowDownNext) {
        knobs.slowDownNext = false;
        ctx.status = 400;
        ctx.set('cache-control', 'no-store');
        ctx.body = { error: 'slow_down', error_description: 'polling too fast' };
        return;
      }
    }
    await next();
    if (ctx.path === '/device/auth' && knobs.deviceInterval !== undefined && typeof ctx.body === 'object' && ctx.body !== null) {
      (ctx.body as Record<string, unknown>)['interval'] = knobs.deviceInterval;
    }
  });
  server.on('request', provider.callback());
  return {
    issuer,
    knobs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A person's browser: follows redirects by hand, keeps cookies (name → value, every path). */
export class Browser {
  private readonly cookies = new Map<string, string>();

  /**
   * Requests `url` and follows redirects until a page, or until `stopAt` says the next
   * location is not to be followed (then that location is returned unvisited).
   */
  async go(
    url: string,
    init: { form?: Record<string, string>; stopAt?: (location: URL) => boolean } = {},
  ): Promise<{ url: URL; status: number; text: string; stopped: boolean }> {
    let current = new URL(url);
    let form = init.form;
    for (let hops = 0; hops < 20; hops++) {
      const headers: Record<string, string> = {};
      if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(current, {
        method: form ? 'POST' : 'GET',
        headers,
        redirect: 'manual',
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      });
      for (const c of res.headers.getSetCookie()) this.keep(c);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = new URL(location, current);
        if (init.stopAt?.(next)) return { url: next, status: res.status, text: '', stopped: true };
        current = next;
        form = undefined;
        continue;
      }
      return { url: current, status: res.status, text: await res.text(), stopped: false };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  private keep(setCookie: string): void {
    const [pair, ...attrs] = setCookie.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k, v] = a.split('=');
      return k?.trim().toLowerCase() === 'expires' && v !== undefined && Date.parse(v) < Date.now();
    });
    if (value === '' || expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** On an oidc-provider development login page: sign in as `login`. */
export async function signIn(browser: Browser, page: URL, login: string) {
  return browser.go(page.href, { form: { prompt: 'login', login, password: 'any' } });
}

/** On an oidc-provider development consent page: grant it. */
export async function consent(browser: Browser, page: URL, stopAt?: (location: URL) => boolean) {
  return browser.go(page.href, { form: { prompt: 'consent' }, ...(stopAt ? { stopAt } : {}) });
}

/** On an oidc-provider development interaction page: abort it (the person says no). */
export async function abortInteraction(browser: Browser, page: URL, stopAt?: (location: URL) => boolean) {
  return browser.go(`${page.href}/abort`, stopAt ? { stopAt } : {});
}

/** The hidden xsrf value of an oidc-provider device form. */
export function xsrfOf(html: string): string {
  const m = /name="xsrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no xsrf field in page: ${html.slice(0, 200)}`);
  return m[1]!;
}
