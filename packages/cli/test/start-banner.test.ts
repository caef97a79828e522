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
