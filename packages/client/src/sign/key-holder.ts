import { createHash, createPublicKey, generateKeyPairSync, KeyObject, sign as cryptoSign } from 'node:crypto';
import type { Signature, Signer } from '@sigstore/sign';
import { ClientError } from '../errors.js';
import type { TokenSigningKey } from '../keys/pkcs11-key.js';

/**
 * A private key this process signs with: the user's (`--key`: a key file, or a key on
 * a PKCS#11 token), or an ephemeral one for keyless signing, whose certificate Fulcio
 * issues. Implements sigstore-js's Signer so that its FulcioSigner can use it for the
 * proof of possession.
 */
export class KeyHolder implements Signer {
  readonly publicKeyPem: string;
  /** The bundle's public-key hint: base64 of the SHA-256 of the DER public key. */
  readonly hint: string;
  /** The key file's private key, when it is one (it signs a file as it streams); undefined for a token key. */
  readonly privateKey: KeyObject | undefined;
  readonly #token: TokenSigningKey | undefined;
  readonly isEd25519: boolean;

  constructor(key: KeyObject | TokenSigningKey) {
    let pub: KeyObject;
    if (key instanceof KeyObject) {
      if (key.type !== 'private') throw new ClientError('KEY_INVALID', 'a signing key must be a private key');
      this.privateKey = key;
      pub = createPublicKey(key);
    } else {
      this.#token = key;
      pub = key.publicKey;
    }
    this.isEd25519 = pub.asymmetricKeyType === 'ed25519';
    this.publicKeyPem = pub.export({ type: 'spki', format: 'pem' }).toString();
    this.hint = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64');
  }

  static ephemeral(): KeyHolder {
    return new KeyHolder(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  /**
   * Signs bytes held in memory (a DSSE PAE, a proof of possession, a small payload):
   * ECDSA over SHA-256 (whatever the curve, as cosign signs), Ed25519 over the bytes.
   */
  async signBytes(data: Uint8Array): Promise<Buffer> {
    if (this.#token) return this.isEd25519 ? this.#tokenSign(() => this.#token!.sign(data)) : this.signDigest(createHash('sha256').update(data).digest());
    const key = this.privateKey!;
    return cryptoSign(this.isEd25519 ? null : 'sha256', data, this.isEd25519 ? key : { key, dsaEncoding: 'der' });
  }

  /** An ECDSA signature (DER) over a SHA-256 digest computed by the caller (a streamed file on a token key). */
  async signDigest(digest: Buffer): Promise<Buffer> {
    const token = this.#token;
    if (!token?.signDigest) throw new ClientError('KEY_UNSUPPORTED', 'this key cannot sign a digest');
    return this.#tokenSign(() => token.signDigest!(digest));
  }

  /** A token that fails while signing (removed, unreachable) is a ClientError naming it, not an internal error. */
  async #tokenSign(fn: () => Promise<Buffer>): Promise<Buffer> {
    try {
      return await fn();
    } catch (cause) {
      throw new ClientError('KEY_INVALID', `the key on the token cannot sign: ${(cause as Error).message}`, { cause });
    }
  }

  async sign(data: Buffer): Promise<Signature> {
    return { signature: await this.signBytes(data), key: { $case: 'publicKey', publicKey: this.publicKeyPem, hint: this.hint } };
  }

  /** Releases a token key's sessions (nothing to do for a key in memory). */
  close(): void {
    this.#token?.close();
  }
}
