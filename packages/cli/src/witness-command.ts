import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWitnessApp, openWitness, openWitnessIdentity, parseWitnessedLogSpec, type WitnessedLog } from '@sigstack/witness';
import { fail } from './fail.js';

export const WITNESS_USAGE = `usage: sigstack witness [serve] [flags]     run a C2SP tlog-witness
       sigstack witness key [flags]       print the witness's verifier key

A witness cosigns the checkpoints of the logs it follows, after checking that each is
consistent with the last one it cosigned; it refuses a fork for good. Run one for a
partner's log, and give the log its verifier key.

flags:
  --data-dir DIR        key (made on first start), name and state (default ./.sigstack-witness)
  --name NAME           the witness's key name, fixed at first start (default <host name>/witness)
  --log 'ORIGIN VKEY [VKEY ...]'   a log to follow: its checkpoint origin line and C2SP
                        verifier key(s); repeat for each log
  --logs-file FILE      more logs, one 'ORIGIN VKEY ...' per line (# comments)
  --listen HOST:PORT    where to serve POST /add-checkpoint (default 127.0.0.1:3030; port 0 picks one)
  --passphrase-env VAR  environment variable holding the key file's passphrase
  --log-level LVL       pino level (default info)

The first line on stdout is "sigstack witness listening on <url>", the second its
verifier key ("verifier key: <name>+<hint>+<base64>").
`;

export async function witnessCommand(args: string[]): Promise<void> {
  const [first, ...rest] = args;
  const sub = first === 'key' || first === 'serve' ? first : undefined;
  const flags = sub ? rest : args;
  if (first === 'help' || flags.includes('--help') || flags.includes('-h')) {
    process.stdout.write(WITNESS_USAGE);
    return;
  }
  const { values } = parseArgs({
    args: flags,
    options: {
      'data-dir': { type: 'string', default: './.sigstack-witness' },
      name: { type: 'string' },
      log: { type: 'string', multiple: true },
      'logs-file': { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:3030' },
      'passphrase-env': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
    strict: true,
  });
  const dataDir = resolve(values['data-dir']);
  const passphrase = values['passphrase-env'] !== undefined ? (process.env[values['passphrase-env']] ?? '') : undefined;
  const common = { dataDir, ...(values.name !== undefined ? { name: values.name } : {}), ...(passphrase !== undefined ? { passphrase } : {}) };

  if (sub === 'key') {
    process.stdout.write(`${openWitnessIdentity(common).verifierKey}\n`);
    return;
  }

  const logs: WitnessedLog[] = (values.log ?? []).map(parseWitnessedLogSpec);
  if (values['logs-file'] !== undefined) {
    let text: string;
    try {
      text = readFileSync(values['logs-file'], 'utf8');
    } catch (e) {
      fail(`--logs-file: ${(e as Error).message}`);
    }
    for (const line of text.split('\n').map((l) => l.trim())) if (line && !line.startsWith('#')) logs.push(parseWitnessedLogSpec(line));
  }
  if (logs.length === 0) fail(`a witness needs at least one --log 'ORIGIN VKEY'\n\n${WITNESS_USAGE}`);
  const m = /^(.*):(\d{1,5})$/.exec(values.listen);
  if (!m) fail(`--listen: "${values.listen}" is not HOST:PORT`);
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  const port = Number(m[2]);
  if (port > 65535) fail(`--listen: port ${port} is out of range`);

  const w = openWitness({ ...common, logs, onFork: (origin, stored, seen) => app.log.error({ origin, cosignedSize: stored.size, seen }, `FORK of ${origin}: refused`) });
  const app = await buildWitnessApp({ witness: w.witness, logLevel: values['log-level'] });
  app.addHook('onClose', async () => w.close());
  await app.listen({ host, port });
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  process.stdout.write(`sigstack witness listening on ${url}\nverifier key: ${w.verifierKey}\nfollowing: ${logs.map((l) => l.origin).join(', ')}\n`);
  app.log.info({ url, name: w.name, verifierKey: w.verifierKey, logs: logs.map((l) => l.origin) }, 'witness up');

  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
