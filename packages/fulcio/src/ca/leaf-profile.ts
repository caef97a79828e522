import {
  bitString,
  contextConstructed,
  contextPrimitive,
  DER_NULL,
  extensionDer,
  keyIdentifier,
  objectIdentifier,
  octetString,
  sequence,
  timeChoice,
  unsignedInteger,
  utf8String,
} from '@sigstack/x509';
import type { CertificateExtensionValue, SubjectAltName } from '@sigstack/oidc';
import { FulcioError } from '../errors.js';
import { OID } from '@sigstack/core';

/**
 * The Fulcio code-signing leaf (protocols.md §4.5–§4.7):
 *
 *   TBSCertificate ::= SEQUENCE {
 *     version         [0] EXPLICIT INTEGER 2 (v3),
 *     serialNumber    20 random octets, positive,
 *     signature       the intermediate's algorithm (ecdsa-with-SHA256/384),
 *     issuer          the intermediate's subject, byte for byte,
 *     validity        notBefore = issuance second, notAfter = + certValiditySeconds,
 *     subject         empty Name (30 00),
 *     subjectPublicKeyInfo  the requested key, as submitted (canonical SPKI),
 *     extensions [3] EXPLICIT SEQUENCE {
 *       KeyUsage (critical) digitalSignature
 *       ExtendedKeyUsage codeSigning
 *       SubjectKeyIdentifier
 *       AuthorityKeyIdentifier = the intermediate's SKI
 *       SubjectAltName (critical: the subject is empty, RFC 5280 §4.2.1.6), exactly one name
 *       the principal's Sigstore extensions, in the order given, non-critical
 *       LAST: CT poison (precertificate) | SCT list (final certificate)
 *     } }
 *
 * Verifiers rebuild the precertificate TBS from the final certificate by deleting
 * the SCT-list extension and re-encoding (RFC 6962 §3.2). The CT log signed the
 * precertificate TBS minus the poison. Both are therefore built here from the same
 * encoded parts (`LeafParts`), with only the last extension swapped: the two TBS
 * differ in nothing else, by construction.
 */

/** Everything that varies per certificate. */
export interface LeafSpec {
  /** Positive serial, unsigned big-endian (20 octets). */
  serial: Buffer;
  /** Milliseconds; truncated to whole seconds. */
  notBefore: number;
  notAfter: number;
  /** DER SubjectPublicKeyInfo of the certified key. */
  spkiDer: Buffer;
  san: SubjectAltName;
  extensions: readonly CertificateExtensionValue[];
}

/** The encoded TBS fields and extensions shared by the precertificate and the final certificate. */
export interface LeafParts {
  /** version ‖ serial ‖ signature ‖ issuer ‖ validity ‖ subject ‖ spki (encoded fields, no SEQUENCE header). */
  readonly fields: Buffer;
  /** Encoded Extension SEQUENCEs, in order, without the last (poison / SCT list). */
  readonly extensions: readonly Buffer[];
}

/** id-ce-keyUsage, critical, digitalSignature only: BIT STRING 03 02 07 80. */
const KEY_USAGE_EXT = extensionDer(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7));
/** id-ce-extKeyUsage, non-critical, id-kp-codeSigning only. */
const EKU_EXT = extensionDer(OID.extKeyUsage, false, sequence(objectIdentifier(OID.codeSigning)));
/** RFC 6962 §3.1: the poison is critical, its value ASN.1 NULL (05 00). */
export const CT_POISON_EXT: Buffer = extensionDer(OID.ctPoison, true, DER_NULL);
const VERSION_V3 = contextConstructed(0, Buffer.from([0x02, 0x01, 0x02]));
const EMPTY_NAME = Buffer.from([0x30, 0x00]);

/** The per-CA constant part of the profile, encoded once. */
export class LeafProfile {
  readonly #issuerName: Buffer;
  readonly #signatureAlgorithm: Buffer;
  readonly #akiExt: Buffer;

  /**
   * @param issuerNameDer the intermediate's subject Name, exactly as encoded in its certificate
   * @param issuerKeyId the intermediate's subjectKeyIdentifier
   * @param signatureAlgorithmOid the intermediate key's signature algorithm
   */
  constructor(issuerNameDer: Buffer, issuerKeyId: Buffer, signatureAlgorithmOid: string) {
    this.#signatureAlgorithm = sequence(objectIdentifier(signatureAlgorithmOid));
    this.#issuerName = Buffer.from(issuerNameDer);
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
    this.#akiExt = extensionDer(OID.authorityKeyIdentifier, false, sequence(contextPrimitive(0, issuerKeyId)));
  }

  /** AlgorithmIdentifier of the certificate signature (also used in Certificate.signatureAlgorithm). */
  get signatureAlgorithm(): Buffer {
    return this.#signatureAlgorithm;
  }

  /** Encodes the shared parts. Throws CLAIMS_INVALID for a SAN or extension value that cannot be encoded. */
  parts(spec: LeafSpec): LeafParts {
    const fields = Buffer.concat([
      VERSION_V3,
      unsignedInteger(spec.serial),
      this.#signatureAlgorithm,
      this.#issuerName,
      sequence(timeChoice(spec.notBefore), timeChoice(spec.notAfter)),
      EMPTY_NAME,
      spec.spkiDer,
    ]);
    const extensions: Buffer[] = [
      KEY_USAGE_EXT,
      EKU_EXT,
      extensionDer(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spec.spkiDer))),
      this.#akiExt,
      extensionDer(OID.subjectAltName, true, sequence(generalName(spec.san))),
    ];
    for (const ext of spec.extensions) extensions.push(sigstoreExtension(ext));
    return { fields, extensions };
  }

  /** TBSCertificate DER: the shared parts with `last` (the poison or the SCT list) as the final extension. */
  tbs(parts: LeafParts, last: Buffer): Buffer {
    return sequence(parts.fields, contextConstructed(3, sequence(...parts.extensions, last)));
  }

  /** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } */
  certificate(tbs: Buffer, signature: Buffer): Buffer {
    return sequence(tbs, this.#signatureAlgorithm, bitString(signature));
  }
}

/**
 * SignedCertificateTimestampList extension (RFC 6962 §3.3): extnValue is an OCTET
 * STRING wrapping the TLS list `uint16 total ‖ (uint16 length ‖ sct)*` (the extension
 * value itself is again an OCTET STRING, hence two OCTET STRING headers on the wire).
 */
export function sctListExtension(scts: readonly Buffer[]): Buffer {
  const items = scts.map((sct) => {
    if (sct.length === 0 || sct.length > 0xffff) throw new RangeError(`SCT of ${sct.length} bytes cannot go in an SCT list`);
    const len = Buffer.allocUnsafe(2);
    len.writeUInt16BE(sct.length);
    return Buffer.concat([len, sct]);
  });
  const body = Buffer.concat(items);
  if (body.length > 0xffff) throw new RangeError('SCT list too long');
  const total = Buffer.allocUnsafe(2);
  total.writeUInt16BE(body.length);
  return extensionDer(OID.ctSctList, false, octetString(Buffer.concat([total, body])));
}

/** GeneralName (RFC 5280 §4.2.1.6) for the principal's one SAN (protocols.md §4.6). */
function generalName(san: SubjectAltName): Buffer {
  switch (san.type) {
    case 'email':
      return contextPrimitive(1, ia5(san.value, 'email SAN')); // rfc822Name [1] IA5String
    case 'uri':
      return contextPrimitive(6, ia5(san.value, 'URI SAN')); // uniformResourceIdentifier [6] IA5String
    case 'otherName':
      // otherName [0] IMPLICIT OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String }
      if (san.value === '') throw new FulcioError('CLAIMS_INVALID', 'the otherName SAN is empty');
      return contextConstructed(0, objectIdentifier(OID.otherNameSan), contextConstructed(0, utf8String(san.value)));
  }
}

/** IA5String content: 7-bit ASCII only; anything else cannot be put in an rfc822Name or URI. */
function ia5(value: string, what: string): Buffer {
  if (value === '') throw new FulcioError('CLAIMS_INVALID', `the ${what} is empty`);
  for (let i = 0; i < value.length; i++)
    if (value.charCodeAt(i) > 0x7f) throw new FulcioError('CLAIMS_INVALID', `the ${what} contains a non-ASCII character (IA5String)`);
  return Buffer.from(value, 'latin1');
}

/**
 * A Sigstore extension under 1.3.6.1.4.1.57264.1 (protocols.md §4.7), non-critical:
 * `raw` puts the UTF-8 bytes directly in extnValue (1.1–1.6), `utf8` a DER UTF8String.
 */
function sigstoreExtension(ext: CertificateExtensionValue): Buffer {
  if (!ext.oid.startsWith(OID.sigstoreExtensionArc)) throw new FulcioError('CLAIMS_INVALID', `extension ${ext.oid} is not in the Sigstore arc ${OID.sigstoreExtensionArc}`);
  if (ext.value === '') throw new FulcioError('CLAIMS_INVALID', `extension ${ext.oid} has an empty value`);
  let oid: Buffer;
  try {
    oid = objectIdentifier(ext.oid);
  } catch (cause) {
    throw new FulcioError('CLAIMS_INVALID', `extension OID ${ext.oid} is malformed`, { cause });
  }
  const value = ext.encoding === 'raw' ? Buffer.from(ext.value, 'utf8') : utf8String(ext.value);
  return sequence(oid, octetString(value));
}
