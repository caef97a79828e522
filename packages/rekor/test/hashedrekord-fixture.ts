// Signed entries made the way cosign makes them (ECDSA P-256 over the artifact,
// hashedrekord 0.0.1 with the digest). Here because hashedrekord is Rekor's type; the
// server's tests (packages/server/test/fixtures.ts) take it from here.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/** An artifact signed as cosign signs it: ECDSA P-256 over the bytes, the digest and the key in a hashedrekord. */
export interface Signed {
  artifact: Buffer;
  digestHex: string;
  signatureB64: string;
  publicKeyPemB64: string;
  key: KeyObject;
}

export const testKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export function signArtifact(artifact: Buffer = randomBytes(64), key = testKey): Signed {
  return {
    artifact,
    digestHex: createHash('sha256').update(artifact).digest('hex'),
    signatureB64: sign('sha256', artifact, key.privateKey).toString('base64'),
    publicKeyPemB64: Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' }) as string).toString('base64'),
    key: key.privateKey,
  };
}

export function hashedrekord(s: Signed): Record<string, unknown> {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: s.digestHex } },
      signature: { content: s.signatureB64, publicKey: { content: s.publicKeyPemB64 } },
    },
  };
}
