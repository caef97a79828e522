import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { CoreError } from '../errors.js';
import { digestOf, type Signer, type SigningAlgorithm } from './signer.js';

export interface FileSignerOptions {
  /** Path of a PKCS#8 PEM private key (optionally encrypted). */
  path: string;
  /** Passphrase for an encrypted key file. */
  passphrase?: string;
  /** Generate the key (mode 0600) if the file does not exist. Development defaults only. */
  create?: boolean;
  /** Algorithm for a generated key; for an existing key it must match, if given. */
  algorithm?: SigningAlgorithm;
}

/** A Signer over a private key held in a PEM file. */
export class FileSigner implements Signer {
  readonly algorithm: SigningAlgorithm;
  readonly publicKey: KeyObject;
  readonly publicKeyDer: Buffer;
  readonly #key: KeyObject;
  readonly #digest: 'sha256' | 'sha384' | null;

  constructor(privateKey: KeyObject) {
    this.algorithm = algorithmOf(privateKey);
    this.#key = privateKey;
    this.#digest = digestOf(this.algorithm);
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyDer = this.publicKey.export({ type: 'spki', format: 'der' });
  }

  /** Opens the key file, creating it first when asked to. */
  static open(opts: FileSignerOptions): FileSigner {
    if (!existsSync(opts.path)) {
      if (!opts.create) throw new CoreError('KEY_FILE', `key file ${opts.path} does not exist`);
      const key = generatePrivateKey(opts.algorithm ?? 'ecdsa-p256-sha256');
      mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
      const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
      // Write then rename, so a crash never leaves a half-written key behind.
      writeFileSync(opts.path + '.tmp', pem, { mode: 0o600 });
      renameSync(opts.path + '.tmp', opts.path);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: readFileSync(opts.path), format: 'pem', passphrase: opts.passphrase ?? '' });
    } catch (cause) {
      throw new CoreError('KEY_FILE', `cannot read private key ${opts.path}: ${(cause as Error).message}`, { cause });
    }
    const signer = new FileSigner(key);
    if (opts.algorithm && opts.algorithm !== signer.algorithm)
      throw new CoreError('KEY_FILE', `key ${opts.path} is ${signer.algorithm}, expected ${opts.algorithm}`);
    return signer;
  }

  async sign(data: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) =>
      cryptoSign(this.#digest, data, this.#key, (err, sig) => (err ? reject(err) : resolve(sig))),
    );
  }

  signSync(data: Uint8Array): Buffer {
    return cryptoSign(this.#digest, data, this.#key);
  }
}

export function generatePrivateKey(alg: SigningAlgorithm): KeyObject {
  switch (alg) {
    case 'ecdsa-p256-sha256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'ecdsa-p384-sha384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

/** An in-memory signer with a fresh key (tests, benchmarks). */
export function createEphemeralSigner(alg: SigningAlgorithm = 'ecdsa-p256-sha256'): FileSigner {
  return new FileSigner(generatePrivateKey(alg));
}

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ecdsa-p256-sha256';
    if (curve === 'secp384r1') return 'ecdsa-p384-sha384';
  }
  throw new CoreError('UNSUPPORTED_KEY', `unsupported signing key type ${key.asymmetricKeyType}`);
}
