import t from 'tap';
import { servicesFromSigningConfig } from '../../src/index.js';

const MT = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';
const svc = (url: string, v: number, start = '2020-01-01T00:00:00Z', end?: string) => ({ url, majorApiVersion: v, validFor: { start, ...(end ? { end } : {}) }, operator: 'test' });

t.test('picks, per kind, the valid service with the newest API we speak', async (t) => {
  const config = {
    mediaType: MT,
    caUrls: [svc('https://ca-old', 1, '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z'), svc('https://ca', 1)],
    rekorTlogUrls: [svc('https://rekor-v1', 1), svc('https://rekor-v2', 2), svc('https://rekor-v3', 3)],
    tsaUrls: [svc('https://tsa/api/v1/timestamp', 1)],
    rekorTlogConfig: { selector: 'ANY' },
    tsaConfig: { selector: 'ANY' },
  };
  t.same(servicesFromSigningConfig(JSON.stringify(config), 'x'), {
    fulcioUrl: 'https://ca',
    rekor: { url: 'https://rekor-v2', majorApiVersion: 2 },
    tsaUrl: 'https://tsa/api/v1/timestamp',
  });
});

t.test('refuses what is not a signing config, naming the source', async (t) => {
  t.throws(() => servicesFromSigningConfig('{', 'cfg.json'), { code: 'TRUST_INVALID', message: /cfg\.json/ });
  t.throws(() => servicesFromSigningConfig('{"mediaType":"application/json"}', 'cfg.json'), { code: 'TRUST_INVALID', message: /not a signing config/ });
  t.throws(() => servicesFromSigningConfig(JSON.stringify({ mediaType: MT, rekorTlogConfig: { selector: 'ALL' } }), 'cfg.json'), { code: 'TRUST_INVALID', message: /selector/ });
  t.same(servicesFromSigningConfig(JSON.stringify({ mediaType: MT }), 'empty'), {});
});
