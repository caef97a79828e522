import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '@sigstack/core';
import { readCertificatePemFile } from '../src/certificate-pem-file.js';

t.test('returns the DER of every CERTIFICATE block, in file order', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'chain.pem');
  const [a, b] = [Buffer.from('3000', 'hex'), Buffer.from('3003020101', 'hex')];
  writeFileSync(path, toPem('CERTIFICATE', a) + toPem('CERTIFICATE', b));
  t.same(readCertificatePemFile(path), [a, b]);
});

t.test('failures name the path and keep the lower-level cause', async (t) => {
  const dir = t.testdir();
  const missing = join(dir, 'missing.pem');
  const err = t.throws(() => readCertificatePemFile(missing), { message: `cannot read ${missing}: ` + 'ENOENT' }) as unknown as Error;
  t.type(err, Error);
  t.match((err.cause as NodeJS.ErrnoException).code, 'ENOENT');

  const key = join(dir, 'key.pem');
  writeFileSync(key, toPem('CERTIFICATE', Buffer.from('3000', 'hex')) + toPem('PRIVATE KEY', Buffer.from('3000', 'hex')));
  t.throws(() => readCertificatePemFile(key), new RangeError(`${key}: unexpected PEM block PRIVATE KEY`));

  const empty = join(dir, 'empty.pem');
  writeFileSync(empty, 'not pem');
  const e2 = t.throws(() => readCertificatePemFile(empty), RangeError) as unknown as Error;
  t.match(e2.message, `${empty}: no PEM block found`);
  t.match(e2.cause, { code: 'INVALID_PEM' });
});
