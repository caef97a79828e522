import { contextConstructed, generalizedTime, integerFromContent, objectIdentifier, sequence, smallInteger } from '@sigstack/x509';
import { directoryName } from './general-name.js';

/*
 * RFC 3161 §2.4.2 (IMPLICIT TAGS)
 *
 *   TSTInfo ::= SEQUENCE  {
 *      version                      INTEGER  { v1(1) },
 *      policy                       TSAPolicyId,
 *      messageImprint               MessageImprint,
 *        -- MUST have the same value as the similar field in
 *        -- TimeStampReq
 *      serialNumber                 INTEGER,
 *       -- Time-Stamping users MUST be ready to accommodate integers
 *       -- up to 160 bits.
 *      genTime                      GeneralizedTime,
 *      accuracy                     Accuracy                 OPTIONAL,
 *      ordering                     BOOLEAN             DEFAULT FALSE,
 *      nonce                        INTEGER                  OPTIONAL,
 *        -- MUST be present if the similar field was present
 *        -- in TimeStampReq.  In that case it MUST have the same value.
 *      tsa                          [0] GeneralName          OPTIONAL,
 *      extensions                   [1] IMPLICIT Extensions   OPTIONAL  }
 *
 * genTime is whole seconds ("YYYYMMDDHHMMSSZ"; RFC 3161 allows a fraction, but
 * the clients compare it with certificate times at second resolution). ordering
 * is left at its DEFAULT (omitted, DER) and we add no extensions. `tsa` is a
 * GeneralName and a CHOICE, hence [0] EXPLICIT around the directoryName.
 */
export interface TstInfoFields {
  /** Dotted policy OID. */
  policy: string;
  /** The DER MessageImprint, echoed from the request. */
  messageImprint: Buffer;
  /** Content octets of the serial INTEGER (positive, minimal). */
  serialNumber: Buffer;
  /** genTime in milliseconds since the epoch; must be a whole second. */
  genTime: number;
  /** DER Accuracy (asn1/accuracy.ts), encoded once. */
  accuracy?: Buffer;
  /** Content octets of the request's nonce INTEGER. */
  nonce?: Buffer;
  /** DER Name of the TSA (the leaf's subject), for the `tsa` field. */
  tsaName?: Buffer;
}

const VERSION_1 = smallInteger(1);

export function encodeTstInfo(f: TstInfoFields): Buffer {
  if (f.genTime % 1000 !== 0) throw new RangeError('genTime must be a whole second');
  const parts: Buffer[] = [VERSION_1, objectIdentifier(f.policy), f.messageImprint, integerFromContent(f.serialNumber), generalizedTime(f.genTime)];
  if (f.accuracy) parts.push(f.accuracy);
  if (f.nonce) parts.push(integerFromContent(f.nonce));
  if (f.tsaName) parts.push(contextConstructed(0, directoryName(f.tsaName)));
  return sequence(...parts);
}
