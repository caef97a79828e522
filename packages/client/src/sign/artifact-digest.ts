import { createHash, createSign, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ClientError } from '../errors.js';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

/**
 * Reads a file once, in chunks, feeding a hash and (with a key) a streaming signature:
 * a 2 GiB artifact never sits in memory. ECDSA and RSA sign the running hash; Ed25519
 * cannot (it hashes the message twice), so it is refused here and the caller reads
 * small files whole instead.
 */
export async function digestFile(path: string, algorithm: DigestAlgorithm = 'sha256', key?: KeyObject): Promise<{ digest: Buffer; signature?: Buffer; size: number }> {
  const hash = createHash(algorithm);
  const signer = key ? createSign(algorithm) : undefined;
  if (key && key.asymmetricKeyType === 'ed25519') throw new ClientError('KEY_UNSUPPORTED', 'Ed25519 keys cannot sign a streamed artifact');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const c = chunk as Buffer;
      size += c.length;
      hash.update(c);
      signer?.update(c);
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ClientError('ARTIFACT_INVALID', `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (cause as Error).message}`, { cause });
  }
  const digest = hash.digest();
  if (!signer) return { digest, size };
  return { digest, size, signature: signer.sign({ key: key!, dsaEncoding: 'der' }) };
}

/** `sha256:<64 hex>` as cosign 3 and sigstore-go take an artifact digest; undefined when the text is not one. */
export function parseArtifactDigest(text: string): Buffer | undefined {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(text);
  return m ? Buffer.from(m[1]!, 'hex') : undefined;
}

/** protobuf-specs' HashAlgorithm (1 SHA2_256, 2 SHA2_384, 3 SHA2_512; 0 unspecified = sha256) as node's name. */
export function digestAlgorithmOf(alg: number | undefined): DigestAlgorithm {
  switch (alg ?? 0) {
    case 0:
    case 1:
      return 'sha256';
    case 2:
      return 'sha384';
    case 3:
      return 'sha512';
    default:
      throw new ClientError('BUNDLE_INVALID', `unsupported message digest algorithm ${alg}`);
  }
}
