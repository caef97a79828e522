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

/**
 * A Rekor v2 request (`POST /api/v2/log/entries`, protocols.md §7.2) as cosign 3 sends
 * one for a blob signed with an ECDSA P-256 key: hashedrekord 0.0.2 with the key's SPKI.
 */
export function hashedRekordV002Request(key: KeyPairKeyObjectResult, artifact: Buffer = randomBytes(64)): Record<string, unknown> {
  return {
    hashedRekordRequestV002: {
      digest: createHash('sha256').update(artifact).digest('base64'),
      signature: {
        content: sign('sha256', artifact, key.privateKey).toString('base64'),
        verifier: { publicKey: { rawBytes: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }, keyDetails: 'PKIX_ECDSA_P256_SHA_256' },
      },
    },
  };
}
