import { readFileSync } from 'node:fs';
import { fromPem } from '@sigstack/core';

/**
 * Reads a PEM file of CERTIFICATE blocks (a chain file) and returns their DER, in file
 * order. Any other block type is refused rather than skipped: a key in a chain file is
 * a mistake worth stopping for.
 *
 * Throws an Error when the file cannot be read and a RangeError when its content is not
 * such PEM; both name the path, and the lower-level failure is their `cause`. Callers
 * wrap them into their own coded error.
 */
export function readCertificatePemFile(path: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  let blocks;
  try {
    blocks = fromPem(text);
  } catch (cause) {
    throw new RangeError(`${path}: ${(cause as Error).message}`, { cause });
  }
  const other = blocks.find((b) => b.type !== 'CERTIFICATE');
  if (other) throw new RangeError(`${path}: unexpected PEM block ${other.type}`);
  return blocks.map((b) => b.der);
}
