import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FileSigner, systemClock, writeFileAtomic, type Clock } from '@sigstack/core';
import { createCosignatureV1Signer, isValidKeyName, type NoteSigner } from '@sigstack/merkle';
import { WitnessError } from '../errors.js';

/** The witness's private key in its data directory (Ed25519, PKCS#8 PEM, mode 0600). */
export const WITNESS_KEY_FILE = 'witness-key.pem';
/** The witness's name, fixed at first start (the key ID commits to it). */
export const WITNESS_IDENTITY_FILE = 'witness.json';
/** The state database. */
export const WITNESS_STATE_FILE = 'witness.db';

export interface WitnessIdentity {
  name: string;
  cosigner: NoteSigner;
  /** `<name>+<hex hint>+<base64(0x04 ‖ key)>`: what logs and clients configure. */
  verifierKey: string;
}

/**
 * Opens the witness's identity in `dataDir`, creating key and name on first start.
 * The name defaults to `<host name>/witness`. A later start with another `name` is
 * refused: the verifier key commits to the name, and every log and client that
 * trusts this witness would have to change it.
 */
export function openWitnessIdentity(opts: { dataDir: string; name?: string; clock?: Clock; passphrase?: string }): WitnessIdentity {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const idPath = join(opts.dataDir, WITNESS_IDENTITY_FILE);
  let name: string;
  if (existsSync(idPath)) {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(idPath, 'utf8'));
    } catch (cause) {
      throw new WitnessError('INVALID_OPTIONS', `cannot read ${idPath}`, { cause });
    }
    const n = (stored as { name?: unknown }).name;
    if (typeof n !== 'string' || !isValidKeyName(n)) throw new WitnessError('INVALID_OPTIONS', `${idPath} holds no valid witness name`);
    if (opts.name !== undefined && opts.name !== n)
      throw new WitnessError('INVALID_OPTIONS', `this witness is named ${JSON.stringify(n)} (${idPath}); its verifier key commits to that name, so it cannot become ${JSON.stringify(opts.name)}`);
    name = n;
  } else {
    name = opts.name ?? `${hostname()}/witness`;
    if (!isValidKeyName(name)) throw new WitnessError('INVALID_OPTIONS', `invalid witness name ${JSON.stringify(name)}: no spaces or '+'`);
  }
  const signer = FileSigner.open({
    path: join(opts.dataDir, WITNESS_KEY_FILE),
    create: true,
    algorithm: 'ed25519',
    ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
  });
  if (!existsSync(idPath)) writeFileAtomic(idPath, `${JSON.stringify({ name }, null, 2)}\n`);
  const cosigner = createCosignatureV1Signer(name, signer, opts.clock ?? systemClock);
  return { name, cosigner, verifierKey: cosigner.verifierKey };
}
