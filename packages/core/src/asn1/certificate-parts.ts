import { CoreError } from '../errors.js';
import { checkIntegerContent, children, contents, isMalformedDer, oidFromContent, readDer, tlvBytes, type Tlv } from './der-reader.js';

/*
 * RFC 5280 §4.1
 *
 *   Certificate  ::=  SEQUENCE  { tbsCertificate TBSCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate  ::=  SEQUENCE  {
 *        version         [0]  EXPLICIT Version DEFAULT v1,
 *        serialNumber         CertificateSerialNumber,
 *        signature            AlgorithmIdentifier,
 *        issuer               Name,
 *        validity             Validity,
 *        subject              Name,
 *        subjectPublicKeyInfo SubjectPublicKeyInfo,
 *        issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
 *        subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
 *        extensions      [3]  EXPLICIT Extensions OPTIONAL }
 *   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 *   Extension  ::=  SEQUENCE  { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 */

/** One Extension of a TBSCertificate, located in the TBS bytes. */
export interface ExtensionTlv {
  /** The whole Extension SEQUENCE (offsets into the TBS). */
  tlv: Tlv;
  /** Dotted extnID. */
  id: string;
  critical: boolean;
  /** The contents of extnValue (what the OCTET STRING wraps). */
  value: Buffer;
}

/**
 * A certificate split into the exact bytes of its parts, found with the strict DER
 * reader after (or instead of) OpenSSL's parse: what Rekor indexes (SPKI, SANs), what
 * CT hashes and re-encodes (the TBS without one extension), what CMS and the CA repeat
 * byte for byte (serial, issuer, subject). Nothing is re-encoded, so every slice is
 * what the certificate's signature covers.
 */
export interface CertificateParts {
  /** The TBSCertificate DER (a view of the certificate). */
  tbs: Buffer;
  /** The TBS fields before [3] extensions, offsets into `tbs`. */
  fields: Tlv[];
  /** Content octets of serialNumber (two's complement, as encoded). */
  serialContent: Buffer;
  /** DER of the issuer Name. */
  issuer: Buffer;
  /** DER of the subject Name. */
  subject: Buffer;
  /** DER SubjectPublicKeyInfo. */
  spki: Buffer;
  /** Every extension in order (no extnID twice: RFC 5280 §4.2). */
  extensions: ExtensionTlv[];
}

function invalid(what: string, why: string, cause?: unknown): CoreError {
  return new CoreError('INVALID_CERTIFICATE', `${what}: ${why}`, cause === undefined ? undefined : { cause });
}

/** The TBSCertificate DER of a certificate. Throws CoreError INVALID_CERTIFICATE. */
export function tbsOf(certDer: Buffer, what = 'certificate'): Buffer {
  return guard(what, () => {
    const cert = readDer(certDer, what);
    if (cert.tag !== 0x30) throw invalid(what, 'not a DER SEQUENCE');
    const parts = children(certDer, cert, what);
    if (parts.length !== 3 || parts[0]!.tag !== 0x30) throw invalid(what, 'not an X.509 Certificate');
    return tlvBytes(certDer, parts[0]!);
  });
}

/** Splits a certificate into its parts. Throws CoreError INVALID_CERTIFICATE naming `what`. */
export function readCertificateParts(certDer: Buffer, what = 'certificate'): CertificateParts {
  return parseTbs(tbsOf(certDer, what), what);
}

/** Splits a TBSCertificate DER into its parts. Throws CoreError INVALID_CERTIFICATE. */
export function parseTbs(tbs: Buffer, what = 'certificate'): CertificateParts {
  return guard(what, () => {
    const top = readDer(tbs, what);
    if (top.tag !== 0x30) throw invalid(what, 'TBSCertificate is not a DER SEQUENCE');
    const all = children(tbs, top, what);
    const last = all[all.length - 1];
    const hasExt = last !== undefined && last.tag === 0xa3;
    const fields = hasExt ? all.slice(0, -1) : all;
    const v = fields[0]?.tag === 0xa0 ? 1 : 0;
    const [serial, , issuer, , subject, spki] = fields.slice(v, v + 6);
    if (serial?.tag !== 0x02 || issuer?.tag !== 0x30 || subject?.tag !== 0x30 || spki?.tag !== 0x30) throw invalid(what, 'TBSCertificate lacks serialNumber, issuer, subject or subjectPublicKeyInfo');
    return {
      tbs,
      fields,
      serialContent: checkIntegerContent(contents(tbs, serial), `${what} serialNumber`),
      issuer: tlvBytes(tbs, issuer),
      subject: tlvBytes(tbs, subject),
      spki: tlvBytes(tbs, spki),
      extensions: hasExt ? extensionsOf(tbs, last, what) : [],
    };
  });
}

function extensionsOf(tbs: Buffer, field: Tlv, what: string): ExtensionTlv[] {
  const inner = children(tbs, field, what);
  if (inner.length !== 1 || inner[0]!.tag !== 0x30) throw invalid(what, '[3] extensions does not hold one SEQUENCE');
  const list = children(tbs, inner[0]!, what);
  if (list.length === 0) throw invalid(what, 'empty extensions SEQUENCE');
  const out: ExtensionTlv[] = [];
  for (const e of list) {
    if (e.tag !== 0x30) throw invalid(what, 'an extension is not a SEQUENCE');
    const f = children(tbs, e, what);
    if (f.length < 2 || f.length > 3 || f[0]!.tag !== 0x06) throw invalid(what, 'malformed extension');
    let critical = false;
    if (f.length === 3) {
      const b = f[1]!;
      // DER: DEFAULT FALSE is omitted, TRUE is 0xFF (X.690 §11.1, §11.5).
      if (b.tag !== 0x01 || b.end - b.contentStart !== 1 || tbs[b.contentStart] !== 0xff) throw invalid(what, 'malformed extension critical flag');
      critical = true;
    }
    const value = f[f.length - 1]!;
    if (value.tag !== 0x04) throw invalid(what, 'extension value is not an OCTET STRING');
    const id = oidFromContent(contents(tbs, f[0]!), `${what} extnID`);
    if (out.some((x) => x.id === id)) throw invalid(what, `extension ${id} appears twice (RFC 5280 §4.2)`);
    out.push({ tlv: e, id, critical, value: contents(tbs, value) });
  }
  return out;
}

/** The extension with dotted extnID `id`, if present. */
export function findExtension(parts: CertificateParts, id: string): ExtensionTlv | undefined {
  return parts.extensions.find((e) => e.id === id);
}

/** A strict-DER refusal inside a certificate is an invalid certificate. */
function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isMalformedDer(e)) throw invalid(what, `malformed DER (${e.message})`, e);
    throw e;
  }
}
