import { OID, type CertificateParts, type Signer } from '@sigstack/core';
import { chainProblem, decodeName, readChainCertificate, type ChainCertificate, type DistinguishedName } from '@sigstack/x509';
import { TsaError } from '../errors.js';

/** What the issuer needs to know about a verified chain. */
export interface TsaChainInfo {
  /** The leaf's exact bytes (serial, issuer, subject, SPKI) that CMS repeats. */
  leaf: CertificateParts;
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
  if (!leaf.parts.spki.equals(signer.publicKeyDer)) throw new TsaError('INVALID_CHAIN', 'the TSA leaf certificate does not certify the TSA signing key');
  const role = (i: number) => (i === 0 ? 'leaf' : i === certs.length - 1 ? 'root' : `intermediate ${i}`);
  const problem = chainProblem(certs, { purpose: OID.timeStamping, firstIsCa: false, role, issuerName: () => 'next certificate' });
  if (problem) throw new TsaError('INVALID_CHAIN', `TSA chain: ${problem} (the chain must be leaf first, root last)`);

  if (leaf.ca) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf must not be a CA');
  const eku = leaf.extKeyUsage;
  if (!eku) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf has no ExtendedKeyUsage; it needs exactly id-kp-timeStamping, critical');
  if (!eku.critical) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf ExtendedKeyUsage must be critical (RFC 3161 §2.3)');
  if (eku.purposes.length !== 1 || eku.purposes[0] !== OID.timeStamping)
    throw new TsaError('INVALID_LEAF_PROFILE', `the TSA leaf ExtendedKeyUsage must list exactly id-kp-timeStamping, found ${eku.purposes.join(', ') || 'none'}`);
  if (leaf.keyUsage !== undefined && (leaf.keyUsage & 0x80) === 0) throw new TsaError('INVALID_LEAF_PROFILE', 'the TSA leaf KeyUsage lacks digitalSignature');

  return {
    leaf: leaf.parts,
    // OpenSSL's "Mon DD HH:MM:SS YYYY GMT", whole seconds as issued.
    notBefore: Date.parse(leaf.cert.validFrom),
    notAfter: Date.parse(leaf.cert.validTo),
    rootSubject: decodeName(certs[certs.length - 1]!.parts.subject),
  };
}

function parse(der: Buffer, i: number): ChainCertificate {
  try {
    return readChainCertificate(der, `TSA chain certificate ${i}`);
  } catch (cause) {
    throw new TsaError('INVALID_CHAIN', `TSA chain certificate ${i} does not parse: ${(cause as Error).message}`, { cause });
  }
}
