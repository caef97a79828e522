import t from 'tap';
import { resolveConfig } from '@sigstack/server';
import { startBanner } from '../src/stack-commands.js';

const url = 'https://sigstore.example.com';

t.test('development: the banner suggests sigstack dev-token', async (t) => {
  const b = startBanner(resolveConfig({ dataDir: '/tmp/d' }), url, '/tmp/d/trust');
  t.match(b, /^\nsigstack is up at https:\/\/sigstore\.example\.com\n/, 'first line, which the tests wait for');
  t.match(b, /sigstack dev-token --data-dir \/tmp\/d/);
});

t.test('development: false never suggests sigstack dev-token (issue 10)', async (t) => {
  const config = resolveConfig({
    dataDir: '/tmp/d',
    development: false,
    fulcio: { configFile: '/etc/sigstack/fulcio-config.json' },
    tuf: { repositoryDir: '/var/lib/sigstack/tuf', onlineKey: { path: 'keys/tuf-online.pem' } },
  });
  const b = startBanner(config, url, '/tmp/d/trust');
  t.notMatch(b, /dev-token/);
  t.match(b, /keyless: {3}cosign sign-blob --fulcio-url https:\/\/sigstore\.example\.com --identity-token <a token from an identity provider in \/etc\/sigstack\/fulcio-config\.json>/);
  t.notMatch(startBanner(resolveConfig({ dataDir: '/tmp/d', fulcio: { devIssuer: false, configFile: 'f.json' } }), url, '/t'), /dev-token/, 'nor with the development issuer off');
});

t.test('Rekor v2 and witnessing in the banner (issue 11)', async (t) => {
  const key = 'w1.example+632fcd6f+BJimq2h4Qbdkm7zGd4pY0JPts92el+VxTtRpEkGppad7';
  const on = startBanner(
    resolveConfig({
      dataDir: '/tmp/d',
      rekorV2: { offerInSigningConfig: true, witnessing: { witnesses: [{ name: 'w1', url: 'http://w1', key }], waitForWitnesses: true } },
    }),
    url,
    '/tmp/d/trust',
  );
  t.match(on, /\n {2}Rekor v2: {2}https:\/\/sigstore\.example\.com\/api\/v2\/log\/entries \(tiles: https:\/\/sigstore\.example\.com\/api\/v2\/checkpoint\); offered in signing_config/);
  t.match(on, /\n {2}witnesses: rekorV2 by w1 \(1 of 1, writes wait\); each runs sigstack witness --logs-file \/tmp\/d\/trust\/witness-logs\.txt\n/);
  t.match(startBanner(resolveConfig({ dataDir: '/tmp/d' }), url, '/t'), /Rekor v2: .*not in the signing config \(rekorV2\.offerInSigningConfig\)/, 'development: on, not offered');
  const off = startBanner(resolveConfig({ dataDir: '/tmp/d', rekorV2: { enabled: false } }), url, '/t');
  t.notMatch(off, /Rekor v2/, 'off: not mentioned');
  t.notMatch(off, /witnesses:/, 'no witnesses: no line');
});
