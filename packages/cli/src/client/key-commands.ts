import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { generateCosignKeyPair, isPkcs11KeyRef, loadPrivateKey, publicKeyPem } from '@sigstack/client';
import { openTokenKey } from './client-options.js';
import { CoreError } from '@sigstack/core';
import { readPassword, result, status, usage } from './cli-io.js';

/**
 * `generate-key-pair` and `public-key`, flagged as cosign 2 and 3 have them
 * (cmd/cosign/cli/options/generate_key_pair.go, public_key.go). Key storage in KMS,
 * Kubernetes secrets, GitHub/GitLab and hardware security keys is not ours: those
 * flags and references are refused by name rather than ignored.
 */

const GENERATE_USAGE = `usage: sigstack generate-key-pair [--output-key-prefix PREFIX]

Writes PREFIX.key (ECDSA P-256, encrypted as cosign does, mode 0600) and PREFIX.pub.
The password comes from COSIGN_PASSWORD, else a prompt, else standard input.
  --output-key-prefix PREFIX   name of the .key and .pub files (default cosign)`;

const PUBLIC_KEY_USAGE = `usage: sigstack public-key --key FILE|pkcs11:URI [--outfile FILE]

Prints the public key of a private key file (cosign's encrypted format, or an
unencrypted PEM private key) or of a key on a PKCS#11 token
(pkcs11:token=..;object=..?module-path=..&pin-value=..) on standard output, or
writes it to --outfile.`;

export async function generateKeyPairCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      'output-key-prefix': { type: 'string', default: 'cosign' },
      kms: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return result(GENERATE_USAGE);
  if (values.kms !== undefined) usage('--kms: keys in a KMS are not supported; generate a key file instead');
  if (positionals.length > 0) usage(`generate-key-pair: storing keys in "${positionals[0]}" is not supported (k8s://, github://, gitlab://); it writes key files only`);
  const prefix = values['output-key-prefix'];
  if (prefix === '') usage('--output-key-prefix must not be empty');
  const keyFile = `${prefix}.key`;
  const pubFile = `${prefix}.pub`;

  // cosign asks before replacing a key file. Without a terminal there is nobody to
  // ask, and silently destroying a private key is worse than failing.
  if (existsSync(keyFile)) await confirmOverwrite(keyFile);

  const password = await readPassword({ confirm: true });
  const pair = generateCosignKeyPair(password);
  fileOp(keyFile, 'write', () => writePrivateFile(keyFile, pair.privateKeyPem));
  status(`Private key written to ${keyFile}`);
  fileOp(pubFile, 'write', () => writeFileSync(pubFile, pair.publicKeyPem, { mode: 0o644 }));
  status(`Public key written to ${pubFile}`);
}

export async function publicKeyCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      key: { type: 'string' },
      outfile: { type: 'string' },
      sk: { type: 'boolean' },
      slot: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return result(PUBLIC_KEY_USAGE);
  if (values.sk || values.slot !== undefined) usage('--sk/--slot: hardware security keys are not supported');
  const keyRef = values.key;
  if (keyRef === undefined || keyRef === '') usage('public-key: --key FILE is required');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(keyRef)) usage(`--key ${keyRef}: only key files and pkcs11: keys are supported (not KMS, Kubernetes or URL references)`);

  let out: string;
  if (isPkcs11KeyRef(keyRef)) {
    // As cosign public-key --key pkcs11:...: the public key object of the token key.
    const key = await openTokenKey(keyRef);
    key.close();
    out = publicKeyPem(key.publicKey);
  } else {
    const key = await loadPrivateKey(readKeyFile(keyRef), () => readPassword());
    out = publicKeyPem(key);
  }
  if (values.outfile !== undefined && values.outfile !== '') {
    const outfile = values.outfile;
    fileOp(outfile, 'write', () => writeFileSync(outfile, out, { mode: 0o644 }));
    status(`Public key written to ${values.outfile}`);
  } else {
    process.stdout.write(out);
  }
}

function readKeyFile(path: string): string {
  return fileOp(path, 'read', () => readFileSync(path, 'utf8'));
}

/** A file system failure as a coded error naming the file (no stack trace for a missing directory). */
function fileOp<T>(path: string, verb: 'read' | 'write', fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CoreError('KEY_FILE', `cannot ${verb} ${path}: ${err.code ?? err.message}`, { cause: e });
  }
}

/** cosign's "File X already exists. Overwrite?" with a y/N answer on the terminal. */
async function confirmOverwrite(file: string): Promise<void> {
  if (!process.stdin.isTTY) usage(`File ${file} already exists; not overwriting it without a terminal to confirm (remove it first)`);
  status(`WARNING: File ${file} already exists. Overwrite?`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question('Are you sure you would like to continue? [y/N] ')).trim();
    if (answer.toLowerCase() !== 'y') usage(`not overwriting ${file}: user declined the prompt`);
  } finally {
    rl.close();
  }
}

/**
 * Writes the private key with mode 0600 from its first byte: a new file next to the
 * target, then a rename, so an existing key is replaced whole (never half-written)
 * and an overwritten key file does not keep looser permissions.
 */
function writePrivateFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600); // the umask may have removed bits, never added: make it exact
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
