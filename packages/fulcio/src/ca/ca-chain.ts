import { contents, findExtension, OID, readCertificateParts, readDer, type Signer } from '@sigstack/core';
import { chainProblem, decodeName, readChainCertificate, type ChainCertificate, type DistinguishedName } from '@sigstack/x509';
import { FulcioError } from '../errors.js';

/** What issuance needs from a checked CA chain, computed once at startup. */
export interface CaChainInfo {
  /** The intermediate's subject Name, byte for byte (the leaves' issuer). */
  issuerNameDer: Buffer;
  /** The intermediate's subjectKeyIdentifier (the leaves' AKI). */
  issuerKeyId: Buffer;
  /** Intermediate validity, ms since the epoch. */
  notBefore: number;
  notAfter: number;
  rootSubject: DistinguishedName;
}

/**
 * Checks `[intermediate, root]` (DER) against what the clients check (protocols.md
 * §4.9), so that a wrong chain fails at startup rather than in every verifier:
 * - the root is self-signed, a CA (BasicConstraints cA), KeyUsage keyCertSign;
 * - the intermediate is issued and signed by the root (name and AKI/SKI chaining),
 *   is a CA with keyCertSign, has an SKI (leaves need it for their AKI), and its
 *   EKU, if present, allows codeSigning (Go's verifier nests EKUs);
 * - the intermediate certifies `signer`'s key, and the root `rootKeyDer` if given.
 * Refuses rather than repairs: clients already trust the chain on disk.
 */
export function verifyCaChain(chain: readonly Buffer[], signer: Signer, rootKeyDer?: Buffer): CaChainInfo {
  if (chain.length !== 2) throw new FulcioError('CA_CHAIN_INVALID', `the CA chain must be [intermediate, root], got ${chain.length} certificate(s)`);
  const roles = ['intermediate', 'root'] as const;
  const [intermediate, root] = chain.map((der, i) => parse(der, roles[i]!)) as [ChainCertificate, ChainCertificate];
  const problem = chainProblem([intermediate, root], { purpose: OID.codeSigning, firstIsCa: true, role: (i) => roles[i]! });
  if (problem) throw new FulcioError('CA_CHAIN_INVALID', problem);

  if (!intermediate.parts.spki.equals(signer.publicKeyDer)) throw new FulcioError('CA_CHAIN_INVALID', "the intermediate certificate does not certify the CA's signing key");
  if (rootKeyDer && !root.parts.spki.equals(rootKeyDer)) throw new FulcioError('CA_CHAIN_INVALID', 'the root certificate does not certify the root key');
  const ski = findExtension(intermediate.parts, OID.subjectKeyIdentifier);
  if (!ski) throw new FulcioError('CA_CHAIN_INVALID', 'the intermediate has no subjectKeyIdentifier (leaves need it as their AKI)');
  let issuerKeyId: Buffer;
  try {
    // SubjectKeyIdentifier ::= KeyIdentifier (OCTET STRING)
    const id = readDer(ski.value, 'subjectKeyIdentifier');
    if (id.tag !== 0x04) throw new RangeError('not an OCTET STRING');
    issuerKeyId = Buffer.from(contents(ski.value, id));
  } catch (cause) {
    throw new FulcioError('CA_CHAIN_INVALID', "the intermediate's subjectKeyIdentifier is malformed", { cause });
  }

  return {
    issuerNameDer: Buffer.from(intermediate.parts.subject),
    issuerKeyId,
    // OpenSSL's "Mon DD HH:MM:SS YYYY GMT", whole seconds as issued.
    notBefore: Date.parse(intermediate.cert.validFrom),
    notAfter: Date.parse(intermediate.cert.validTo),
    rootSubject: decodeName(root.parts.subject),
  };
}

/** The subject Name of a DER certificate, exactly as encoded. */
export function subjectNameDer(cert: Buffer): Buffer {
  return Buffer.from(readCertificateParts(cert).subject);
}

function parse(der: Buffer, role: string): ChainCertificate {
  try {
    return readChainCertificate(der, `the ${role} certificate`);
  } catch (cause) {
    throw new FulcioError('CA_CHAIN_INVALID', `the ${role} certificate does not parse: ${(cause as Error).message}`, { cause });
  }
}
