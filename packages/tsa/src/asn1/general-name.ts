import { tlv } from '@sigstack/x509';

/*
 * RFC 5280 §4.2.1.6
 *
 *   GeneralName ::= CHOICE {
 *        ...
 *        directoryName                   [4]     Name,
 *        ... }
 *
 *   GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
 *
 * Name is itself a CHOICE, and a tagged CHOICE is always explicitly tagged
 * (X.680 §31.2.7), so directoryName is [4] constructed around the full Name TLV.
 */

/** GeneralName directoryName for a DER Name. */
export function directoryName(nameDer: Uint8Array): Buffer {
  return tlv(0xa4, nameDer);
}
