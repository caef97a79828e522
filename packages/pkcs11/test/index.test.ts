import t from 'tap';
import * as pkcs11 from '../src/index.js';

t.test('public surface', async (t) => {
  t.same(Object.keys(pkcs11).sort(), [
    'DEFAULT_RECONNECT_INTERVAL_MS',
    'DEFAULT_SESSIONS',
    'HsmError',
    'MODULE_ENV',
    'PIN_ENV',
    'Pkcs11Signer',
    'generateTokenKey',
    'isPkcs11Uri',
    'parsePkcs11Uri',
    'redactPkcs11Uri',
    'resolveModulePath',
    'resolvePin',
    'toDerEcdsaSignature',
  ]);
  t.equal(pkcs11.DEFAULT_SESSIONS, 4);
  t.equal(pkcs11.PIN_ENV, 'SIGSTACK_PKCS11_PIN');
});

t.test('parsePkcs11Uri: RFC 7512 attributes, %-escapes, query', async (t) => {
  const u = pkcs11.parsePkcs11Uri('pkcs11:token=My%20Token;object=rekor;id=%01%ff;serial=abc;slot-id=3;type=private;x-vendor=1?module-path=/lib/p11.so&pin-value=12%2634');
  t.same(u, { token: 'My Token', object: 'rekor', id: Buffer.from([1, 255]), serial: 'abc', slotId: 3, modulePath: '/lib/p11.so', pinValue: '12&34' });
  t.equal(pkcs11.isPkcs11Uri('PKCS11:object=a'), true);
  t.equal(pkcs11.isPkcs11Uri('keys/rekor.pem'), false);
  t.equal(pkcs11.redactPkcs11Uri('pkcs11:object=a?pin-value=1234&module-path=/x'), 'pkcs11:object=a?pin-value=***&module-path=/x');
  // ';' separates query attributes too, as cosign reads them; the PIN is redacted either way.
  t.same(pkcs11.parsePkcs11Uri('pkcs11:token=t;object=a?module-path=/x;pin-value=12%3B4'), { token: 't', object: 'a', modulePath: '/x', pinValue: '12;4' });
  t.equal(pkcs11.redactPkcs11Uri('pkcs11:object=a?module-path=/x;pin-value=1234'), 'pkcs11:object=a?module-path=/x;pin-value=***');
});

t.test('resolvePin: pin-value, file (newline dropped), env:VAR, then $SIGSTACK_PKCS11_PIN', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const d = mkdtempSync(join(tmpdir(), 'sigstack-pin-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'pin'), 'from-file\n');
  const p = (uri: string, env: NodeJS.ProcessEnv = {}) => pkcs11.resolvePin(pkcs11.parsePkcs11Uri(uri), env);
  t.equal(p('pkcs11:object=a?pin-value=v'), 'v');
  t.equal(p(`pkcs11:object=a?pin-source=file:${join(d, 'pin')}`), 'from-file');
  t.equal(p(`pkcs11:object=a?pin-source=${join(d, 'pin')}`), 'from-file', 'a bare path is a file');
  t.equal(p('pkcs11:object=a?pin-source=env:P', { P: 'from-env' }), 'from-env');
  t.equal(p('pkcs11:object=a', { SIGSTACK_PKCS11_PIN: 'default' }), 'default');
  t.throws(() => p(`pkcs11:object=a?pin-source=file:${join(d, 'missing')}`), { name: 'HsmError', code: 'PIN_MISSING' });
});

t.test('toDerEcdsaSignature: r||s to a minimal DER SEQUENCE', async (t) => {
  const r = Buffer.alloc(32, 0);
  r[31] = 1;
  const s = Buffer.alloc(32, 0xff);
  t.equal(pkcs11.toDerEcdsaSignature(Buffer.concat([r, s])).toString('hex'), '3026020101022100' + 'ff'.repeat(32));
  t.throws(() => pkcs11.toDerEcdsaSignature(Buffer.alloc(3)), RangeError);
});
