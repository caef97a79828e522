import type { VerificationKey } from '@sigstack/core';
import { verifyCheckpoint } from '@sigstack/merkle';
import { MonitorError } from '../errors.js';
import type { VerifiedHead } from './log-source.js';
import { noteVerifiersFor } from './trusted-keys.js';

/** Verifies a C2SP checkpoint note with the trusted keys. Throws BAD_SIGNATURE (also for an unparsable note). */
export function verifyNoteHead(note: string, keys: readonly VerificationKey[], where: string): VerifiedHead {
  try {
    const cp = verifyCheckpoint(note, noteVerifiersFor(note, keys));
    return { origin: cp.origin, size: cp.size, rootHash: Buffer.from(cp.rootHash), signed: note };
  } catch (e) {
    throw new MonitorError('BAD_SIGNATURE', `${where}: the checkpoint does not verify with the trusted key: ${(e as Error).message}`, { cause: e });
  }
}
