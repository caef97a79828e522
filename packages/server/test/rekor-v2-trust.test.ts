// Rekor v2 in the stack's configuration and trust material (issue 11): enabled follows
// development unless set; offering it in the signing config needs the log and the TSA;
// trusted_root lists it with logId = checkpointKeyId = the C2SP key ID and a baseUrl
// whose host is the checkpoint origin; the signing config lists it first as API v2.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralSigner } from '@sigstack/core';
import { rekorV2NoteSigner } from '@sigstack/rekor';
import { isRekorV2Enabled, resolveConfig } from '../src/config.js';
import { buildTrustMaterial } from '../src/trust/trust-material.js';
import { KeyValidity } from '../src/trust/key-validity.js';

t.test('rekorV2.enabled defaults to development; offerInSigningConfig defaults to false', async (t) => {
  t.equal(isRekorV2Enabled(resolveConfig({})), true);
  t.equal(isRekorV2Enabled(resolveConfig({ development: false, fulcio: { enabled: false }, tuf: { enabled: false } })), false);
  t.equal(isRekorV2Enabled(resolveConfig({ development: false, fulcio: { enabled: false }, tuf: { enabled: false }, rekorV2: { enabled: true } })), true);
  t.equal(resolveConfig({}).rekorV2.offerInSigningConfig, false);
  t.equal(resolveConfig({}).rekorV2.key.path, 'keys/rekor-v2.pem');
});

t.test('refused configurations name the key', async (t) => {
  t.throws(() => resolveConfig({ rekorV2: { enabled: false, offerInSigningConfig: true } }), { code: 'CONFIG_INVALID', message: /offerInSigningConfig needs the Rekor v2 log/ });
  t.throws(() => resolveConfig({ rekorV2: { offerInSigningConfig: true }, tsa: { enabled: false } }), { code: 'CONFIG_INVALID', message: /needs the TSA/ });
  t.throws(() => resolveConfig({ rekorV2: { hostname: 'https://log.example' } }), { code: 'CONFIG_INVALID', message: /rekorV2\.hostname/ });
  t.throws(() => resolveConfig({ rekorV2: { hostname: 'log.example:443' } }), { code: 'CONFIG_INVALID', message: /rekorV2\.hostname/ });
  t.doesNotThrow(() => resolveConfig({ rekorV2: { hostname: 'log2026.example.com' } }));
});

function material(offer: boolean, hostname = 'sigstore.example.com') {
  const v2 = createEphemeralSigner('ed25519');
  const keyId = rekorV2NoteSigner(hostname, v2).keyId;
  const rekor = createEphemeralSigner();
  const m = buildTrustMaterial({
    url: 'https://sigstore.example.com',
    now: Date.parse('2026-12-01T10:00:00Z'),
    validity: new KeyValidity(join(mkdtempSync(join(tmpdir(), 'trust-v2-')), 'key-validity.json')),
    rekor: { publicKeyDer: rekor.publicKeyDer, algorithm: rekor.algorithm },
    rekorV2: { publicKeyDer: v2.publicKeyDer, algorithm: v2.algorithm, keyId, hostname, offer },
    ca: { chainPem: ['-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n'], trustedRootEntry: (uri) => ({ subject: {}, uri, certChain: { certificates: [] }, validFor: { start: '2026-01-01T00:00:00Z' } }) },
    tsa: { chainPem: '', trustedRootEntry: (uri) => ({ subject: {}, uri, certChain: { certificates: [] }, validFor: { start: '2026-01-01T00:00:00Z' } }) },
  });
  return { root: JSON.parse(m.files.get('trusted_root.json')!.toString()), sc: JSON.parse(m.files.get('signing_config.v0.2.json')!.toString()), keyId, v2, m };
}

t.test('trusted_root lists both logs; the v2 entry per protocols.md §7.7', async (t) => {
  const { root, keyId, v2, m } = material(false);
  t.equal(root.tlogs.length, 2);
  const e = root.tlogs[1];
  t.same(e, {
    baseUrl: 'https://sigstore.example.com',
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: v2.publicKeyDer.toString('base64'), keyDetails: 'PKIX_ED25519', validFor: { start: '2026-12-01T10:00:00Z' } },
    logId: { keyId: keyId.toString('base64') },
    checkpointKeyId: { keyId: keyId.toString('base64') },
  });
  t.same(Buffer.from(m.tufTargets['trusted_root.json']!.bytes), m.files.get('trusted_root.json'), 'the TUF target is the same bytes');
});

t.test('an origin other than the public host becomes the baseUrl host', async (t) => {
  t.equal(material(false, 'log2026.example.com').root.tlogs[1].baseUrl, 'https://log2026.example.com');
});

t.test('the signing config offers v2 only when asked, first and as API version 2', async (t) => {
  t.same(material(false).sc.rekorTlogUrls.map((s: { majorApiVersion: number }) => s.majorApiVersion), [1]);
  t.same(material(true).sc.rekorTlogUrls.map((s: { url: string; majorApiVersion: number }) => [s.url, s.majorApiVersion]), [
    ['https://sigstore.example.com', 2],
    ['https://sigstore.example.com', 1],
  ]);
});
