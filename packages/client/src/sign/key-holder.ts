import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { Signature, Signer } from '@sigstore/sign';
import { ClientError } from '../errors.js';

/**
 * A private key this process signs with: the user's (`--key`) or an ephemeral one for
 * keyless signing, whose certificate Fulcio issues. Implements sigstore-js's Signer so
 * that its FulcioSigner can use it for the proof of possession.
 */
export class KeyHolder implements Signer {
  readonly publicKeyPem: string;
  /** The bundle's public-key hint: base64 of the SHA-256 of the DER public key. */
  readonly hint: string;

  constructor(readonly privateKey: KeyObject) {
    if (privateKey.type !== 'private') throw new ClientError('KEY_INVALID', 'a signing key must be a private key');
    const pub = createPublicKey(privateKey);
    this.publicKeyPem = pub.export({ type: 'spki', format: 'pem' }).toString();
    this.hint = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64');
  }

  static ephemeral(): KeyHolder {
    return new KeyHolder(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  /** Signs bytes held in memory (a DSSE PAE, a proof of possession, a small payload). */
  signBytes(data: Uint8Array): Buffer {
    const ed = this.privateKey.asymmetricKeyType === 'ed25519';
    return cryptoSign(ed ? null : 'sha256', data, ed ? this.privateKey : { key: this.privateKey, dsaEncoding: 'der' });
  }

  async sign(data: Buffer): Promise<Signature> {
    return { signature: this.signBytes(data), key: { $case: 'publicKey', publicKey: this.publicKeyPem, hint: this.hint } };
  }
}
