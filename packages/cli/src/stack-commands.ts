import { parseArgs } from 'node:util';
import { systemClock } from '@sigstack/core';
import { resolve as resolvePath } from 'node:path';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_CHAIN_FILE, CA_INTERMEDIATE_KEY_FILE, CA_ROOT_KEY_FILE, openCertificateAuthority } from '@sigstack/fulcio';
import { openDevChain, TSA_CHAIN_FILE, TSA_LEAF_KEY_FILE, TSA_ROOT_KEY_FILE } from '@sigstack/tsa';
import { configFromEnv, isRekorV2Enabled, mintDevToken, openStack, readConfigFile, resolveConfig, WITNESS_LOGS_FILE, STACK_PID_FILE, type ConfigOverrides, type StackConfig } from '@sigstack/server';
import { fail } from './fail.js';

// The stack's own commands (up, dev-token, ca init, tsa init): loaded only when one of
// them runs, so the client verbs never pay for loading the servers.

export async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'public-url': { type: 'string' },
      config: { type: 'string' },
      'fulcio-config': { type: 'string' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  const flags: ConfigOverrides = {};
  if (values['fulcio-config'] !== undefined) flags.fulcio = { configFile: values['fulcio-config'] };
  if (values['data-dir'] !== undefined) flags.dataDir = values['data-dir'];
  if (values.host !== undefined) flags.host = values.host;
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port)) fail(`--port: "${values.port}" is not a port number`);
    flags.port = Number(values.port);
  }
  if (values['public-url'] !== undefined) flags.publicUrl = values['public-url'];
  if (values['log-level'] !== undefined) flags.logLevel = values['log-level'] as ConfigOverrides['logLevel']; // checked by the config schema
  const file = values.config !== undefined ? readConfigFile(values.config) : {};
  const config = resolveConfig(file, configFromEnv(process.env), flags);

  const stack = await openStack(config);
  const log = stack.app.log;
  if (config.development)
    log.warn({ dataDir: config.dataDir }, 'DEVELOPMENT DEFAULTS: keys are generated on first start and kept unencrypted in the data directory; do not use them in production');
  const url = await stack.listen();
  log.info({ url, trust: stack.trustDir }, `sigstack listening on ${url}`);
  process.stderr.write(startBanner(config, url, stack.trustDir));

  // SIGHUP adopts the key rotations staged in the data directory (sigstack tsa|ca rotate
  // finds this process through the pid file, written once the handler is in place:
  // an unhandled SIGHUP would end the process).
  process.on('SIGHUP', () => {
    stack.rotateKeys().then(
      (rotations) => log.info({ rotations }, rotations.length ? 'key rotation adopted' : 'SIGHUP: no key rotation staged'),
      (err: unknown) => log.error({ err }, 'key rotation failed: the current keys keep signing'),
    );
  });
  const pidFile = join(config.dataDir, STACK_PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    rmSync(pidFile, { force: true });
    log.info({ signal }, 'shutting down');
    stack.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * What `sigstack up` prints once it serves (the tests wait for its first line). The
 * keyless hint names `sigstack dev-token` only when the development issuer is on:
 * with `development: false` the CA trusts the operator's identity providers only,
 * and a dev token would be refused (issue 10).
 */
export function startBanner(config: StackConfig, url: string, trustDir: string): string {
  const devIssuer = config.fulcio.enabled && config.development && config.fulcio.devIssuer;
  const keyless = !config.fulcio.enabled
    ? ''
    : devIssuer
      ? `  keyless:   sigstack dev-token --data-dir ${config.dataDir} --email you@example.com --out token; cosign sign-blob --identity-token token ...\n`
      : `  keyless:   cosign sign-blob --fulcio-url ${url} --identity-token <a token from an identity provider in ${config.fulcio.configFile ?? 'fulcio.configFile'}> ...\n`;
  return (
    `\nsigstack is up at ${url}\n` +
    `  trust material: ${trustDir}/ (trusted_root.json, signing_config.v0.2.json, root.json, fulcio_chain.pem, ctfe.pub, rekor.pub, tsa_chain.pem, witness-logs.txt)\n` +
    `  cosign:    cosign sign-blob --key cosign.key --rekor-url ${url} --bundle b.json FILE\n` +
    `  rekor-cli: rekor-cli --rekor_server ${url} loginfo\n` +
    `  TSA:       ${url}/api/v1/timestamp (chain: ${trustDir}/tsa_chain.pem)\n` +
    keyless +
    (config.tuf.enabled ? `  TUF:       cosign initialize --mirror ${url}/tuf --root ${trustDir}/root.json\n` : '') +
    (isRekorV2Enabled(config)
      ? `  Rekor v2:  ${url}/api/v2/log/entries (tiles: ${url}/api/v2/checkpoint); ` +
        (config.rekorV2.offerInSigningConfig
          ? 'offered in signing_config.v0.2.json: cosign 3 and sigstore-go sign to it\n'
          : 'not in the signing config (rekorV2.offerInSigningConfig): cosign 3 signs to Rekor v1\n')
      : '') +
    witnessingLine(config, trustDir) +
    '\n'
  );
}

/** Which logs ask which witnesses, and how a witness is told about the logs (README "Operators" → "Witnesses"). */
function witnessingLine(config: StackConfig, trustDir: string): string {
  const logs = (['rekor', 'rekorV2', 'ctlog'] as const).filter((l) => config[l].witnessing.witnesses.length > 0);
  if (logs.length === 0) return '';
  const each = logs.map((l) => {
    const w = config[l].witnessing;
    return `${l} by ${w.witnesses.map((x) => x.name).join(', ')} (${w.quorum ?? w.witnesses.length} of ${w.witnesses.length}${w.waitForWitnesses ? ', writes wait' : ''})`;
  });
  return `  witnesses: ${each.join('; ')}; each runs sigstack witness --logs-file ${trustDir}/${WITNESS_LOGS_FILE}\n`;
}

export async function caCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'rotate') return (await import('./rotate-command.js')).rotateCommand('ca', rest);
  if (sub !== 'init') fail(`unknown ca command "${sub ?? ''}": try "sigstack ca init" or "sigstack ca rotate"`);
  const { values } = parseArgs({
    args: rest,
    options: {
      dir: { type: 'string', default: './.sigstack/fulcio' },
      algorithm: { type: 'string', default: 'ecdsa-p256-sha256' },
      organization: { type: 'string', default: 'sigstack' },
      'common-name': { type: 'string', default: 'sigstack' },
      key: { type: 'string' },
    },
    strict: true,
  });
  if (values.algorithm !== 'ecdsa-p256-sha256' && values.algorithm !== 'ecdsa-p384-sha384')
    fail(`--algorithm must be ecdsa-p256-sha256 or ecdsa-p384-sha384, got ${values.algorithm}`);
  const dir = resolvePath(values.dir);
  if (existsSync(join(dir, CA_CHAIN_FILE))) fail(`${join(dir, CA_CHAIN_FILE)} exists: the CA is already initialised (clients trust that chain)`);
  const signer = values.key !== undefined ? await hsmKey(values.key, values.algorithm) : undefined;
  const ca = await openCertificateAuthority({
    dir,
    create: true,
    algorithm: values.algorithm,
    subject: { organization: values.organization, commonName: values['common-name'] },
    ...(signer ? { signer } : {}),
  }).finally(() => signer?.close());
  process.stdout.write(
    `created the CA in ${dir}: ${CA_CHAIN_FILE} (intermediate, root), ${signer ? `intermediate key ${signer.uri}` : CA_INTERMEDIATE_KEY_FILE}, ${CA_ROOT_KEY_FILE}\n` +
      (signer ? `configure fulcio.key.path: '${values.key}'\n` : '') +
      `intermediate valid until ${new Date(ca.notAfter).toISOString()}\n` +
      `move ${join(dir, CA_ROOT_KEY_FILE)} to offline storage: the running CA needs only the intermediate key\n`,
  );
}

export async function tsaCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'rotate') return (await import('./rotate-command.js')).rotateCommand('tsa', rest);
  if (sub !== 'init') fail(`unknown tsa command "${sub ?? ''}": try "sigstack tsa init" or "sigstack tsa rotate"`);
  const { values } = parseArgs({ args: rest, options: { dir: { type: 'string', default: './.sigstack/tsa' }, key: { type: 'string' } }, strict: true });
  const dir = resolvePath(values.dir);
  if (existsSync(join(dir, TSA_CHAIN_FILE))) fail(`${join(dir, TSA_CHAIN_FILE)} exists: the TSA is already initialised (clients trust that chain)`);
  const leafSigner = values.key !== undefined ? await hsmKey(values.key, 'ecdsa-p256-sha256') : undefined;
  await openDevChain({ dir, clock: systemClock, create: true, ...(leafSigner ? { leafSigner } : {}) }).finally(() => leafSigner?.close());
  process.stdout.write(
    `created the TSA chain in ${dir}: ${TSA_CHAIN_FILE} (leaf, root), ${leafSigner ? `leaf key ${leafSigner.uri}` : TSA_LEAF_KEY_FILE}, ${TSA_ROOT_KEY_FILE}\n` +
      (leafSigner ? `configure tsa.key.path: '${values.key}'\n` : '') +
      `move ${join(dir, TSA_ROOT_KEY_FILE)} to offline storage: the running TSA needs only the leaf key\n`,
  );
}

/** The key of `--key`: a pkcs11: URI only (a file key is the default, made in DIR/keys). */
async function hsmKey(uri: string, algorithm: 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384') {
  const { isPkcs11Uri, Pkcs11Signer } = await import('@sigstack/pkcs11');
  if (!isPkcs11Uri(uri)) fail(`--key takes a pkcs11: URI (a key on an HSM, see sigstack hsm help); without --key the key is made in the directory`);
  return Pkcs11Signer.open({ uri, algorithm, sessions: 1 });
}

export function devToken(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string', default: './.sigstack' },
      email: { type: 'string' },
      'github-workflow': { type: 'boolean', default: false },
      repository: { type: 'string' },
      workflow: { type: 'string' },
      ref: { type: 'string' },
      sha: { type: 'string' },
      event: { type: 'string' },
      environment: { type: 'string' },
      audience: { type: 'string' },
      ttl: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (values.ttl !== undefined && !/^\d+$/.test(values.ttl)) fail(`--ttl: "${values.ttl}" is not a number of seconds`);
  if (values['github-workflow'] && !values.repository) fail('--github-workflow needs --repository OWNER/REPO');
  const token = mintDevToken(resolvePath(values['data-dir']), {
    ...(values.email !== undefined ? { email: values.email } : {}),
    ...(values['github-workflow']
      ? {
          githubWorkflow: {
            repository: values.repository!,
            ...(values.workflow ? { workflowPath: values.workflow } : {}),
            ...(values.ref ? { ref: values.ref } : {}),
            ...(values.sha ? { sha: values.sha } : {}),
            ...(values.event ? { eventName: values.event } : {}),
            ...(values.environment ? { environment: values.environment } : {}),
          },
        }
      : {}),
    ...(values.audience ? { audience: values.audience } : {}),
    ...(values.ttl ? { ttlSeconds: Number(values.ttl) } : {}),
  });
  // cosign puts the bytes of `--identity-token FILE` into the Authorization header as
  // they are: the file gets no trailing newline.
  if (values.out !== undefined) writeFileSync(values.out, token, { mode: 0o600 });
  else process.stdout.write(token + '\n');
}
