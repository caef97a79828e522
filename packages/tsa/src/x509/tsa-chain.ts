import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Signer } from '@sigstack/core';
import { OID } from '../asn1/oids.js';
import { TsaError } from '../errors.js';
import { readCertificateFields, type CertificateFields } from './certificate-fields.js';
import { decodeName, type DistinguishedName } from '@sigstack/x509';

/** What the issuer needs to know about a verified chain. */
export interface TsaChainInfo {
  leaf: CertificateFields;
  /** Leaf validity, milliseconds since the epoch. */
  notBefore: number;
  notAfter: number;
  /** Subject of the root (the trusted-root entry's `subject`). */
  rootSubject: DistinguishedName;
}

/**
 * Checks a TSA chain (leaf first, root last) against everything the clients check
 * (protocols.md §8.4), so a misconfigured chain fails at startup instead of in
 * every client's verification:
 * - at least leaf + root; each certificate issued and signed by the next; the last
 *   self-signed;
 * - the leaf certifies `signer`'s key, is not a CA, has an ExtendedKeyUsage that is
 *   critical and lists exactly id-kp-timeStamping (sigstore-go and
 *   timestamp-authority count the purposes and require 1), and, if it has a
 *   KeyUsage, digitalSignature;
 * - every CA has BasicConstraints cA TRUE and, if it has a KeyUsage, keyCertSign
 *   (sigstore-js `isCA`); an intermediate's EKU, if any, allows timeStamping
 *   (Go enforces EKU nesting).
 */
export function verifyTsaChain(chain: Buffer[], signer: Signer): TsaChainInfo {
  if (chain.length < 2) throw new TsaError('INVALID_CHAIN', `the TSA chain needs the leaf and its root, got ${chain.length} certificate(s)`);
  const certs = chain.map((der, i) => parse(der, i));
  const leaf = certs[0]!;
  let leafFields: CertificateFields;
  try {
    leafFields = readCertificateFields(chain[0]!);
  } catch (cause) {
    throw new TsaError('INVALID_CHAIN', `TSA leaf certificate: ${(cause as Error).message}`, { cause });
  }
  if (!leafFields.spki.equals(signer.publicKeyDer)) throw new TsaError('INVALID_CHAIN', 'the TSA leaf certificate does not certify the TSA signing key');

  for (let i = 0; i < certs.length; i++) {
    const c = certs[i]!;
    const issuer = certs[Math.min(i + 1, certs.length - 1)]!;
    const role = i === 0 ? 'leaf' : i === certs.length - 1 ? 'root' : `intermediate ${i}`;
    if (!c.node.checkIssued(issuer.node)) throw new TsaError('INVALID_CHAIN', `TSA chain: the ${role} was not issued by the next certificate (issuer name or key identifier differs; the chain must be leaf first, root last)`);
    if (!c.node.verify(issuer.node.publicKey)) throw new TsaError('INVALID_CHAIN', `TSA chain: the ${role}'s signature does not verify with the next certificate's key`);
    if (i === 0) continue;
    const bc = basicConstraints(c.pki);
    if (!bc.present || !bc.ca) throw new TsaError('INVALID_CHAIN', `TSA chain: the ${role} is not a CA (BasicConstraints cA must be TRUE)`);
    const ku = keyUsage(c.pki);
    if (ku !== undefined && (ku & 0x04) === 0) throw new TsaError('INVALID_CHAIN', `TSA chain: the ${role}'s KeyUsage lacks keyCertSign`);
    if (i < certs.length - 1) {
      const eku = extKeyUsage(c.pki);
      if (eku && !eku.purposes.includes(OID.timeStamping) && !eku.purposes.includes(OID.anyExtendedKeyUsage))
        throw new TsaError('INVALID_CHAIN', `TSA chain: the ${role}'s ExtendedKeyUsage does not allow timeStamping`);
    }
  }

  const bc = basicConstraints(leaf.pki);
  if (bc.ca) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf must not be a CA');
  const eku = extKeyUsage(leaf.pki);
  if (!eku) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf has no ExtendedKeyUsage; it needs exactly id-kp-timeStamping, critical');
  if (!eku.critical) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf ExtendedKeyUsage must be critical (RFC 3161 §2.3)');
  if (eku.purposes.length !== 1 || eku.purposes[0] !== OID.timeStamping)
    throw new TsaError('INVALID_LEAF_PROFILE', `the TSA leaf ExtendedKeyUsage must list exactly id-kp-timeStamping, found ${eku.purposes.join(', ') || 'none'}`);
  const ku = keyUsage(leaf.pki);
  if (ku !== undefined && (ku & 0x80) === 0) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf KeyUsage lacks digitalSignature');

  const root = certs[certs.length - 1]!;
  return {
    leaf: leafFields,
    notBefore: leaf.pki.notBefore.value.getTime(),
    notAfter: leaf.pki.notAfter.value.getTime(),
    rootSubject: decodeName(new Uint8Array(root.pki.subject.toSchema().toBER(false))),
  };
}

interface ParsedCert {
  node: X509Certificate;
  pki: pkijs.Certificate;
}

function parse(der: Buffer, i: number): ParsedCert {
  try {
    return { node: new X509Certificate(der), pki: pkijs.Certificate.fromBER(der) };
  } catch (cause) {
    throw new TsaError('INVALID_CHAIN', `TSA chain certificate ${i} does not parse: ${(cause as Error).message}`, { cause });
  }
}

function findExtension(cert: pkijs.Certificate, oid: string): { critical: boolean; value: asn1js.AsnType } | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === oid);
  if (!ext) return undefined;
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (parsed.offset === -1) throw new TsaError('INVALID_CHAIN', `malformed extension ${oid}`);
  return { critical: ext.critical, value: parsed.result };
}

function basicConstraints(cert: pkijs.Certificate): { present: boolean; ca: boolean } {
  const ext = findExtension(cert, OID.basicConstraints);
  if (!ext) return { present: false, ca: false };
  const first = (ext.value as asn1js.Sequence).valueBlock?.value?.[0];
  return { present: true, ca: first instanceof asn1js.Boolean && first.valueBlock.value };
}

/** The first KeyUsage octet (bit 0x80 digitalSignature, 0x04 keyCertSign), or undefined if absent. */
function keyUsage(cert: pkijs.Certificate): number | undefined {
  const ext = findExtension(cert, OID.keyUsage);
  if (!ext) return undefined;
  if (!(ext.value instanceof asn1js.BitString)) throw new TsaError('INVALID_CHAIN', 'malformed KeyUsage');
  return ext.value.valueBlock.valueHexView[0] ?? 0;
}

function extKeyUsage(cert: pkijs.Certificate): { critical: boolean; purposes: string[] } | undefined {
  const ext = findExtension(cert, OID.extKeyUsage);
  if (!ext) return undefined;
  if (!(ext.value instanceof asn1js.Sequence)) throw new TsaError('INVALID_CHAIN', 'malformed ExtendedKeyUsage');
  const purposes = ext.value.valueBlock.value.map((v) => (v instanceof asn1js.ObjectIdentifier ? v.valueBlock.toString() : '?'));
  return { critical: ext.critical, purposes };
}
