import t from 'tap';
import { trustedRootAuthority } from '../src/trusted-root.js';

t.test('a trusted_root.json authority entry', async (t) => {
  const chainDer = [Buffer.from('3000', 'hex'), Buffer.from('3001ff', 'hex')];
  const e = trustedRootAuthority({ chainDer, uri: 'https://ca.example.com', subject: { organization: 'o', commonName: 'cn', country: 'DE' }, startMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
  t.same(e, {
    subject: { organization: 'o', commonName: 'cn' },
    uri: 'https://ca.example.com',
    certChain: { certificates: [{ rawBytes: 'MAA=' }, { rawBytes: 'MAH/' }] },
    validFor: { start: '2026-01-02T03:04:05Z' },
  });
  t.same(trustedRootAuthority({ chainDer, uri: 'u', subject: {}, startMs: 0 }).subject, {}, 'unset subject fields are omitted');
});
