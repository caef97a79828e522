import t from 'tap';
import { renameSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, verify } from 'node:crypto';
import { CoreError, type Signer, type SigningAlgorithm } from '@sigstack/core';
import { createSoftHsmToken } from '../../../test/lib/softhsm.js';
import { generateTokenKey, HsmError, Pkcs11Signer } from '../src/index.js';

// One token for the file: SoftHSM reads SOFTHSM2_CONF once, when the module is initialised.
const token = createSoftHsmToken({ label: 'unit' });
process.env.SOFTHSM2_CONF = token.conf;
t.teardown(() => token.remove());

const opened: Pkcs11Signer[] = [];
t.teardown(() => opened.forEach((s) => s.close()));
async function open(uri: string, o: { algorithm?: SigningAlgorithm; sessions?: number; reconnectIntervalMs?: number } = {}) {
  const s = await Pkcs11Signer.open({ uri, ...o });
  opened.push(s);
  return s;
}

for (const algorithm of ['ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'ed25519'] as const) {
  t.test(`${algorithm}: generate on the token, open, sign, verify with node`, async (t) => {
    const g = generateTokenKey({ uri: token.uri(`k-${algorithm}`), algorithm });
    t.equal(g.algorithm, algorithm);
    t.match(g.uri, /;id=%[0-9a-f]{2}/, 'the printed URI carries the new CKA_ID');
    const signer = await open(g.uri, { algorithm });
    t.ok(signer.publicKeyDer.equals(g.publicKeyDer));
    t.equal((signer as Signer).signSync, undefined, 'no synchronous signing on an HSM');
    const data = Buffer.from('hello hsm');
    const sig = await signer.sign(data);
    const digest = algorithm === 'ed25519' ? null : algorithm === 'ecdsa-p256-sha256' ? 'sha256' : 'sha384';
    if (digest) t.equal(sig[0], 0x30, 'ECDSA signatures are DER');
    t.ok(verify(digest, data, signer.publicKey, sig));
    t.notOk(verify(digest, Buffer.from('other'), signer.publicKey, sig));
    // A digest computed by the caller (a client streaming a file): ECDSA signs it as given
    // (SHA-256 on P-384 too, as cosign signs); Ed25519 signs messages only.
    const d256 = createHash('sha256').update(data).digest();
    if (digest) t.ok(verify('sha256', data, signer.publicKey, await signer.signDigest(d256)), 'signDigest: ECDSA over SHA-256(data)');
    else await t.rejects(signer.signDigest(d256), { code: 'KEY_TYPE' });
    // The same key by label alone.
    const byLabel = await open(token.uri(`k-${algorithm}`));
    t.equal(byLabel.algorithm, algorithm);
  });
}

t.test('many signatures at once share the pool and all verify', async (t) => {
  const g = generateTokenKey({ uri: token.uri('pool'), algorithm: 'ecdsa-p256-sha256' });
  const signer = await open(g.uri, { sessions: 2 });
  const inputs = Array.from({ length: 50 }, (_, i) => Buffer.from(`entry ${i}`));
  const sigs = await Promise.all(inputs.map((d) => signer.sign(d)));
  t.ok(sigs.every((s, i) => verify('sha256', inputs[i]!, signer.publicKey, s)));
});

t.test('start-up refusals are coded and name the problem', async (t) => {
  generateTokenKey({ uri: token.uri('refuse'), algorithm: 'ecdsa-p256-sha256' });
  const base = `pkcs11:token=${token.label};object=refuse?module-path=${token.module}`;
  await t.rejects(Pkcs11Signer.open({ uri: `${base}&pin-value=0000` }), {
    name: 'HsmError',
    code: 'PIN_INCORRECT',
    message: /^HSM key pkcs11:token=unit;object=refuse: the PIN differs|^HSM key pkcs11:token=unit;object=refuse: the token refused the PIN/,
  });
  await t.rejects(Pkcs11Signer.open({ uri: base, env: {} }), { code: 'PIN_MISSING', message: /SIGSTACK_PKCS11_PIN/ });
  await t.rejects(Pkcs11Signer.open({ uri: `pkcs11:token=${token.label};object=refuse?pin-value=1234`, env: {} }), { code: 'MODULE_UNAVAILABLE' });
  await t.rejects(Pkcs11Signer.open({ uri: `${base}&pin-value=1234`.replace(token.module, '/nonexistent/lib.so') }), { code: 'MODULE_UNAVAILABLE', message: /nonexistent/ });
  await t.rejects(Pkcs11Signer.open({ uri: token.uri('no-such-key') }), { code: 'OBJECT_NOT_FOUND', message: /object=no-such-key/ });
  await t.rejects(Pkcs11Signer.open({ uri: token.uri('refuse').replace(`token=${token.label}`, 'token=other') }), { code: 'TOKEN_NOT_FOUND', message: /token=other/ });
  await t.rejects(Pkcs11Signer.open({ uri: token.uri('refuse'), algorithm: 'ed25519' }), { code: 'KEY_TYPE', message: /ecdsa-p256-sha256, expected ed25519/ });
  t.throws(() => generateTokenKey({ uri: token.uri('refuse'), algorithm: 'ed25519' }), { code: 'OBJECT_EXISTS' });
  await t.rejects(Pkcs11Signer.open({ uri: `${base}&pin-source=env:NO_SUCH_PIN_VAR`, env: {} }), { code: 'PIN_MISSING', message: /NO_SUCH_PIN_VAR/ });
  // The PIN from the environment: the variable the URI names, else SIGSTACK_PKCS11_PIN.
  const fromEnv = await Pkcs11Signer.open({ uri: `${base}&pin-source=env:MY_PIN`, env: { MY_PIN: token.pin } });
  fromEnv.close();
  const fromDefault = await Pkcs11Signer.open({ uri: base, env: { SIGSTACK_PKCS11_PIN: token.pin } });
  fromDefault.close();
});

t.test('URIs: what is refused', async (t) => {
  for (const [uri, re] of [
    ['pkcs12:token=a;object=b', /starts with/],
    ['pkcs11:token=a', /names no key/],
    ['pkcs11:token=a;objekt=b', /unknown .* "objekt"/],
    ['pkcs11:token=a;object=b;object=c', /twice/],
    ['pkcs11:token=a;object=b%zz', /%-escape/],
    ['pkcs11:token=a;object=b;type=cert', /type=private/],
  ] as const)
    await t.rejects(Pkcs11Signer.open({ uri }), { name: 'HsmError', code: 'INVALID_URI', message: re }, uri);
});

t.test('a token that goes away: SIGNER_UNAVAILABLE, then the same key again once it is back', async (t) => {
  const g = generateTokenKey({ uri: token.uri('gone'), algorithm: 'ecdsa-p256-sha256' });
  const signer = await open(g.uri, { reconnectIntervalMs: 0 });
  await signer.sign(Buffer.from('before'));
  const [dir] = readdirSync(token.tokenDir);
  const away = join(token.dir, 'away');
  renameSync(join(token.tokenDir, dir!), away);
  const err = await signer.sign(Buffer.from('while gone')).catch((e: unknown) => e);
  t.ok(err instanceof CoreError);
  t.match(err, { code: 'SIGNER_UNAVAILABLE', message: /object=gone/ });
  t.notOk(err instanceof HsmError);
  // Still gone: each attempt reconnects and fails the same way.
  await t.rejects(signer.sign(Buffer.from('still gone')), { code: 'SIGNER_UNAVAILABLE' });
  renameSync(away, join(token.tokenDir, dir!));
  const data = Buffer.from('after');
  const sig = await signer.sign(data);
  t.ok(verify('sha256', data, signer.publicKey, sig), 'signs with the same key again');
});

t.test('a token that goes away under queued signatures: each one settles (signed or SIGNER_UNAVAILABLE), none hangs', async (t) => {
  const g = generateTokenKey({ uri: token.uri('queued'), algorithm: 'ecdsa-p256-sha256' });
  const signer = await open(g.uri, { sessions: 1, reconnectIntervalMs: 0 });
  const [dir] = readdirSync(token.tokenDir);
  const away = join(token.dir, 'away-queued');
  const inputs = Array.from({ length: 20 }, (_, i) => Buffer.from(`queued ${i}`));
  const pending = inputs.map((d) => signer.sign(d));
  renameSync(join(token.tokenDir, dir!), away);
  const settled = await Promise.allSettled(pending);
  renameSync(away, join(token.tokenDir, dir!));
  let unavailable = 0;
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') t.ok(verify('sha256', inputs[i]!, signer.publicKey, r.value), `signature ${i} verifies`);
    else {
      t.match(r.reason, { name: 'CoreError', code: 'SIGNER_UNAVAILABLE' }, `signature ${i}: SIGNER_UNAVAILABLE`);
      unavailable++;
    }
  });
  t.ok(unavailable > 0, `${unavailable} of 20 refused while the token was away`);
  const data = Buffer.from('after the queue');
  t.ok(verify('sha256', data, signer.publicKey, await signer.sign(data)), 'and it signs again');
});

t.test('close() with signatures waiting for a session: they are refused, the running one completes', async (t) => {
  const g = generateTokenKey({ uri: token.uri('closing'), algorithm: 'ed25519' });
  const signer = await Pkcs11Signer.open({ uri: g.uri, sessions: 1 });
  const pending = Array.from({ length: 5 }, (_, i) => signer.sign(Buffer.from(`closing ${i}`)));
  signer.close();
  const settled = await Promise.allSettled(pending);
  t.equal(settled[0]!.status, 'fulfilled', 'the signature holding the session completes');
  for (const r of settled.slice(1)) t.match(r, { status: 'rejected', reason: { code: 'SIGNER_UNAVAILABLE', message: /closed/ } });
  await t.rejects(signer.sign(Buffer.from('after close')), { code: 'SIGNER_UNAVAILABLE' });
});
