import { LogError, parseVerifierKey, type NoteVerifier } from '@sigstack/merkle';
import { WitnessError } from '../errors.js';
import type { WitnessedLog } from './witness.js';

/**
 * Reads a log as configured on the command line: `<origin> <vkey> [<vkey> ...]`,
 * where each vkey is a C2SP verifier key `<name>+<hex hint>+<base64>` (Ed25519 type
 * 0x01, or ECDSA type 0x02 as Rekor v1 and CT logs sign). The origin is the
 * checkpoint's first line; Rekor v1 origins contain spaces (`<host> - <tree ID>`), so
 * the vkeys are taken from the end (they contain no spaces).
 */
export function parseWitnessedLogSpec(spec: string): WitnessedLog {
  const parts = spec.trim().split(/ +/);
  const verifiers: NoteVerifier[] = [];
  while (parts.length > 1 && /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/.test(parts[parts.length - 1]!)) {
    const vkey = parts.pop()!;
    try {
      verifiers.unshift(parseVerifierKey(vkey));
    } catch (cause) {
      throw new WitnessError('INVALID_OPTIONS', `log ${JSON.stringify(spec)}: ${cause instanceof LogError ? cause.message : 'bad verifier key'}`, { cause });
    }
  }
  const origin = parts.join(' ');
  if (origin.length === 0 || verifiers.length === 0)
    throw new WitnessError('INVALID_OPTIONS', `log ${JSON.stringify(spec)} must be "<origin> <verifier key> [<verifier key> ...]"`);
  return { origin, verifiers };
}
