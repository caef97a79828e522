import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralSigner } from '@sigstack/core';
import { buildTrustMaterial } from '../src/trust/trust-material.js';
import { KeyValidity } from '../src/trust/key-validity.js';

const pem = (n: number) => `-----BEGIN CERTIFICATE-----\nMA${n}=\n-----END CERTIFICATE-----\n`;
const entry = (uri: string) => ({ subject: { organization: 'o', commonName: 'c' }, uri, certChain: { certificates: [] }, validFor: { start: '2026-01-01T00:00:00Z' } });

t.test('one truth: trust files and TUF targets carry the same bytes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trust-'));
  const validity = new KeyValidity(join(dir, 'key-validity.json'));
  const rekor = createEphemeralSigner();
  const ct = createEphemeralSigner();
  const now = Date.parse('2026-12-01T10:00:00.700Z');
  const m = buildTrustMaterial({
    url: 'https://sigstore.example.com',
    now,
    validity,
    rekor: { publicKeyDer: rekor.publicKeyDer, algorithm: rekor.algorithm },
    ca: { chainPem: [pem(1), pem(2)], trustedRootEntry: entry },
    ctlog: { publicKeyDer: ct.publicKeyDer, algorithm: ct.algorithm, prefix: '/2026' },
    tsa: { chainPem: pem(3) + pem(4), trustedRootEntry: entry },
    oidcUrl: 'https://sigstore.example.com/oidc',
  });
  t.same([...m.files.keys()].sort(), ['ctfe.pub', 'fulcio_chain.pem', 'rekor.pub', 'signing_config.v0.2.json', 'trusted_root.json', 'tsa_chain.pem']);
  t.same(Buffer.from(m.tufTargets['trusted_root.json']!.bytes), m.files.get('trusted_root.json'));
  t.same(Buffer.from(m.tufTargets['signing_config.v0.2.json']!.bytes), m.files.get('signing_config.v0.2.json'));
  const root = JSON.parse(m.files.get('trusted_root.json')!.toString());
  t.equal(root.mediaType, 'application/vnd.dev.sigstore.trustedroot+json;version=0.1');
  t.equal(root.ctlogs[0].baseUrl, 'https://sigstore.example.com/2026');
  t.equal(root.tlogs[0].publicKey.validFor.start, '2026-12-01T10:00:00Z', 'whole seconds, first use');
  t.equal(root.timestampAuthorities[0].uri, 'https://sigstore.example.com/api/v1/timestamp');
  const sc = JSON.parse(m.files.get('signing_config.v0.2.json')!.toString());
  t.equal(sc.tsaUrls[0].url, 'https://sigstore.example.com/api/v1/timestamp', 'the full TSA URL');
  t.equal(sc.oidcUrls[0].url, 'https://sigstore.example.com/oidc');
  t.same(m.tufTargets['ctfe.pub']!.custom, { sigstore: { usage: 'CTFE', status: 'Active', uri: 'https://sigstore.example.com/2026' } });
  t.same(m.tufTargets['fulcio_v1.crt.pem']!.bytes.toString(), pem(2), 'the root is the Fulcio target');
  t.ok(m.tufTargets['tsa_leaf.crt.pem'] && m.tufTargets['tsa_root.crt.pem']);
  // A later start keeps validFor.start.
  const again = buildTrustMaterial({ url: 'https://sigstore.example.com', now: now + 86_400_000, validity: new KeyValidity(join(dir, 'key-validity.json')), rekor: { publicKeyDer: rekor.publicKeyDer, algorithm: rekor.algorithm } });
  t.equal(JSON.parse(again.files.get('trusted_root.json')!.toString()).tlogs[0].publicKey.validFor.start, '2026-12-01T10:00:00Z');
  t.notOk(again.files.has('signing_config.v0.2.json'), 'no signing config without a CA');
  t.match(readFileSync(join(dir, 'key-validity.json'), 'utf8'), /"/);
});
