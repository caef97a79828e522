import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FileSigner, isSigstackError, type Signer, type SigningAlgorithm } from '@sigstack/core';
import {
  addSignature,
  addTarget,
  ceremonyPayload,
  ceremonyStatus,
  initCeremony,
  publishCeremony,
  refreshRole,
  removeTarget,
  rotateRoot,
  signRole,
  toTufKey,
  type RoleKeyInput,
  type RoleStatus,
} from '@sigstack/tuf';

export const TUF_USAGE = `usage: sigstack tuf <command> --dir CEREMONY [flags]

The offline TUF signing ceremony (see tuf-root/README.md). Keys are PEM files: public
keys (SPKI) for init/rotate-root, private keys (PKCS#8, optionally encrypted; the
passphrase comes from the environment variable named by --passphrase-env) for sign
and publish.

commands:
  keygen       --out FILE [--algorithm ed25519|ecdsa-p256-sha256|ecdsa-p384-sha384] [--passphrase-env VAR]
               write a new private key to FILE and its public key to FILE.pub
  init         --root-key PUB... --root-threshold K --targets-key PUB... --targets-threshold K
               --online-key PUB (snapshot+timestamp) | --snapshot-key PUB... --timestamp-key PUB...
               [--root-expiry-days N] [--targets-expiry-days N] [--snapshot-expiry-days N] [--timestamp-expiry-days N]
  add-target   --file FILE [--name NAME] [--custom JSON | --custom-file FILE]
  remove-target --name NAME
  payload      --role root|targets [--out FILE]      the canonical bytes a keyholder signs
  sign         --role root|targets --key PRIVATE.pem [--passphrase-env VAR]
  add-signature --role root|targets --keyid HEX --sig HEX|-   (- reads the hex from stdin)
  status       who signed what, and whether each threshold is met
  publish      --repository DIR (--online-key PRIVATE.pem|pkcs11:URI | --snapshot-key .. --timestamp-key ..) [--passphrase-env VAR]
  rotate-root  [--root-key PUB... --root-threshold K] [--targets-key ... --targets-threshold K]
               [--online-key PUB | --snapshot-key ... --timestamp-key ...] [--expiry-days N]
               stage root version N+1 (needs N's root threshold and its own)
  refresh      --role root|targets [--expiry-days N]   new version with a new expiry (sign again)
`;

const ALGORITHMS: readonly SigningAlgorithm[] = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384'];

class UsageError extends Error {}

const OPTIONS = {
  dir: { type: 'string' },
  out: { type: 'string' },
  algorithm: { type: 'string' },
  'passphrase-env': { type: 'string' },
  'root-key': { type: 'string', multiple: true },
  'root-threshold': { type: 'string' },
  'targets-key': { type: 'string', multiple: true },
  'targets-threshold': { type: 'string' },
  'online-key': { type: 'string', multiple: true },
  'snapshot-key': { type: 'string', multiple: true },
  'timestamp-key': { type: 'string', multiple: true },
  'snapshot-threshold': { type: 'string' },
  'timestamp-threshold': { type: 'string' },
  'root-expiry-days': { type: 'string' },
  'targets-expiry-days': { type: 'string' },
  'snapshot-expiry-days': { type: 'string' },
  'timestamp-expiry-days': { type: 'string' },
  'expiry-days': { type: 'string' },
  file: { type: 'string' },
  name: { type: 'string' },
  custom: { type: 'string' },
  'custom-file': { type: 'string' },
  role: { type: 'string' },
  key: { type: 'string' },
  keyid: { type: 'string' },
  sig: { type: 'string' },
  repository: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

/**
 * `sigstack tuf ...`: a thin layer over the ceremony functions of @sigstack/tuf.
 * User errors (bad flags, refused signatures, thresholds not met, ...) print
 * `sigstack tuf: <message>` and exit with status 2.
 */
export async function tufCommand(args: string[]): Promise<void> {
  const [cmd, ...rest] = args;
  try {
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
      process.stdout.write(TUF_USAGE);
      return;
    }
    let values: Values;
    try {
      values = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values.help) {
      process.stdout.write(TUF_USAGE);
      return;
    }
    await run(cmd, values);
  } catch (e) {
    if (e instanceof UsageError || isSigstackError(e)) {
      process.stderr.write(`sigstack tuf: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

async function run(cmd: string, v: Values): Promise<void> {
  const now = Date.now();
  const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  if (cmd === 'keygen') {
    const path = need(v.out, '--out');
    const algorithm = (v.algorithm ?? 'ed25519') as SigningAlgorithm;
    if (!ALGORITHMS.includes(algorithm)) throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
    const signer = FileSigner.open({ path: readonlyNew(path), create: true, algorithm, passphrase: passphrase(v) });
    writeFileSync(`${path}.pub`, signer.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    // The key ID is what `status` lists and `add-signature --keyid` takes.
    out(`wrote ${path} (private, ${algorithm}) and ${path}.pub; TUF key ID ${toTufKey(signer.publicKey).keyID}`);
    return;
  }
  const dir = need(v.dir, '--dir');
  switch (cmd) {
    case 'init': {
      const online = v['online-key'];
      initCeremony(dir, {
        root: roleKeys(v['root-key'], v['root-threshold'], 'root', true)!,
        targets: roleKeys(v['targets-key'], v['targets-threshold'], 'targets', true)!,
        snapshot: roleKeys(v['snapshot-key'] ?? online, v['snapshot-threshold'] ?? '1', 'snapshot', true)!,
        timestamp: roleKeys(v['timestamp-key'] ?? online, v['timestamp-threshold'] ?? '1', 'timestamp', true)!,
        expiryDays: {
          ...days('root', v['root-expiry-days']),
          ...days('targets', v['targets-expiry-days']),
          ...days('snapshot', v['snapshot-expiry-days']),
          ...days('timestamp', v['timestamp-expiry-days']),
        },
        now,
      });
      out(`initialised ${dir}: root version 1 and targets version 1 need signing (sigstack tuf sign --role root|targets)`);
      return;
    }
    case 'add-target': {
      const file = need(v.file, '--file');
      const name = v.name ?? file.split('/').pop()!;
      let custom: Record<string, unknown> | undefined;
      const text = v.custom ?? (v['custom-file'] !== undefined ? read(v['custom-file']).toString() : undefined);
      if (text !== undefined) {
        try {
          custom = JSON.parse(text) as Record<string, unknown>;
        } catch (e) {
          throw new UsageError(`--custom is not JSON: ${(e as Error).message}`);
        }
        if (custom === null || typeof custom !== 'object' || Array.isArray(custom)) throw new UsageError('--custom must be a JSON object');
      }
      addTarget(dir, { name, bytes: read(file), custom, now });
      out(`added target ${name}; targets must be signed again`);
      return;
    }
    case 'remove-target':
      removeTarget(dir, need(v.name, '--name'), now);
      out(`removed target ${v.name}; targets must be signed again`);
      return;
    case 'payload': {
      const bytes = ceremonyPayload(dir, need(v.role, '--role'));
      if (v.out) writeFileSync(v.out, bytes);
      else process.stdout.write(bytes);
      return;
    }
    case 'sign': {
      const signer = FileSigner.open({ path: need(v.key, '--key'), passphrase: passphrase(v) });
      const keyid = await signRole(dir, need(v.role, '--role'), signer);
      out(`signed ${v.role} with key ${keyid}`);
      return;
    }
    case 'add-signature': {
      const sig = need(v.sig, '--sig');
      addSignature(dir, need(v.role, '--role'), need(v.keyid, '--keyid'), sig === '-' ? readFileSync(0, 'utf8') : sig);
      out(`stored the signature of ${v.keyid} on ${v.role}`);
      return;
    }
    case 'status': {
      const s = ceremonyStatus(dir);
      out(formatStatus(s.root) + formatStatus(s.targets));
      return;
    }
    case 'publish': {
      const online = v['online-key'];
      const snapshot = await signers(v['snapshot-key'] ?? online, v, '--snapshot-key or --online-key');
      const timestamp = await signers(v['timestamp-key'] ?? online, v, '--timestamp-key or --online-key');
      const r = await publishCeremony(dir, { repository: need(v.repository, '--repository'), snapshot, timestamp, now });
      out(`published into ${v.repository}: root ${r.root}, targets ${r.targets}, snapshot ${r.snapshot}, timestamp ${r.timestamp}`);
      return;
    }
    case 'rotate-root': {
      const online = v['online-key'];
      const version = rotateRoot(dir, {
        root: roleKeys(v['root-key'], v['root-threshold'], 'root', false),
        targets: roleKeys(v['targets-key'], v['targets-threshold'], 'targets', false),
        snapshot: roleKeys(v['snapshot-key'] ?? online, v['snapshot-threshold'] ?? (v['snapshot-key'] ?? online ? '1' : undefined), 'snapshot', false),
        timestamp: roleKeys(v['timestamp-key'] ?? online, v['timestamp-threshold'] ?? (v['timestamp-key'] ?? online ? '1' : undefined), 'timestamp', false),
        expiresDays: v['expiry-days'] !== undefined ? positive(v['expiry-days'], '--expiry-days') : undefined,
        now,
      });
      out(`staged root version ${version}: it needs the root threshold of version ${version - 1} and its own`);
      return;
    }
    case 'refresh': {
      const role = need(v.role, '--role');
      const version = refreshRole(dir, role, { now, expiresDays: v['expiry-days'] !== undefined ? positive(v['expiry-days'], '--expiry-days') : undefined });
      out(`staged ${role} version ${version} with a new expiry; sign it again`);
      return;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"\n\n${TUF_USAGE}`);
  }
}

function formatStatus(s: RoleStatus): string {
  const lines = [`${s.role} version ${s.version} (expires ${s.expires})${s.published ? ', published' : ''}: ${s.complete ? 'COMPLETE' : 'NEEDS SIGNATURES'}`];
  for (const c of s.checks) {
    // Root is checked against its own keys (and the previous root's); targets against the root's targets keys.
    const whose = s.role === 'root' ? `root keys of root version ${c.against}` : `${s.role} keys listed in root version ${c.against}`;
    lines.push(`  threshold of the ${whose}: ${c.valid.length}/${c.threshold} ${c.met ? 'met' : 'not met'}`);
    for (const id of c.valid) lines.push(`    signed       ${id}`);
    for (const id of c.missing) lines.push(`    not signed   ${id}`);
    for (const id of c.invalid) lines.push(`    BAD SIG      ${id}`);
  }
  return `${lines.join('\n')}\n`;
}

function need(v: string | undefined, flag: string): string {
  if (v === undefined || v === '') throw new UsageError(`${flag} is required`);
  return v;
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

function readonlyNew(path: string): string {
  try {
    readFileSync(path);
  } catch {
    return path;
  }
  throw new UsageError(`${path} exists: refusing to overwrite a key`);
}

function positive(s: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(s) || Number(s) <= 0) throw new UsageError(`${flag} must be a positive number, not "${s}"`);
  return Number(s);
}

function days(role: string, s: string | undefined): Record<string, number> {
  return s === undefined ? {} : { [role]: positive(s, `--${role}-expiry-days`) };
}

function roleKeys(files: string[] | undefined, threshold: string | undefined, role: string, required: boolean): RoleKeyInput | undefined {
  if (!files || files.length === 0) {
    if (required) throw new UsageError(`--${role}-key is required${role === 'snapshot' || role === 'timestamp' ? ' (or --online-key)' : ''}`);
    if (threshold !== undefined) throw new UsageError(`--${role}-threshold needs --${role}-key`);
    return undefined;
  }
  if (threshold === undefined) throw new UsageError(`--${role}-threshold is required with --${role}-key`);
  if (!/^-?\d+$/.test(threshold)) throw new UsageError(`--${role}-threshold must be a whole number, not "${threshold}"`);
  return { keys: files.map((f) => read(f).toString()), threshold: Number(threshold) };
}

function passphrase(v: Values): string | undefined {
  const name = v['passphrase-env'];
  if (name === undefined) return undefined;
  const p = process.env[name];
  if (p === undefined) throw new UsageError(`--passphrase-env: environment variable ${name} is not set`);
  return p;
}

/** Key files, or pkcs11: URIs: the online key of a production stack may live on its HSM (README "Keys in an HSM"). */
async function signers(files: string[] | undefined, v: Values, flag: string): Promise<Signer[]> {
  if (!files || files.length === 0) throw new UsageError(`${flag} is required`);
  const p = passphrase(v);
  const out: Signer[] = [];
  for (const path of files) {
    if (path.slice(0, 7).toLowerCase() !== 'pkcs11:') out.push(FileSigner.open({ path, passphrase: p }));
    else {
      const { Pkcs11Signer } = await import('@sigstack/pkcs11');
      out.push(await Pkcs11Signer.open({ uri: path, sessions: 1 }));
    }
  }
  return out;
}
