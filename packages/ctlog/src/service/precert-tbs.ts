import { children, contents, CoreError, findExtension, OID, oidFromContent, readCertificateParts, readDer, tlvBytes, type CertificateParts } from '@sigstack/core';
import { sequence, tlv } from '@sigstack/x509';
import { CtLogError } from '../errors.js';

/**
 * What CT does to a certificate beyond reading it (the reading is @sigstack/core's
 * `readCertificateParts`, on the strict DER reader): find the precertificate poison,
 * and remove one extension byte-exactly to rebuild the TBS that an SCT signs.
 *
 * Why not pkijs: re-encoding a parsed certificate is not guaranteed to reproduce every
 * byte of the input, and SCT verification fails on any difference; here everything but
 * the removed extension and the enclosing lengths is copied verbatim.
 */

/** A certificate's parts, a core refusal re-coded as CtLogError INVALID_CERTIFICATE. */
export function certificatePartsOf(certDer: Buffer, what = 'certificate'): CertificateParts {
  try {
    return readCertificateParts(certDer, what);
  } catch (e) {
    if (e instanceof CoreError) throw new CtLogError('INVALID_CERTIFICATE', e.message, { cause: e });
    throw e;
  }
}

/** The poison extension's value: DER NULL (RFC 6962 §3.1). */
const DER_NULL = Buffer.from('0500', 'hex');

/**
 * The TBS with one extension removed and every enclosing length re-encoded; all other
 * bytes are copied. With no extension left the [3] field is dropped, as Go's
 * encoding/asn1 does for an empty optional SEQUENCE OF (ct-go removeExtension).
 */
export function removeExtension(parts: CertificateParts, id: string): Buffer {
  const { tbs } = parts;
  const keep = parts.extensions.filter((e) => e.id !== id);
  const fields = parts.fields.map((f) => tlvBytes(tbs, f));
  if (keep.length > 0) fields.push(tlv(0xa3, sequence(...keep.map((e) => tlvBytes(tbs, e.tlv)))));
  return sequence(...fields);
}

/** Whether chain[0] carries the poison, and whether it is correctly formed. */
export function poisonOf(parts: CertificateParts): 'absent' | 'valid' | 'malformed' {
  const p = findExtension(parts, OID.ctPoison);
  if (!p) return 'absent';
  return p.critical && p.value.equals(DER_NULL) ? 'valid' : 'malformed';
}

/** Whether the certificate's EKU names the RFC 6962 Precertificate Signing Certificate purpose. */
export function isPrecertSigningCert(parts: CertificateParts): boolean {
  const eku = findExtension(parts, OID.extKeyUsage);
  if (!eku) return false;
  try {
    const seq = readDer(eku.value, 'ExtendedKeyUsage');
    return children(eku.value, seq, 'ExtendedKeyUsage').some((o) => o.tag === 0x06 && oidFromContent(contents(eku.value, o)) === OID.ctPrecertSigning);
  } catch (cause) {
    throw new CtLogError('INVALID_CERTIFICATE', 'chain[1]: malformed ExtendedKeyUsage', { cause });
  }
}
