import type { KeyObject } from 'node:crypto';
// PLACEHOLDER: replaced by the OpenSSL-backed implementation (see task notes).
export function verifyEcdsaPrehashed(_key: KeyObject, _digest: Uint8Array, _signature: Uint8Array): boolean {
  throw new Error('not implemented');
}
