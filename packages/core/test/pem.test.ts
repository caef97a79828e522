import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromPem, isPem, toPem } from '../src/pem.js';
import { CoreError } from '../src/errors.js';

/** What Go's encoding/pem.EncodeToMemory writes for a block without headers. */
function goPem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.map((l) => l + '\n').join('')}-----END ${type}-----\n`;
}

t.test('toPem writes what Go writes: 64-column lines, trailing newline', async (t) => {
  t.equal(toPem('X', new Uint8Array(0)), '-----BEGIN X-----\n-----END X-----\n', 'empty body');
  t.equal(toPem('X', Buffer.alloc(48, 0xff)), `-----BEGIN X-----\n${'/'.repeat(64)}\n-----END X-----\n`, '48 bytes: one full line');
  t.equal(toPem('X', Buffer.alloc(49, 0xff)), `-----BEGIN X-----\n${'/'.repeat(64)}\n/w==\n-----END X-----\n`, '49 bytes: a second line');
  for (let len = 0; len < 300; len++) {
    const der = randomBytes(len);
    const pem = toPem('PUBLIC KEY', der);
    if (pem !== goPem('PUBLIC KEY', der)) t.fail(`length ${len}`);
    const body = pem.split('\n').slice(1, -2);
    if (body.some((l, i) => (i < body.length - 1 ? l.length !== 64 : l.length === 0 || l.length > 64))) t.fail(`line lengths at ${len}`);
    if (!pem.endsWith('-----END PUBLIC KEY-----\n')) t.fail(`trailing newline at ${len}`);
  }
  // A view into a larger buffer encodes only the view.
  const big = randomBytes(100);
  t.equal(toPem('X', big.subarray(10, 60)), goPem('X', big.subarray(10, 60)), 'subarray');
});

t.test('toPem matches OpenSSL and Node byte for byte', async (t) => {
  const k = generateKeyPairSync('ec', { namedCurve: 'P-384', publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  const pub = createPublicKey({ key: k.publicKey, format: 'der', type: 'spki' });
  t.equal(toPem('PUBLIC KEY', k.publicKey), pub.export({ type: 'spki', format: 'pem' }));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
  t.equal(toPem('PUBLIC KEY', fromPem(rsa.publicKey)[0]!.der), rsa.publicKey, 'RSA SPKI, several lines');
  t.equal(toPem('PRIVATE KEY', rsa.privateKey), createPrivateKey({ key: rsa.privateKey, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }));

  const dir = mkdtempSync(join(tmpdir(), 'sigstack-pem-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=pem test', '-days', '2'], { stdio: 'ignore' });
  const certPem = readFileSync(join(dir, 'c.pem'), 'utf8');
  const [block] = fromPem(certPem);
  t.equal(block!.type, 'CERTIFICATE');
  t.equal(toPem('CERTIFICATE', block!.der), certPem, 'openssl x509 output re-encodes to itself');
});

t.test('fromPem round trip and tolerated variations', async (t) => {
  for (const len of [0, 1, 2, 3, 47, 48, 49, 64, 65, 500]) {
    const der = randomBytes(len);
    const blocks = fromPem(toPem('CERTIFICATE', der));
    t.equal(blocks.length, 1);
    t.equal(blocks[0]!.type, 'CERTIFICATE');
    t.same(blocks[0]!.der, der, `round trip of ${len} bytes`);
  }
  const a = randomBytes(70);
  const b = randomBytes(20);
  const two = 'leading text\n' + toPem('CERTIFICATE', a) + 'between\n' + toPem('PUBLIC KEY', b) + 'trailing';
  t.same(
    fromPem(two).map((x) => [x.type, x.der.toString('hex')]),
    [['CERTIFICATE', a.toString('hex')], ['PUBLIC KEY', b.toString('hex')]],
    'several blocks, in order, text around them ignored',
  );
  t.same(fromPem(toPem('PUBLIC KEY', a).replace(/\n/g, '\r\n'))[0]!.der, a, 'CRLF line endings');
  const reflowed = `-----BEGIN PUBLIC KEY-----\n${a.toString('base64').match(/.{1,20}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
  t.same(fromPem(reflowed)[0]!.der, a, 'other line lengths');
});

t.test('corrupt PEM is rejected with INVALID_PEM', async (t) => {
  const good = toPem('PUBLIC KEY', randomBytes(91));
  const body = good.split('\n')[1]!;
  const cases: [string, string][] = [
    ['no block', 'just text'],
    ['empty', ''],
    ['no END line', good.replace('-----END PUBLIC KEY-----\n', '')],
    ['END of another type', good.replace('END PUBLIC KEY', 'END CERTIFICATE')],
    ['bad character', good.replace(body, body.slice(0, 10) + '!' + body.slice(11))],
    ['length not a multiple of 4', good.replace(body, body.slice(1))],
    ['padding in the middle', `-----BEGIN X-----\nAA==AAAA\n-----END X-----\n`],
    ['three padding characters', `-----BEGIN X-----\nA===\n-----END X-----\n`],
    ['RFC 1421 headers', good.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n')],
    ['nested BEGIN', good.replace(body, '-----BEGIN X-----\n' + body)],
    ['lowercase type', good.replace(/PUBLIC KEY/g, 'public key')],
  ];
  for (const [name, text] of cases) {
    try {
      fromPem(text);
      t.fail(`${name}: accepted`);
    } catch (e) {
      t.ok(e instanceof CoreError && e.code === 'INVALID_PEM', name);
    }
  }
});

t.test('isPem', async (t) => {
  t.ok(isPem('-----BEGIN X-----'));
  t.ok(isPem('\n  \t-----BEGIN X-----'));
  t.ok(isPem(Buffer.from('-----BEGIN CERTIFICATE-----\n')));
  t.notOk(isPem(Buffer.from([0x30, 0x82, 0x01, 0x00])));
  t.notOk(isPem('MIIB'));
  t.notOk(isPem(''));
});
