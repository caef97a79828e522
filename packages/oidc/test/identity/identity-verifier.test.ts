import t, { type Test } from 'tap';
import { createHmac, createPublicKey } from 'node:crypto';
import { parseFulcioConfig } from '../../src/config/fulcio-config.js';
import { createIdentityVerifier } from '../../src/identity/identity-verifier.js';
import { OidcError } from '../../src/errors.js';
import { b64url, makeKey, manualClock, startFakeIdp, type FakeIdp } from './fake-idp.js';

async function setup(t: Test, idpOpts: Parameters<typeof startFakeIdp>[0] = {}, extra: Record<string, unknown> = {}) {
  const idp = await startFakeIdp(idpOpts);
  t.teardown(() => idp.close());
  const clock = manualClock();
  const config = parseFulcioConfig({
    OIDCIssuers: { [idp.url]: { IssuerURL: idp.url, ClientID: 'sigstore', Type: 'email', ...extra } },
  });
  const verifier = createIdentityVerifier(config, { clock, discoveryTimeoutMs: 2000 });
  const mint = (claims: Record<string, unknown> = {}, o: Parameters<FakeIdp['mint']>[1] = {}) =>
    idp.mint({ sub: 'alice-sub', email: 'alice@example.com', email_verified: true, ...claims }, { nowSeconds: clock.now() / 1000, ...o });
  return { idp, clock, verifier, mint };
}

const rejectsCode = async (tt: Test, p: Promise<unknown>, code: string, message?: RegExp) => {
  try {
    await p;
    tt.fail(`expected ${code}, got success`);
  } catch (e) {
    tt.ok(e instanceof OidcError, 'a OidcError');
    tt.equal((e as OidcError).code, code, (e as Error).message);
    if (message) tt.match((e as Error).message, message);
  }
};

t.test('email issuer: RS256 and ES256 tokens map to an email principal', async (t) => {
  const { verifier, mint, idp } = await setup(t);
  for (const key of idp.keys) {
    const p = await verifier.verify(await mint({}, { key }));
    t.equal(p.challenge, 'alice@example.com');
    t.same(p.san, { type: 'email', value: 'alice@example.com' });
    t.same(p.extensions, [
      { oid: '1.3.6.1.4.1.57264.1.1', encoding: 'raw', value: idp.url },
      { oid: '1.3.6.1.4.1.57264.1.8', encoding: 'utf8', value: idp.url },
      { oid: '1.3.6.1.4.1.57264.1.24', encoding: 'utf8', value: 'alice-sub' },
    ]);
    t.equal(p.issuer, idp.url);
  }
});

t.test('email_verified may be the string "true"; "false" and absence are refused', async (t) => {
  const { verifier, mint } = await setup(t);
  t.equal((await verifier.verify(await mint({ email_verified: 'true' }))).challenge, 'alice@example.com');
  await rejectsCode(t, verifier.verify(await mint({ email_verified: 'false' })), 'CLAIMS_INVALID', /email alice@example.com is not verified/);
  await rejectsCode(t, verifier.verify(await mint({ email_verified: undefined })), 'CLAIMS_INVALID');
  await rejectsCode(t, verifier.verify(await mint({ email_verified: false })), 'CLAIMS_INVALID');
});

t.test('SkipEmailVerification accepts unverified email', async (t) => {
  const { verifier, mint } = await setup(t, {}, { SkipEmailVerification: true });
  t.equal((await verifier.verify(await mint({ email_verified: false }))).challenge, 'alice@example.com');
});

t.test('email: missing or malformed email claim', async (t) => {
  const { verifier, mint } = await setup(t);
  await rejectsCode(t, verifier.verify(await mint({ email: undefined })), 'CLAIMS_INVALID', /no email claim/);
  await rejectsCode(t, verifier.verify(await mint({ email: 'not an email' })), 'CLAIMS_INVALID');
  await rejectsCode(t, verifier.verify(await mint({ email: 42 })), 'CLAIMS_INVALID');
});

t.test('IssuerClaim puts the federated connector in 1.1/1.8', async (t) => {
  const { verifier, mint } = await setup(t, {}, { IssuerClaim: '$.federated_claims.connector_id' });
  const p = await verifier.verify(await mint({ federated_claims: { connector_id: 'https://github.com/login/oauth', user_id: '1' } }));
  t.equal(p.extensions[0]!.value, 'https://github.com/login/oauth');
  t.equal(p.extensions[1]!.value, 'https://github.com/login/oauth');
  await rejectsCode(t, verifier.verify(await mint()), 'CLAIMS_INVALID', /federated_claims/);
});

t.test('time checks with a 60 s leeway', async (t) => {
  const { verifier, mint, clock } = await setup(t);
  const now = clock.now() / 1000;
  await rejectsCode(t, verifier.verify(await mint({ exp: now - 61, iat: now - 400 })), 'TOKEN_EXPIRED', /expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  t.ok(await verifier.verify(await mint({ exp: now - 30, iat: now - 400 })), 'within leeway');
  await rejectsCode(t, verifier.verify(await mint({ nbf: now + 120 })), 'TOKEN_NOT_YET_VALID', /not valid before/);
  t.ok(await verifier.verify(await mint({ nbf: now + 30 })), 'nbf within leeway');
  await rejectsCode(t, verifier.verify(await mint({ iat: now + 120 })), 'TOKEN_NOT_YET_VALID', /issued in the future/);
  await rejectsCode(t, verifier.verify(await mint({ exp: undefined })), 'TOKEN_INVALID', /no exp claim/);
  // the injected clock is what counts
  const tok = await mint();
  clock.advance(301 + 60);
  await rejectsCode(t, verifier.verify(tok), 'TOKEN_EXPIRED');
});

t.test('audience must contain the ClientID', async (t) => {
  const { verifier, mint } = await setup(t);
  await rejectsCode(t, verifier.verify(await mint({ aud: 'x' })), 'WRONG_AUDIENCE', /audience \["x"\] does not contain sigstore/);
  t.ok(await verifier.verify(await mint({ aud: ['x', 'sigstore'] })), 'aud array containing sigstore');
});

t.test('untrusted issuer', async (t) => {
  const { verifier, mint } = await setup(t);
  await rejectsCode(t, verifier.verify(await mint({ iss: 'https://evil.example' })), 'ISSUER_UNTRUSTED', /issuer https:\/\/evil\.example is not trusted/);
  // trailing-slash variants are different issuers (exact match)
  const { idp } = await setup(t);
  await rejectsCode(t, verifier.verify(await mint({ iss: idp.url + '/' })), 'ISSUER_UNTRUSTED');
});

t.test('unknown kid: one refresh after the cooldown, no hammering', async (t) => {
  const { verifier, mint, idp, clock } = await setup(t);
  await verifier.verify(await mint());
  t.equal(idp.counts.jwks, 1);
  const stranger = await makeKey('stranger', 'RS256');
  clock.advance(11);
  await rejectsCode(t, verifier.verify(await mint({}, { key: stranger })), 'UNKNOWN_KEY_ID', /stranger/);
  t.equal(idp.counts.jwks, 2, 'refreshed once');
  await rejectsCode(t, verifier.verify(await mint({}, { key: stranger })), 'UNKNOWN_KEY_ID');
  await rejectsCode(t, verifier.verify(await mint({}, { key: stranger })), 'UNKNOWN_KEY_ID');
  t.equal(idp.counts.jwks, 2, 'no refetch within the cooldown');
});

t.test('JWKS fetched once for many tokens, refetched on key rotation', async (t) => {
  const { verifier, mint, idp, clock } = await setup(t);
  for (let i = 0; i < 20; i++) await verifier.verify(await mint({ sub: `s${i}` }));
  await Promise.all(Array.from({ length: 10 }, async () => verifier.verify(await mint())));
  t.equal(idp.counts.discovery, 1);
  t.equal(idp.counts.jwks, 1);
  const rotated = await makeKey('rsa-2', 'RS256');
  idp.state.jwks = { keys: [rotated.publicJwk] };
  clock.advance(30);
  t.ok(await verifier.verify(await mint({}, { key: rotated })), 'new key picked up');
  t.equal(idp.counts.jwks, 2);
  await verifier.verify(await mint({}, { key: rotated }));
  t.equal(idp.counts.jwks, 2);
  t.same(verifier.stats(idp.url), { discoveryFetches: 1, jwksFetches: 2 });
});

t.test('alg none, HS256 with the public key as secret, forged signature', async (t) => {
  const { verifier, mint, idp, clock } = await setup(t);
  const now = Math.floor(clock.now() / 1000);
  const claims = { iss: idp.url, aud: 'sigstore', sub: 's', email: 'alice@example.com', email_verified: true, iat: now, exp: now + 300 };

  await rejectsCode(t, verifier.verify(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`), 'TOKEN_INVALID');
  await rejectsCode(t, verifier.verify(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.AAAA`), 'TOKEN_INVALID', /none/);

  // The classic key-confusion attack: HMAC keyed with the RSA public key PEM.
  const pem = createPublicKey({ key: idp.keys[0]!.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const signingInput = `${b64url({ alg: 'HS256', kid: 'rsa-1', typ: 'JWT' })}.${b64url(claims)}`;
  const mac = createHmac('sha256', pem).update(signingInput).digest('base64url');
  await rejectsCode(t, verifier.verify(`${signingInput}.${mac}`), 'TOKEN_INVALID', /HS256/);

  // Forged: valid token, payload swapped for another identity.
  const good = await mint();
  const [h, , s] = good.split('.');
  const forged = `${h}.${b64url({ ...claims, email: 'mallory@example.com' })}.${s}`;
  await rejectsCode(t, verifier.verify(forged), 'TOKEN_INVALID', /signature/);
  // Signature from another key under a known kid.
  const impostor = await makeKey('rsa-1', 'RS256');
  await rejectsCode(t, verifier.verify(await mint({}, { key: impostor })), 'TOKEN_INVALID', /signature/);
});

t.test('alg not in the discovery list; default RS256 only when none is listed', async (t) => {
  const ps = await makeKey('ps-1', 'PS256');
  {
    const { verifier, mint, idp } = await setup(t, { algs: ['RS256'] });
    await rejectsCode(t, verifier.verify(await mint({}, { key: idp.keys[1] })), 'TOKEN_INVALID', /only signs with RS256/);
    idp.state.jwks.keys.push(ps.publicJwk);
    await rejectsCode(t, verifier.verify(await mint({}, { key: ps })), 'TOKEN_INVALID');
  }
  {
    const { verifier, mint, idp } = await setup(t, { algs: null });
    t.ok(await verifier.verify(await mint()), 'RS256 by default');
    await rejectsCode(t, verifier.verify(await mint({}, { key: idp.keys[1] })), 'TOKEN_INVALID', /ES256/);
  }
});

t.test('discovery problems are DISCOVERY_FAILED', async (t) => {
  {
    const { verifier, mint, idp } = await setup(t);
    idp.state.discovery = { ...idp.state.discovery, issuer: 'https://other.example' };
    await rejectsCode(t, verifier.verify(await mint()), 'DISCOVERY_FAILED', /names issuer "https:\/\/other\.example"/);
  }
  {
    const { verifier, mint, idp, clock } = await setup(t);
    idp.state.discoveryStatus = 500;
    await rejectsCode(t, verifier.verify(await mint()), 'DISCOVERY_FAILED', /HTTP 500/);
    await rejectsCode(t, verifier.verify(await mint()), 'DISCOVERY_FAILED');
    t.equal(idp.counts.discovery, 1, 'a failure is cached briefly');
    idp.state.discoveryStatus = 200;
    clock.advance(11);
    t.ok(await verifier.verify(await mint()), 'recovers after the retry interval');
  }
  {
    // nothing listening
    const config = parseFulcioConfig({ OIDCIssuers: { 'http://127.0.0.1:1': { ClientID: 'sigstore', Type: 'email' } } });
    const v = createIdentityVerifier(config, { discoveryTimeoutMs: 1000 });
    const { mint } = await setup(t);
    await rejectsCode(t, v.verify(await mint({ iss: 'http://127.0.0.1:1' })), 'DISCOVERY_FAILED');
  }
});

t.test('cross-host redirects in discovery are refused', async (t) => {
  const { idp, mint } = await setup(t);
  const fakeFetch: typeof fetch = async (input) => {
    const u = new URL(String(input instanceof URL ? input.href : input));
    if (u.pathname.endsWith('openid-configuration')) return new Response(null, { status: 302, headers: { location: 'http://127.0.0.2:9/evil' } });
    return fetch(u);
  };
  const config = parseFulcioConfig({ OIDCIssuers: { [idp.url]: { ClientID: 'sigstore', Type: 'email' } } });
  const v = createIdentityVerifier(config, { fetch: fakeFetch });
  await rejectsCode(t, v.verify(await mint()), 'DISCOVERY_FAILED', /redirects to another host/);
});

t.test('malformed tokens', async (t) => {
  const { verifier, mint } = await setup(t);
  const good = await mint();
  const [h, p] = good.split('.');
  await rejectsCode(t, verifier.verify(`${h}.${p}`), 'TOKEN_INVALID', /2 dot-separated parts/);
  await rejectsCode(t, verifier.verify(`${good}.x`), 'TOKEN_INVALID', /4 dot-separated parts/);
  await rejectsCode(t, verifier.verify(`${h}.@@@.${good.split('.')[2]}`), 'TOKEN_INVALID', /not base64url/);
  await rejectsCode(t, verifier.verify(`${h}.${b64url('not json')}.AAAA`), 'TOKEN_INVALID', /not JSON/);
  await rejectsCode(t, verifier.verify(`${h}.${b64url([1, 2])}.AAAA`), 'TOKEN_INVALID', /not a JSON object/);
  await rejectsCode(t, verifier.verify(`${h}.${b64url({ sub: 'x' })}.AAAA`), 'TOKEN_INVALID', /no iss/);
  await rejectsCode(t, verifier.verify(`${h}.${'A'.repeat(40_000)}.AAAA`), 'TOKEN_INVALID', /more than the/);
  await rejectsCode(t, verifier.verify(''), 'TOKEN_INVALID');
});

t.test('ChallengeClaim overrides what must be signed', async (t) => {
  const { verifier, mint } = await setup(t, {}, { ChallengeClaim: 'sub' });
  t.equal((await verifier.verify(await mint())).challenge, 'alice-sub');
});
