// `sigstack monitor` against a live stack, on each of its logs and in each dialect: the
// Rekor v1 API, the C2SP tiles of Rekor v1, Rekor v2 and CT, and the RFC 6962 CT API,
// with the log keys taken from the stack's trusted_root.json. A healthy log under write
// load keeps it quiet (exit 0); a cosign 2.5 keyless signature for a watched identity is
// reported by the next poll (--once after the write) in the Rekor v1 entry and in the CT
// log's precertificate, with exit status 1.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './lib/peers.js';
import { tempDir } from './lib/temp-dir.js';
import { run } from './lib/run.js';
import { runClientOk } from './lib/client-run.js';
import { tokenFile } from './lib/oidc-issuer.js';
import { startKeylessStack } from './lib/keyless-stack.js';
import { sigstack } from './lib/sigstack-cli.js';
import { hashedrekordEntry, hashedRekordV002Request, newSigningKey } from './lib/hashedrekord-entry.js';
import { postEntry } from './lib/rekor-api.js';

t.setTimeout(300_000);

const dir = tempDir(t);
const { stack, idp, env2 } = await startKeylessStack(t, dir);
const config = join(dir, 'monitor.yaml');
writeFileSync(
  config,
  [
    'log:',
    `  trustedRoot: ${JSON.stringify(stack.trustedRoot)}`,
    'monitoredValues:',
    '  certIdentities:',
    '    - certSubject: ^alice@example\\.com$',
    `      issuers: [${JSON.stringify(`^${idp.url.replace(/[.]/g, '\\.')}$`)}]`,
    '',
  ].join('\n'),
);

const LOGS = [
  { name: 'rekor-v1 API', kind: 'rekor-v1', url: stack.url, hasCosign2Entry: true },
  { name: 'rekor-v1 tiles', kind: 'tiles', url: `${stack.url}/api/v1/log/tiles`, hasCosign2Entry: true },
  { name: 'CT API', kind: 'ct', url: stack.url, hasCosign2Entry: true },
  { name: 'CT tiles', kind: 'tiles', url: `${stack.url}/ct`, hasCosign2Entry: true },
  { name: 'Rekor v2 tiles', kind: 'tiles', url: `${stack.url}/api/v2`, hasCosign2Entry: false },
] as const;

const monitorOnce = (log: (typeof LOGS)[number]) =>
  run(...sigstack(['monitor', '--url', log.url, '--kind', log.kind, '--config', config, '--state', join(dir, `${log.name.replace(/ /g, '-')}.state.json`), '--once']));

/** Writes to Rekor v1 and v2 (no certificates: nothing the watch list names) until stopped. */
function writeLoad(): { stop: () => Promise<number> } {
  let stopped = false;
  let n = 0;
  const key = newSigningKey();
  const worker = async () => {
    while (!stopped) {
      const v1 = await postEntry(stack.url, hashedrekordEntry(key).entry);
      const v2 = await fetch(`${stack.url}/api/v2/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(hashedRekordV002Request(key)) });
      await v2.arrayBuffer();
      if (v1.status === 201 && v2.status === 201) n++;
    }
  };
  const workers = [worker(), worker(), worker()];
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return n;
    },
  };
}

t.test('first poll of each log: trusts the signed head, stores it, exits 0', async (t) => {
  for (const log of LOGS) {
    const r = await monitorOnce(log);
    t.equal(r.code, 0, `${log.name}: ${r.stderr}`);
    t.equal(r.stdout, '', `${log.name}: no alert`);
  }
});

t.test('healthy logs under write load: every poll verifies consistency and stays quiet', async (t) => {
  const load = writeLoad();
  for (let round = 0; round < 1; round++) {
    for (const log of LOGS) {
      const r = await monitorOnce(log);
      t.equal(r.code, 0, `${log.name} round ${round}: ${r.stderr}`);
      t.equal(r.stdout, '', `${log.name} round ${round}: no alert`);
    }
  }
  const written = await load.stop();
  t.ok(written > 0, `${written} entries written to each of Rekor v1 and v2 meanwhile`);
  for (const log of LOGS) {
    const r = await monitorOnce(log);
    t.equal(r.code, 0, `${log.name} after the load: ${r.stderr}`);
    t.match(r.stderr, /verified tree \d+/);
  }
});

t.test('a cosign 2.5 keyless signature for the watched identity: an alert on the next poll, exit 1', async (t) => {
  const artifact = join(dir, 'artifact.txt');
  writeFileSync(artifact, `signed by alice at ${new Date().toISOString()}\n`);
  const other = join(dir, 'other.txt');
  writeFileSync(other, 'signed by bob\n');
  const cosign = peer('cosign2');
  const services = ['--fulcio-url', stack.url, '--rekor-url', stack.url, '--yes'];
  await runClientOk(cosign, ['sign-blob', ...services, '--identity-token', tokenFile(dir, await idp.emailToken('bob@example.com')), '--bundle', join(dir, 'other.bundle'), other], { env: env2 });
  await runClientOk(cosign, ['sign-blob', ...services, '--identity-token', tokenFile(dir, await idp.emailToken('alice@example.com')), '--bundle', join(dir, 'a.bundle'), artifact], { env: env2 });
  for (const log of LOGS) {
    const r = await monitorOnce(log);
    if (!log.hasCosign2Entry) {
      t.equal(r.code, 0, `${log.name}: nothing of alice's there`);
      t.equal(r.stdout, '');
      continue;
    }
    t.equal(r.code, 1, `${log.name}: ${r.stderr}`);
    const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    t.equal(alerts.length, 1, `${log.name}: one alert (bob's signature is not watched)`);
    t.match(alerts[0], {
      type: 'identity',
      log: log.url,
      kind: log.kind,
      index: Number,
      match: { found: { kind: log.kind === 'rekor-v1' || log.url.endsWith('/tiles') ? 'certificate' : 'precertificate', subject: 'alice@example.com', issuer: idp.url } },
    });
    const again = await monitorOnce(log);
    t.equal(again.code, 0, `${log.name}: reported once; the next poll is quiet`);
  }
});
