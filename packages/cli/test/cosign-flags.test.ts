import t from 'tap';
import { parseFlags } from '../src/client/cosign-flags.js';
import { neverProxyLoopback } from '../src/client/proxy-env.js';

const spec = { key: { type: 'string' }, yes: { type: 'boolean', short: 'y' }, 'tlog-upload': { type: 'boolean' }, a: { type: 'string', multiple: true } } as const;

t.test('cosign\'s (pflag\'s) flag forms', async (t) => {
  const p = parseFlags(['--key', 'k.key', '-y', '--tlog-upload=false', '--a=1', '--a', '2', 'file', '--', '--not-a-flag'], spec);
  t.same(p.values, { key: 'k.key', yes: true, 'tlog-upload': false, a: ['1', '2'] });
  t.same(p.positionals, ['file', '--not-a-flag']);
  t.same(parseFlags(['--key=x=y', '--yes=true'], spec).values, { key: 'x=y', yes: true });
});

t.test('mistakes are usage errors that name the flag', async (t) => {
  t.throws(() => parseFlags(['--nope'], spec), { name: 'UsageError' });
  t.throws(() => parseFlags(['--nope'], spec), /--nope/);
  t.throws(() => parseFlags(['--key'], spec), /needs an argument: --key/);
  t.throws(() => parseFlags(['--yes=maybe'], spec), /not a boolean/);
  t.throws(() => parseFlags(['-z'], spec), /'z'/);
});

t.test('loopback is added to NO_PROXY once, and a wildcard is left alone', async (t) => {
  const env: NodeJS.ProcessEnv = { NO_PROXY: 'corp.example' };
  neverProxyLoopback(env);
  neverProxyLoopback(env);
  t.equal(env['NO_PROXY'], 'corp.example,localhost,127.0.0.1,::1,[::1]');
  t.equal(env['no_proxy'], 'localhost,127.0.0.1,::1,[::1]');
  const star: NodeJS.ProcessEnv = { NO_PROXY: '*', no_proxy: '*' };
  neverProxyLoopback(star);
  t.equal(star['NO_PROXY'], '*');
});
