#!/usr/bin/env node
// The sigstore-conformance entry point (run through scripts/conformance-client) (github.com/sigstore/sigstore-conformance,
// docs/cli_protocol.md): the suite's `sign-bundle` / `verify-bundle` mapped onto
// sigstack's cosign-named verbs. Exit 0 on success, non-zero on any failure.
//
//   sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle FILE
//               [--trusted-root FILE] [--signing-config FILE] FILE
//   verify-bundle [--staging] --bundle FILE
//               (--certificate-identity I --certificate-oidc-issuer U | --key K)
//               [--trusted-root FILE] FILE_OR_DIGEST
//
// sign-bundle      -> sigstack sign-blob (a message signature), or with --in-toto
//                     sigstack attest-blob --statement FILE (the statement, signed as DSSE)
// verify-bundle    -> sigstack verify-blob, or verify-blob-attestation when the bundle
//                     holds a DSSE envelope (then FILE_OR_DIGEST is a statement subject)
//
// Trust: the protocol means the Sigstore public-good instance when no --trusted-root
// (or --signing-config) is given. sigstack has no public-good default, so this wrapper
// gets public-good's trust material through TUF (sigstore-js's @sigstore/tuf and its
// embedded public-good root) unless SIGSTACK_CONFORMANCE_TRUSTED_ROOT names a trusted
// root file to use instead (for machines with no route to tuf-repo-cdn.sigstore.dev).
// --staging is refused: this entry point does not speak to public-good staging.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIGSTACK = join(ROOT, 'packages/cli/bin/sigstack.js');
const PUBLIC_GOOD_TUF = 'https://tuf-repo-cdn.sigstore.dev';

class Failure extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** Ends the command with `status` (2: wrong usage, 1: could not do it). */
function fail(message, status = 2) {
  throw new Failure(message, status);
}

/** Flags of the protocol: value flags take the next argument; the last argument is the file. */
function parse(args, valueFlags, boolFlags) {
  const flags = {};
  const positionals = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const name = a.slice(2);
      if (boolFlags.includes(name)) flags[name] = true;
      else if (valueFlags.includes(name)) {
        if (i + 1 >= args.length) fail(`${a} needs a value`);
        flags[name] = args[++i];
      } else fail(`unknown flag ${a}`);
    } else positionals.push(a);
  }
  if (positionals.length !== 1) fail(`expected one FILE, got ${positionals.length}`);
  if (flags.staging) fail('--staging: this client does not use Sigstore public-good staging');
  return { flags, file: positionals[0] };
}

let scratch;
function tempFile(name, text) {
  scratch ??= mkdtempSync(join(tmpdir(), 'sigstack-conformance-'));
  const p = join(scratch, name);
  writeFileSync(p, text);
  return p;
}

/** A TUF target of the public-good repository, verified by @sigstore/tuf from its embedded root. */
async function publicGoodTarget(target) {
  const require = createRequire(join(ROOT, 'packages/client/package.json'));
  const tuf = await import(require.resolve('@sigstore/tuf'));
  try {
    const client = await tuf.initTUF({ mirrorURL: PUBLIC_GOOD_TUF, cachePath: join(scratch ?? mkdtempSync(join(tmpdir(), 'sigstack-conformance-')), 'tuf') });
    return await client.getTarget(target);
  } catch (e) {
    fail(`no --trusted-root/--signing-config given and public-good TUF (${PUBLIC_GOOD_TUF}) is unreachable: ${e.message}`, 1);
  }
}

async function trustedRoot(flags) {
  if (flags['trusted-root']) return flags['trusted-root'];
  const fromEnv = process.env.SIGSTACK_CONFORMANCE_TRUSTED_ROOT;
  if (fromEnv) return fromEnv;
  return tempFile('trusted_root.json', await publicGoodTarget('trusted_root.json'));
}

function run(verb, args) {
  const r = spawnSync(process.execPath, [SIGSTACK, verb, ...args], { stdio: 'inherit' });
  if (r.error) fail(`cannot run sigstack: ${r.error.message}`, 1);
  return r.status ?? 1;
}

async function signBundle(args) {
  const { flags, file } = parse(args, ['identity-token', 'bundle', 'trusted-root', 'signing-config'], ['staging', 'in-toto']);
  if (!flags['identity-token']) fail('--identity-token is required');
  if (!flags.bundle) fail('--bundle is required');
  const signingConfig = flags['signing-config'] ?? tempFile('signing_config.v0.2.json', await publicGoodTarget('signing_config.v0.2.json'));
  const common = ['--yes', '--identity-token', flags['identity-token'], '--bundle', flags.bundle, '--signing-config', signingConfig];
  if (flags['trusted-root']) common.push('--trusted-root', flags['trusted-root']);
  return flags['in-toto'] ? run('attest-blob', [...common, '--statement', file]) : run('sign-blob', [...common, file]);
}

/** True when the bundle holds a DSSE envelope; a bundle we cannot read goes to verify-blob, which says why. */
function holdsDsse(path) {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    return typeof json === 'object' && json !== null && 'dsseEnvelope' in json;
  } catch {
    return false;
  }
}

async function verifyBundle(args) {
  const { flags, file } = parse(args, ['bundle', 'certificate-identity', 'certificate-oidc-issuer', 'key', 'trusted-root'], ['staging']);
  if (!flags.bundle) fail('--bundle is required');
  const identity = flags['certificate-identity'] !== undefined || flags['certificate-oidc-issuer'] !== undefined;
  if (identity === (flags.key !== undefined)) fail('give either --key or --certificate-identity with --certificate-oidc-issuer');
  const out = ['--bundle', flags.bundle, '--trusted-root', await trustedRoot(flags)];
  if (flags.key !== undefined) out.push('--key', flags.key);
  else out.push('--certificate-identity', flags['certificate-identity'] ?? '', '--certificate-oidc-issuer', flags['certificate-oidc-issuer'] ?? '');
  // A digest is "sha256:" and 64 hex digits that is not a path on disk; otherwise a path.
  let target = file;
  if (/^sha256:[0-9a-fA-F]{64}$/.test(file) && existsSync(file)) target = `./${file}`;
  else if (!/^sha256:[0-9a-fA-F]{64}$/.test(file) && !existsSync(file)) fail(`${file}: no such file`, 1);
  return run(holdsDsse(flags.bundle) ? 'verify-blob-attestation' : 'verify-blob', [...out, target]);
}

const [command, ...rest] = process.argv.slice(2);
let status;
try {
  if (command === 'sign-bundle') status = await signBundle(rest);
  else if (command === 'verify-bundle') status = await verifyBundle(rest);
  else fail(`unknown command ${JSON.stringify(command)}: expected sign-bundle or verify-bundle`);
} catch (e) {
  process.stderr.write(`conformance-client: ${e instanceof Failure ? e.message : (e?.stack ?? e)}\n`);
  status = e instanceof Failure ? e.status : 1;
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
