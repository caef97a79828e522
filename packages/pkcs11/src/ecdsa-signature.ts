import { sequence, unsignedInteger } from '@sigstack/x509';

/**
 * CKM_ECDSA returns r || s, each as wide as the curve order; X.509, CMS, SCTs, Rekor
 * SETs and checkpoints carry Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (DER).
 */
export function toDerEcdsaSignature(raw: Buffer): Buffer {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError(`an ECDSA r||s signature has an even, non-zero length, got ${raw.length}`);
  const n = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, n)), unsignedInteger(raw.subarray(n)));
}
