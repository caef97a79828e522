import { createHash, generateKeyPairSync, randomBytes, sign, type KeyPairKeyObjectResult } from 'node:crypto';

/** A signing key as cosign makes them: ECDSA P-256. */
export function newSigningKey(): KeyPairKeyObjectResult {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/**
 * A hashedrekord 0.0.1 proposed entry for a random artifact, signed the way cosign
 * signs a blob (ECDSA P-256 / SHA-256 over the artifact; the entry carries the digest).
 */
export function hashedrekordEntry(key: KeyPairKeyObjectResult, artifact: Buffer = randomBytes(64)): { artifact: Buffer; digestHex: string; entry: Record<string, unknown> } {
  const digestHex = createHash('sha256').update(artifact).digest('hex');
  const publicKeyPem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  return {
    artifact,
    digestHex,
    entry: {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: digestHex } },
        signature: {
          content: sign('sha256', artifact, key.privateKey).toString('base64'),
          publicKey: { content: Buffer.from(publicKeyPem).toString('base64') },
        },
      },
    },
  };
}
