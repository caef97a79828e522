import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { digest, OID, type Signer } from '@sigstack/core';
import { encodeName, type DistinguishedName } from './distinguished-name.js';

/**
 * X.509 v3 certificate issuance through a `Signer` (RFC 5280), built with pkijs.
 *
 * Self-contained on purpose (core + pkijs/asn1js only): the TSA uses it for its
 * development root and leaf, and the Fulcio-compatible CA is meant to reuse it for
 * its root and intermediate. It never sees a private key: the TBSCertificate is
 * encoded by pkijs and signed by `spec.signer`.
 *
 * What it guarantees, because verifiers check it (protocols.md §4.9, §8.4):
 * - the issuer Name is the issuer certificate's subject, byte for byte (Go and
 *   sigstore-js chain by raw Name bytes);
 * - SKI is always present; AKI = the issuer's SKI (for a self-signed certificate,
 *   its own);
 * - BasicConstraints, when given, is critical; a CA gets `keyCertSign` (and
 *   `cRLSign`) in a critical KeyUsage unless the spec names the usages itself;
 * - times are whole seconds, UTCTime through 2049 and GeneralizedTime after;
 * - the serial is positive and at most 20 octets.
 */
export interface CertificateSpec {
  subject: DistinguishedName;
  /** DER SubjectPublicKeyInfo of the key being certified. */
  publicKeyDer: Buffer;
  /**
   * The signing key: the issuer's key, or, for a self-signed certificate (no
   * `issuerCertificate`), the subject's own key, whose SPKI must be `publicKeyDer`.
   */
  signer: Signer;
  /** DER of the issuing CA certificate; absent for a self-signed certificate. */
  issuerCertificate?: Buffer;
  /** Positive serial, unsigned big-endian, at most 20 octets. Default: 20 random octets (159 bits). */
  serialNumber?: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** BasicConstraints (always critical). Absent: no extension (an end entity). */
  basicConstraints?: { ca: boolean; pathLength?: number };
  /** KeyUsage bits (critical). Default: CA → keyCertSign, cRLSign; otherwise none. */
  keyUsage?: KeyUsageName[];
  /** ExtendedKeyUsage purposes (dotted OIDs) and whether the extension is critical. */
  extendedKeyUsage?: { purposes: string[]; critical: boolean };
  /** Further extensions (e.g. a SubjectAltName), appended after the ones above. */
  extraExtensions?: pkijs.Extension[];
}

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

const KEY_USAGE_BIT: Readonly<Record<KeyUsageName, number>> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

/** Issues (builds and signs) one certificate; returns its DER. */
export async function issueCertificate(spec: CertificateSpec): Promise<Buffer> {
  const sigAlg = signatureAlgorithmOf(spec.signer);
  const issuer = spec.issuerCertificate ? pkijs.Certificate.fromBER(spec.issuerCertificate) : undefined;
  const issuerSpki = issuer ? Buffer.from(issuer.subjectPublicKeyInfo.toSchema().toBER(false)) : spec.publicKeyDer;
  if (!spec.signer.publicKeyDer.equals(issuerSpki))
    throw new RangeError(issuer ? "the signer's key is not the issuer certificate's key" : "a self-signed certificate's signer must hold the certified key");
  if (spec.notAfter.getTime() <= spec.notBefore.getTime()) throw new RangeError('notAfter must be after notBefore');

  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: positiveSerial(spec.serialNumber ?? randomSerial()) });
  const subject = pkijs.RelativeDistinguishedNames.fromBER(encodeName(spec.subject));
  cert.subject = subject;
  // The issuer's subject as it was decoded: pkijs keeps and re-emits the original bytes.
  cert.issuer = issuer ? issuer.subject : pkijs.RelativeDistinguishedNames.fromBER(encodeName(spec.subject));
  cert.notBefore = certTime(spec.notBefore);
  cert.notAfter = certTime(spec.notAfter);
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(spec.publicKeyDer);
  cert.signature = new pkijs.AlgorithmIdentifier({ algorithmId: sigAlg });
  cert.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: sigAlg });

  const ski = keyIdentifier(spec.publicKeyDer);
  const aki = issuer ? subjectKeyIdentifierOf(issuer) : ski;
  const extensions: pkijs.Extension[] = [];
  if (spec.basicConstraints) {
    const bc = new pkijs.BasicConstraints({
      cA: spec.basicConstraints.ca,
      ...(spec.basicConstraints.pathLength !== undefined ? { pathLenConstraint: spec.basicConstraints.pathLength } : {}),
    });
    extensions.push(extension(OID.basicConstraints, true, bc.toSchema()));
  }
  const usages = spec.keyUsage ?? (spec.basicConstraints?.ca ? (['keyCertSign', 'cRLSign'] as KeyUsageName[]) : []);
  if (usages.length > 0) extensions.push(extension(OID.keyUsage, true, keyUsageBits(usages)));
  if (spec.extendedKeyUsage) {
    const eku = new pkijs.ExtKeyUsage({ keyPurposes: spec.extendedKeyUsage.purposes });
    extensions.push(extension(OID.extKeyUsage, spec.extendedKeyUsage.critical, eku.toSchema()));
  }
  extensions.push(extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ski })));
  if (aki) {
    const akiValue = new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: aki }) });
    extensions.push(extension(OID.authorityKeyIdentifier, false, akiValue.toSchema()));
  }
  extensions.push(...(spec.extraExtensions ?? []));
  cert.extensions = extensions;

  const tbs = Buffer.from(cert.encodeTBS().toBER(false));
  const signature = await spec.signer.sign(tbs);
  cert.tbsView = new Uint8Array(tbs);
  cert.signatureValue = new asn1js.BitString({ valueHex: signature });
  return Buffer.from(cert.toSchema(false).toBER(false));
}

/**
 * Key identifier: the leftmost 160 bits of SHA-256 over the subjectPublicKey BIT
 * STRING's value (RFC 7093 §2 method 1), avoiding SHA-1 for FIPS profiles.
 */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const spki = pkijs.PublicKeyInfo.fromBER(spkiDer);
  return digest('sha256', spki.subjectPublicKey.valueBlock.valueHexView).subarray(0, 20);
}

/** The subjectKeyIdentifier extension value of a certificate, if it has one. */
export function subjectKeyIdentifierOf(cert: pkijs.Certificate): Buffer | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  if (!ext) return undefined;
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (!(parsed.result instanceof asn1js.OctetString)) throw new RangeError('malformed subjectKeyIdentifier in the issuer certificate');
  return Buffer.from(parsed.result.valueBlock.valueHexView);
}

export function signatureAlgorithmOf(signer: Signer): string {
  switch (signer.algorithm) {
    case 'ecdsa-p256-sha256':
      return OID.ecdsaWithSha256;
    case 'ecdsa-p384-sha384':
      return OID.ecdsaWithSha384;
    case 'ed25519':
      return OID.ed25519;
  }
}

export function extension(extnID: string, critical: boolean, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/** KeyUsage as a DER named-bit BIT STRING: trailing zero bits dropped (X.690 §11.2.2). */
export function keyUsageBits(usages: KeyUsageName[]): asn1js.BitString {
  let bits = 0;
  for (const u of usages) bits |= 0x80 >> KEY_USAGE_BIT[u];
  let unused = 0;
  while (unused < 7 && ((bits >> unused) & 1) === 0) unused++;
  return new asn1js.BitString({ valueHex: new Uint8Array([bits]), unusedBits: unused });
}

/** Whole seconds; UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function certTime(d: Date): pkijs.Time {
  const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
  return new pkijs.Time({ type: whole.getUTCFullYear() < 2050 ? 0 : 1, value: whole });
}

export function randomSerial(): Buffer {
  const b = randomBytes(20);
  b[0] = (b[0]! & 0x7f) | 0x40; // positive and exactly 20 octets
  return b;
}

/** Minimal positive INTEGER content for an unsigned serial. */
export function positiveSerial(serial: Buffer): Buffer {
  let i = 0;
  while (i < serial.length - 1 && serial[i] === 0) i++;
  const s = serial.subarray(i);
  if (s.length === 0 || (s.length === 1 && s[0] === 0)) throw new RangeError('a certificate serial must be positive');
  const content = (s[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), s]) : s;
  if (content.length > 20) throw new RangeError('a certificate serial must fit in 20 octets (RFC 5280 §4.1.2.2)');
  return content;
}
