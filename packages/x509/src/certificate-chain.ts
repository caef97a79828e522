import { X509Certificate } from 'node:crypto';
import { children, contents, CoreError, findExtension, isMalformedDer, OID, oidFromContent, readBoolean, readCertificateParts, readDer, DerReader, type CertificateParts } from '@sigstack/core';

/**
 * The one chain check of sigstack, for the chains our services are configured with
 * (the CA's [intermediate, root], the TSA's [leaf, ..., root]) and the chains CT
 * accepts: each certificate issued by the next (issuer name, AKI/SKI and signature,
 * by OpenSSL through node:crypto), each issuer a CA with keyCertSign, and EKUs
 * nested the way Go's verifier requires. Problems are returned as text naming the
 * certificate by its role; each service wraps them into its own coded error.
 */

/** A certificate with what chain checks read from it; extension values parsed with the strict DER reader. */
export interface ChainCertificate {
  der: Buffer;
  cert: X509Certificate;
  parts: CertificateParts;
  /** BasicConstraints cA; undefined when the extension is absent. */
  ca: boolean | undefined;
  /** The first KeyUsage octet (0x80 digitalSignature, 0x04 keyCertSign); undefined when absent. */
  keyUsage: number | undefined;
  /** ExtendedKeyUsage; undefined when absent. */
  extKeyUsage: { critical: boolean; purposes: string[] } | undefined;
}

/** Parses one certificate for a chain check. Throws CoreError INVALID_CERTIFICATE naming `what`. */
export function readChainCertificate(der: Buffer, what = 'certificate'): ChainCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw invalid(`${what}: not a DER X.509 certificate`, cause);
  }
  const parts = readCertificateParts(der, what);
  try {
    const bc = findExtension(parts, OID.basicConstraints);
    const ku = findExtension(parts, OID.keyUsage);
    const eku = findExtension(parts, OID.extKeyUsage);
    return {
      der,
      cert,
      parts,
      ca: bc ? basicConstraintsCa(bc.value) : undefined,
      keyUsage: ku ? keyUsageOctet(ku.value) : undefined,
      extKeyUsage: eku ? { critical: eku.critical, purposes: purposes(eku.value) } : undefined,
    };
  } catch (cause) {
    if (isMalformedDer(cause)) throw invalid(`${what}: malformed extension (${cause.message})`, cause);
    throw cause;
  }
}

/** Why `child` does not chain to `issuer`, or undefined when it does. */
export function linkProblem(child: X509Certificate, issuer: X509Certificate): 'not-ca' | 'not-issued' | 'bad-signature' | undefined {
  if (!issuer.ca) return 'not-ca';
  if (!child.checkIssued(issuer)) return 'not-issued';
  if (!child.verify(issuer.publicKey)) return 'bad-signature';
  return undefined;
}

export interface ChainCheckOptions {
  /** The EKU every intermediate must allow when it has an EKU (Go nests EKUs). */
  purpose: string;
  /** Whether chain[0] is itself a CA (the CA's own [intermediate, root]) rather than a leaf. */
  firstIsCa: boolean;
  /** Names chain[i] in messages ("root", "intermediate 1"). */
  role: (i: number) => string;
  /** Names chain[i]'s issuer (default: the role of chain[i + 1]). */
  issuerName?: (i: number) => string;
}

/**
 * Checks `chain` (first to root, root last and self-signed); returns the first problem
 * as a sentence, or undefined. The leaf's own profile (its EKU, not a CA) is the
 * caller's to check.
 */
export function chainProblem(chain: readonly ChainCertificate[], opts: ChainCheckOptions): string | undefined {
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const last = i === chain.length - 1;
    const issuer = chain[last ? i : i + 1]!;
    const role = opts.role(i);
    const issuerRole = last ? 'itself' : (opts.issuerName ?? ((j) => opts.role(j + 1)))(i);
    if (!c.cert.checkIssued(issuer.cert))
      return last ? `the ${role} is not self-signed` : `the ${role} was not issued by the ${issuerRole} (issuer name or key identifier differs)`;
    if (!c.cert.verify(issuer.cert.publicKey)) return last ? `the ${role} is not self-signed (its signature does not verify with its own key)` : `the ${role}'s signature does not verify with the ${issuerRole}'s key`;
    if (i === 0 && !opts.firstIsCa) continue;
    if (c.ca !== true) return `the ${role} is not a CA (BasicConstraints cA must be TRUE)`;
    if (c.keyUsage !== undefined && (c.keyUsage & 0x04) === 0) return `the ${role}'s KeyUsage lacks keyCertSign`;
    const eku = c.extKeyUsage;
    if (!last && eku && !eku.purposes.includes(opts.purpose) && !eku.purposes.includes(OID.anyExtendedKeyUsage)) return `the ${role}'s ExtendedKeyUsage does not allow ${purposeName(opts.purpose)}`;
  }
  return undefined;
}

function purposeName(oid: string): string {
  return oid === OID.codeSigning ? 'codeSigning' : oid === OID.timeStamping ? 'timeStamping' : oid;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } */
function basicConstraintsCa(value: Buffer): boolean {
  const seq = readDer(value, 'BasicConstraints');
  const first = children(value, seq, 'BasicConstraints')[0];
  if (first?.tag !== 0x01) return false;
  return readBoolean(new DerReader(value.subarray(first.start, first.end), 'BasicConstraints').read(0x01), 'BasicConstraints.cA');
}

/** KeyUsage ::= BIT STRING; the first octet after the unused-bits count. */
function keyUsageOctet(value: Buffer): number {
  const bits = readDer(value, 'KeyUsage');
  if (bits.tag !== 0x03) throw invalid('KeyUsage is not a BIT STRING');
  return contents(value, bits)[1] ?? 0;
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OBJECT IDENTIFIER) */
function purposes(value: Buffer): string[] {
  const seq = readDer(value, 'ExtendedKeyUsage');
  return children(value, seq, 'ExtendedKeyUsage').map((o) => (o.tag === 0x06 ? oidFromContent(contents(value, o), 'KeyPurposeId') : '?'));
}

function invalid(message: string, cause?: unknown): CoreError {
  return new CoreError('INVALID_CERTIFICATE', message, cause === undefined ? undefined : { cause });
}
