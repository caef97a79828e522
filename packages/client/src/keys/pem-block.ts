import { fromPem, type PemBlock } from '@sigstack/core';
import { ClientError } from '../errors.js';

/** Largest key file we read: real ones are a few KiB (RSA-4096 encrypted ≈ 4 KiB). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * The first PEM block of a key file, as Go's pem.Decode (which cosign uses) takes it.
 * KEY_INVALID when the text is too large, has no PEM block, or a corrupt one.
 */
export function firstPemBlock(pem: string, what: string): PemBlock {
  if (pem.length > MAX_KEY_FILE_BYTES) throw new ClientError('KEY_INVALID', `${what}: file of ${pem.length} bytes is too large for a key (at most ${MAX_KEY_FILE_BYTES})`);
  try {
    return fromPem(pem)[0]!;
  } catch (cause) {
    throw new ClientError('KEY_INVALID', `${what}: not a PEM file (${(cause as Error).message})`, { cause });
  }
}
