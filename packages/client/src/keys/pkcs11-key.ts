import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Signer } from '@sigstack/core';
import { ClientError } from '../errors.js';

/**
 * `--key pkcs11:...`: a signing key on a PKCS#11 token, named as cosign names it
 * (pkg/cosign/pkcs11key): `pkcs11:token=<label>;object=<key label>?module-path=<module>&pin-value=<PIN>`.
 *
 * cosign's rules, followed here:
 * - the token by `token=` (label) or `slot-id=`; one of them is required;
 * - the key by `object=` (CKA_LABEL) or `id=` (%-escaped CKA_ID); one of them is required;
 * - the module from `module-path=`, else $COSIGN_PKCS11_MODULE_PATH; it must be an
 *   absolute path to a regular file;
 * - the PIN from `pin-value=`, else $COSIGN_PKCS11_PIN, else a prompt on the terminal.
 *   (Ours as well: `pin-source=file:...` and $SIGSTACK_PKCS11_PIN / $SIGSTACK_PKCS11_MODULE.)
 *
 * Every failure (wrong PIN, no such key, a key type we do not sign with) is a
 * ClientError naming the key and the problem, never a fallback to another key.
 * @sigstack/pkcs11, and with it the native pkcs11js addon, is loaded only here: a
 * client that signs keyless or with key files never loads it.
 */
export interface TokenSigningKey extends Signer {
  /** An ECDSA signature over a digest the caller computed (a streamed file); absent for Ed25519. */
  signDigest?(digest: Uint8Array): Promise<Buffer>;
  close(): void;
}

export interface OpenPkcs11KeyOptions {
  /** Where COSIGN_PKCS11_* and SIGSTACK_PKCS11_* are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Asks for the PIN when the URI and environment name none (a terminal prompt); without it a missing PIN is an error. */
  readPin?: (prompt: string) => Promise<string>;
}

export function isPkcs11KeyRef(ref: string): boolean {
  return ref.slice(0, 7).toLowerCase() === 'pkcs11:';
}

export async function openPkcs11SigningKey(uri: string, opts: OpenPkcs11KeyOptions = {}): Promise<TokenSigningKey> {
  const p11 = await import('@sigstack/pkcs11');
  const env = opts.env ?? process.env;
  const shown = p11.redactPkcs11Uri(uri);
  const fail = (message: string, cause?: unknown): never => {
    throw new ClientError('KEY_INVALID', `--key ${shown}: ${message}`, cause === undefined ? undefined : { cause });
  };
  let u;
  try {
    u = p11.parsePkcs11Uri(uri);
  } catch (e) {
    return fail((e as Error).message, e);
  }
  if (u.token === undefined && u.slotId === undefined) fail('the PKCS#11 URI names no token: give token= (its label) or slot-id=');
  const modulePath = u.modulePath ?? env['COSIGN_PKCS11_MODULE_PATH'] ?? env[p11.MODULE_ENV];
  if (!modulePath) fail('no PKCS#11 module: give module-path=... in the URI or set COSIGN_PKCS11_MODULE_PATH');
  if (!isAbsolute(modulePath!)) fail(`module-path ${modulePath} is not an absolute path`);
  let isFile = false;
  try {
    isFile = statSync(modulePath!).isFile();
  } catch (e) {
    fail(`module-path ${modulePath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, e);
  }
  if (!isFile) fail(`module-path ${modulePath} is not a regular file`);

  // The PIN: the URI's, else cosign's variable, else ours, else asked for.
  const pinEnv: NodeJS.ProcessEnv = { ...env, [p11.MODULE_ENV]: modulePath };
  if (u.pinValue === undefined && u.pinSource === undefined) {
    const pin = env['COSIGN_PKCS11_PIN'] ?? env[p11.PIN_ENV] ?? (opts.readPin ? await opts.readPin(`Enter PIN for key '${u.object ?? ''}' in PKCS11 token '${u.token ?? ''}': `) : undefined);
    if (pin === undefined) fail('no PIN: give pin-value= in the URI or set COSIGN_PKCS11_PIN');
    pinEnv[p11.PIN_ENV] = pin;
  }
  try {
    // One session: a client signs one thing at a time.
    return await p11.Pkcs11Signer.open({ uri, env: pinEnv, sessions: 1 });
  } catch (e) {
    // HsmError by its own class: the CLI bundle loads @sigstack/pkcs11 (and its copy of
    // core) from node_modules, so core's isSigstackError does not know its errors.
    if (e instanceof p11.HsmError) return fail(e.message.replace(/^HSM key \S+: /, ''), e);
    throw e;
  }
}
