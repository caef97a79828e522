// Fulcio's own DER pieces. The general DER writer (tlv, sequence, objectIdentifier, ...)
// is @sigstack/x509's der-writer, shared with the TSA; what stays here is used only by
// the Fulcio leaf profile and request parsing.
import { DER_TRUE, objectIdentifier, octetString, sequence } from '@sigstack/x509';

/**
 * Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
 *                          extnValue OCTET STRING }
 * DER omits `critical` when it is FALSE (the DEFAULT).
 */
export function extensionDer(oid: string, critical: boolean, extnValue: Uint8Array): Buffer {
  return critical ? sequence(objectIdentifier(oid), DER_TRUE, octetString(extnValue)) : sequence(objectIdentifier(oid), octetString(extnValue));
}

/** Reads one TLV header at `off`: the content's start and end. Throws RangeError on anything not DER-shaped. */
export function readTlv(buf: Uint8Array, off: number): { tag: number; start: number; end: number } {
  if (off + 2 > buf.length) throw new RangeError('truncated DER');
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw new RangeError('multi-octet DER tags are not expected here');
  const l0 = buf[off + 1]!;
  let start = off + 2;
  let len = l0;
  if (l0 >= 0x80) {
    const n = l0 & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new RangeError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i]!;
    start += n;
    if (len < 0x80 || (n > 1 && buf[off + 2] === 0)) throw new RangeError('non-minimal DER length');
  }
  const end = start + len;
  if (end > buf.length) throw new RangeError('truncated DER');
  return { tag, start, end };
}
