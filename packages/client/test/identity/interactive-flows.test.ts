// The interactive flows against a real OpenID provider (oidc-provider) on 127.0.0.1:
// the test plays the person in a browser (login, consent, device code entry).
import t, { type Test } from 'tap';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ClientError } from '../../src/errors.js';
import { resolveIdentityToken } from '../../src/identity/resolve-identity-token.js';
import type { IdentityTokenOptions } from '../../src/identity/identity-token-options.js';
import {
  Browser, CLIENT_ID, abortInteraction, consent, signIn, startTestProvider, xsrfOf,
} from './test-identity-provider.js';

const op = await startTestProvider();
t.teardown(() => op.close());
const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));

/** Verifies the token as Fulcio would: signature by the provider's key, issuer, audience. */
async function assertIdToken(tt: Test, token: string, subject: string) {
  const { payload } = await jwtVerify(token, jwks, { issuer: op.issuer, audience: CLIENT_ID });
  tt.equal(payload.sub, subject, 'subject is the person who signed in');
  tt.equal(payload['email'], `${subject}@example.test`);
}

async function rejectsIdentity(tt: Test, p: Promise<unknown>, pattern: RegExp) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  tt.ok(err instanceof ClientError, `a ClientError (${String(err)})`);
  tt.equal((err as ClientError).code, 'IDENTITY_TOKEN');
  tt.match((err as Error).message, pattern);
}

/** Options for a person at a terminal, with no ambient credentials anywhere. */
function personOptions(lines: string[], extra: Partial<IdentityTokenOptions> = {}): IdentityTokenOptions {
  return {
    env: {},
    oidcIssuer: op.issuer,
    filesystemTokenPath: '/nonexistent/sigstack-test-token',
    log: (line) => lines.push(line),
    personTimeoutMs: 20_000,
    ...extra,
  };
}

const toLoopback = (u: URL) => u.hostname === '127.0.0.1' && u.pathname === '/auth/callback';

t.test('authorization code + PKCE on a loopback redirect', async (tt) => {
  const lines: string[] = [];
  let person: Promise<unknown> | undefined;
  let callbackPage = '';
  const token = await resolveIdentityToken(
    personOptions(lines, {
      authFlow: 'normal',
      openBrowser: (url) => {
        person = (async () => {
          const browser = new Browser();
          const login = await browser.go(url);
          tt.match(login.text, /name="login"/, 'the provider shows its login page');
          const consentPage = await signIn(browser, login.url, 'alice');
          tt.match(consentPage.text, /name="prompt" value="consent"/, 'then asks for consent');
          const done = await consent(browser, consentPage.url);
          tt.ok(toLoopback(done.url), 'the redirect reached our loopback listener');
          callbackPage = done.text;
        })();
      },
    }),
  );
  await person;
  await assertIdToken(tt, token, 'alice');
  tt.match(callbackPage, /Signed in/, 'the browser gets a short page');
  tt.ok(lines.some((l) => l.startsWith(`${op.issuer}/auth?`)), 'the URL to open is printed');
  const url = new URL(lines.find((l) => l.startsWith(`${op.issuer}/auth?`))!);
  tt.equal(url.searchParams.get('code_challenge_method'), 'S256');
  tt.ok(url.searchParams.get('nonce'), 'a nonce is sent');
  tt.equal(url.searchParams.get('scope'), 'openid email');
  tt.match(url.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/auth\/callback$/);
});

t.test('no browser configured: the URL is printed and the person opens it', async (tt) => {
  const lines: string[] = [];
  const pending = resolveIdentityToken(personOptions(lines, { authFlow: 'normal', env: {} }));
  // Wait for the URL line, as a person reading stderr would.
  let url: string | undefined;
  for (let i = 0; i < 100 && !url; i++) {
    url = lines.find((l) => l.startsWith(`${op.issuer}/auth?`));
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  tt.ok(url, 'URL printed');
  tt.ok(lines.includes('Open this URL in a browser to sign in:'));
  const browser = new Browser();
  const login = await browser.go(url!);
  const consentPage = await signIn(browser, login.url, 'bob');
  await consent(browser, consentPage.url);
  await assertIdToken(tt, await pending, 'bob');
});

t.test('a redirect with the wrong state is refused', async (tt) => {
  let person: Promise<unknown> | undefined;
  const pending = resolveIdentityToken(
    personOptions([], {
      authFlow: 'normal',
      openBrowser: (url) => {
        person = (async () => {
          const browser = new Browser();
          const login = await browser.go(url);
          const consentPage = await signIn(browser, login.url, 'mallory');
          const stop = await consent(browser, consentPage.url, toLoopback);
          tt.ok(stop.stopped, 'stopped before the loopback');
          // An attacker's (or a stale tab's) redirect: a real code, another state.
          stop.url.searchParams.set('state', 'not-the-state-we-sent');
          const res = await fetch(stop.url);
          tt.equal(res.status, 400, 'the browser is told the sign-in failed');
          tt.match(await res.text(), /state/);
        })();
      },
    }),
  );
  await rejectsIdentity(tt, pending, /state mismatch/);
  await person;
});

t.test('the person refuses consent: the provider says access_denied', async (tt) => {
  let person: Promise<unknown> | undefined;
  const pending = resolveIdentityToken(
    personOptions([], {
      authFlow: 'normal',
      openBrowser: (url) => {
        person = (async () => {
          const browser = new Browser();
          const login = await browser.go(url);
          const consentPage = await signIn(browser, login.url, 'carol');
          const done = await abortInteraction(browser, consentPage.url);
          tt.ok(toLoopback(done.url), 'the refusal is redirected to the loopback');
          tt.equal(done.status, 400);
        })();
      },
    }),
  );
  await rejectsIdentity(tt, pending, /refused the sign-in: access_denied/);
  await person;
});

t.test('a browser that fails to open is not an error', async (tt) => {
  const lines: string[] = [];
  let url = '';
  const pending = resolveIdentityToken(
    personOptions(lines, {
      authFlow: 'normal',
      openBrowser: (u) => {
        url = u;
        throw new Error('no display');
      },
    }),
  );
  while (!url) await new Promise((r) => setTimeout(r, 20));
  const browser = new Browser();
  const login = await browser.go(url);
  const consentPage = await signIn(browser, login.url, 'dave');
  await consent(browser, consentPage.url);
  await assertIdToken(tt, await pending, 'dave');
  tt.ok(lines.some((l) => /could not open a browser \(no display\)/.test(l)));
});

t.test('the person never comes back: timeout', async (tt) => {
  await rejectsIdentity(tt, resolveIdentityToken(personOptions([], { authFlow: 'normal', personTimeoutMs: 300 })), /no answer within/);
});

/** Plays the person on the device flow: reads the printed code, enters it, signs in, consents. */
async function personOnDevice(lines: string[], login: string, opts: { refuse?: boolean } = {}) {
  let line: string | undefined;
  for (let i = 0; i < 200 && !line; i++) {
    line = lines.find((l) => l.startsWith('Enter the verification code'));
    if (!line) await new Promise((r) => setTimeout(r, 25));
  }
  const m = /^Enter the verification code (\S+) in your browser at: (\S+)$/.exec(line ?? '');
  if (!m) throw new Error(`no device code line in ${JSON.stringify(lines)}`);
  const [, userCode, verificationUri] = m;
  const browser = new Browser();
  const form = await browser.go(verificationUri!);
  const confirmPage = await browser.go(verificationUri!, { form: { xsrf: xsrfOf(form.text), user_code: userCode! } });
  const loginPage = await browser.go(verificationUri!, {
    form: { xsrf: xsrfOf(confirmPage.text), user_code: userCode!, confirm: 'yes' },
  });
  const consentPage = await signIn(browser, loginPage.url, login);
  if (opts.refuse) return abortInteraction(browser, consentPage.url);
  return consent(browser, consentPage.url);
}

t.test('device authorization grant', async (tt) => {
  const lines: string[] = [];
  const pending = resolveIdentityToken(personOptions(lines, { interactive: false }));
  const done = await personOnDevice(lines, 'erin');
  tt.match(done.text, /Sign-in Success/, 'the provider confirms to the person');
  await assertIdToken(tt, await pending, 'erin');
  tt.ok(lines.includes('Non-interactive mode detected, using device flow.'), 'no terminal: device flow, as cosign');
  tt.ok(lines.some((l) => /^Code will be valid for \d+ seconds$/.test(l)));
  tt.ok(lines.includes('Token received!'));
});

t.test('device flow: slow_down adds 5 seconds to the interval', async (tt) => {
  const lines: string[] = [];
  op.knobs.deviceTokenPolls = [];
  op.knobs.slowDownNext = true;
  const pending = resolveIdentityToken(personOptions(lines, { authFlow: 'device' }));
  await personOnDevice(lines, 'frank');
  await assertIdToken(tt, await pending, 'frank');
  const [first, second] = op.knobs.deviceTokenPolls;
  tt.ok(first !== undefined && second !== undefined, 'polled at least twice');
  tt.ok(second! - first! >= 5_900, `second poll ${second! - first!} ms after the slow_down (interval 1 s + 5 s)`);
});

t.test('device flow: the person refuses', async (tt) => {
  const lines: string[] = [];
  const pending = resolveIdentityToken(personOptions(lines, { authFlow: 'device' }));
  await personOnDevice(lines, 'grace', { refuse: true });
  await rejectsIdentity(tt, pending, /refused the sign-in: access_denied/);
});

t.test('device flow: the code expires before anyone confirms', async (tt) => {
  op.knobs.deviceCodeTtl = 1;
  t.teardown(() => {
    op.knobs.deviceCodeTtl = 600;
  });
  const lines: string[] = [];
  await rejectsIdentity(tt, resolveIdentityToken(personOptions(lines, { authFlow: 'device' })), /device code expired.*expired_token/);
  tt.ok(lines.includes('Code will be valid for 1 seconds'));
});

t.test('provider unreachable or not a provider', async (tt) => {
  await rejectsIdentity(
    tt,
    resolveIdentityToken({ env: {}, oidcIssuer: 'http://127.0.0.1:9/', authFlow: 'device', filesystemTokenPath: '/nonexistent/x', log: () => {} }),
    /discovering the OpenID provider http:\/\/127\.0\.0\.1:9\//,
  );
  await rejectsIdentity(
    tt,
    resolveIdentityToken({ env: {}, oidcIssuer: 'http://idp.example.test', authFlow: 'device', filesystemTokenPath: '/nonexistent/x', log: () => {} }),
    /must use https/,
  );
});
