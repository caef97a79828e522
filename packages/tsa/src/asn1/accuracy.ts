import { sequence, smallInteger, tlv } from '@sigstack/x509';

/*
 * RFC 3161 §2.4.2 (IMPLICIT TAGS)
 *
 *   Accuracy ::= SEQUENCE {
 *         seconds        INTEGER              OPTIONAL,
 *         millis     [0] INTEGER  (1..999)    OPTIONAL,
 *         micros     [1] INTEGER  (1..999)    OPTIONAL  }
 */
export interface Accuracy {
  seconds?: number;
  millis?: number;
  micros?: number;
}

export function encodeAccuracy(a: Accuracy): Buffer {
  const parts: Buffer[] = [];
  if (a.seconds) parts.push(smallInteger(a.seconds));
  for (const [tag, v] of [[0x80, a.millis], [0x81, a.micros]] as const) {
    if (v === undefined || v === 0) continue;
    if (!Number.isInteger(v) || v < 1 || v > 999) throw new RangeError(`accuracy millis/micros must be 1..999, got ${v}`);
    // [n] IMPLICIT INTEGER: the INTEGER's content under a context tag.
    const int = smallInteger(v);
    parts.push(tlv(tag, int.subarray(2)));
  }
  if (parts.length === 0) throw new RangeError('accuracy must not be zero');
  return sequence(...parts);
}
