import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CoreError } from '../errors.js';
import { writeFileOnce } from '../fs/write-once.js';
import { digestOf, type Signer, type SigningAlgorithm } from './signer.js';

export interface FileSignerOptions {
  /** Path of a PKCS#8 PEM private key (optionally encrypted). */
  path: string;
  /** Passphrase for an encrypted key file. A key generated with `create` is encrypted with it. */
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
    if (privateKey.type !== 'private') throw new CoreError('UNSUPPORTED_KEY', `a signer needs a private key, not a ${privateKey.type} key`);
    this.#key = privateKey;
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyDer = this.publicKey.export({ type: 'spki', format: 'der' });
    this.algorithm = algorithmOf(privateKey, this.publicKeyDer);
    this.#digest = digestOf(this.algorithm);
  }

  /** Opens the key file, creating it first when asked to. */
  static open(opts: FileSignerOptions): FileSigner {
    if (!existsSync(opts.path)) {
      if (!opts.create) throw new CoreError('KEY_FILE', `key file ${opts.path} does not exist`);
      createKeyFile(opts);
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

/**
 * Writes a new key to opts.path: mode 0600 from the start, complete or not at all, and
 * never over a key that appeared meanwhile (another process starting with `create`);
 * see writeFileOnce. Whoever loses the race uses the winner's key.
 */
function createKeyFile(opts: FileSignerOptions): void {
  const key = generatePrivateKey(opts.algorithm ?? 'ecdsa-p256-sha256');
  mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
  const pem = (
    opts.passphrase
      ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: opts.passphrase })
      : key.export({ type: 'pkcs8', format: 'pem' })
  ) as string;
  writeFileOnce(opts.path, pem, { mode: 0o600 });
}

export function generatePrivateKey(alg: SigningAlgorithm): KeyObject {
  // Keys leave generateKeyPairSync as DER and are re-imported. A KeyObject straight from
  // the key generator shares a mutex with the generator job, whose destructor (run by
  // the GC) takes it; node 20 holds that mutex while allocating in asymmetricKeyDetails
  // and JWK export, so using such a key can deadlock the process.
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'der' } as const;
  let der: Buffer;
  switch (alg) {
    case 'ecdsa-p256-sha256':
      der = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding }).privateKey;
      break;
    case 'ecdsa-p384-sha384':
      der = generateKeyPairSync('ec', { namedCurve: 'P-384', publicKeyEncoding, privateKeyEncoding }).privateKey;
      break;
    case 'ed25519':
      der = generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding }).privateKey;
      break;
    default:
      throw new CoreError('UNSUPPORTED_KEY', `unsupported signing algorithm ${String(alg)}`);
  }
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** An in-memory signer with a fresh key (tests, benchmarks). */
export function createEphemeralSigner(alg: SigningAlgorithm = 'ecdsa-p256-sha256'): FileSigner {
  return new FileSigner(generatePrivateKey(alg));
}

/** DER AlgorithmIdentifier of id-ecPublicKey with each named curve we sign with. */
const EC_ALGORITHM_ID: [string, SigningAlgorithm][] = [
  ['301306072a8648ce3d020106082a8648ce3d030107', 'ecdsa-p256-sha256'],
  ['301006072a8648ce3d020106052b81040022', 'ecdsa-p384-sha384'],
];

/**
 * The signing algorithm of a key. The curve comes from the SPKI rather than from
 * asymmetricKeyDetails, which can deadlock on a caller's freshly generated KeyObject
 * (see generatePrivateKey).
 */
function algorithmOf(key: KeyObject, spkiDer: Buffer): SigningAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec') {
    // SEQUENCE (short or 0x81 length) { AlgorithmIdentifier, BIT STRING }
    const algId = spkiDer.subarray(spkiDer[1] === 0x81 ? 3 : 2);
    for (const [prefix, alg] of EC_ALGORITHM_ID) if (algId.subarray(0, prefix.length / 2).toString('hex') === prefix) return alg;
    throw new CoreError('UNSUPPORTED_KEY', 'unsupported elliptic curve for signing (P-256 and P-384 only)');
  }
  throw new CoreError('UNSUPPORTED_KEY', `unsupported signing key type ${key.asymmetricKeyType}`);
}
