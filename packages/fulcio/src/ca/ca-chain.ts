import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Signer } from '@sigstack/core';
import { decodeName, subjectKeyIdentifierOf, type DistinguishedName } from '@sigstack/x509';
import { FulcioError } from '../errors.js';
import { readTlv } from './der.js';
import { FULCIO_OID as OID } from './oids.js';

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
  const [intermediate, root] = chain.map((der, i) => parse(der, i === 0 ? 'intermediate' : 'root')) as [Parsed, Parsed];

  if (!root.node.checkIssued(root.node) || !root.node.verify(root.node.publicKey))
    throw new FulcioError('CA_CHAIN_INVALID', 'the root certificate is not self-signed');
  if (!intermediate.node.checkIssued(root.node))
    throw new FulcioError('CA_CHAIN_INVALID', 'the intermediate was not issued by the root (issuer name or key identifier differs)');
  if (!intermediate.node.verify(root.node.publicKey))
    throw new FulcioError('CA_CHAIN_INVALID', "the intermediate's signature does not verify with the root's key");
  for (const [role, c] of [['root', root], ['intermediate', intermediate]] as const) {
    if (!isCa(c.pki)) throw new FulcioError('CA_CHAIN_INVALID', `the ${role} is not a CA (BasicConstraints cA must be TRUE)`);
    const ku = keyUsage(c.pki);
    if (ku !== undefined && (ku & 0x04) === 0) throw new FulcioError('CA_CHAIN_INVALID', `the ${role}'s KeyUsage lacks keyCertSign`);
  }
  const eku = extKeyUsage(intermediate.pki);
  if (eku && !eku.includes(OID.codeSigning) && !eku.includes('2.5.29.37.0'))
    throw new FulcioError('CA_CHAIN_INVALID', "the intermediate's ExtendedKeyUsage does not allow codeSigning");

  const intermediateSpki = Buffer.from(intermediate.pki.subjectPublicKeyInfo.toSchema().toBER(false));
  if (!intermediateSpki.equals(signer.publicKeyDer)) throw new FulcioError('CA_CHAIN_INVALID', "the intermediate certificate does not certify the CA's signing key");
  if (rootKeyDer) {
    const rootSpki = Buffer.from(root.pki.subjectPublicKeyInfo.toSchema().toBER(false));
    if (!rootSpki.equals(rootKeyDer)) throw new FulcioError('CA_CHAIN_INVALID', 'the root certificate does not certify the root key');
  }
  let issuerKeyId: Buffer | undefined;
  try {
    issuerKeyId = subjectKeyIdentifierOf(intermediate.pki);
  } catch (cause) {
    throw new FulcioError('CA_CHAIN_INVALID', "the intermediate's subjectKeyIdentifier is malformed", { cause });
  }
  if (!issuerKeyId) throw new FulcioError('CA_CHAIN_INVALID', 'the intermediate has no subjectKeyIdentifier (leaves need it as their AKI)');

  return {
    issuerNameDer: subjectNameDer(chain[0]!),
    issuerKeyId,
    notBefore: intermediate.pki.notBefore.value.getTime(),
    notAfter: intermediate.pki.notAfter.value.getTime(),
    rootSubject: decodeName(subjectNameDer(chain[1]!)),
  };
}

/** The subject Name of a DER certificate, exactly as encoded (the sixth TBS field after the optional version). */
export function subjectNameDer(cert: Buffer): Buffer {
  const outer = readTlv(cert, 0);
  const tbs = readTlv(cert, outer.start);
  let off = tbs.start;
  if (cert[off] === 0xa0) off = readTlv(cert, off).end; // [0] version
  for (let i = 0; i < 4; i++) off = readTlv(cert, off).end; // serial, signature, issuer, validity
  const subject = readTlv(cert, off);
  return Buffer.from(cert.subarray(off, subject.end));
}

interface Parsed {
  node: X509Certificate;
  pki: pkijs.Certificate;
}

function parse(der: Buffer, role: string): Parsed {
  try {
    return { node: new X509Certificate(der), pki: pkijs.Certificate.fromBER(der) };
  } catch (cause) {
    throw new FulcioError('CA_CHAIN_INVALID', `the ${role} certificate does not parse: ${(cause as Error).message}`, { cause });
  }
}

function extensionValue(cert: pkijs.Certificate, oid: string): asn1js.AsnType | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === oid);
  if (!ext) return undefined;
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (parsed.offset === -1) throw new FulcioError('CA_CHAIN_INVALID', `malformed extension ${oid} in the CA chain`);
  return parsed.result;
}

function isCa(cert: pkijs.Certificate): boolean {
  const v = extensionValue(cert, OID.basicConstraints);
  const first = v instanceof asn1js.Sequence ? v.valueBlock.value[0] : undefined;
  return first instanceof asn1js.Boolean && first.valueBlock.value;
}

function keyUsage(cert: pkijs.Certificate): number | undefined {
  const v = extensionValue(cert, OID.keyUsage);
  if (v === undefined) return undefined;
  if (!(v instanceof asn1js.BitString)) throw new FulcioError('CA_CHAIN_INVALID', 'malformed KeyUsage in the CA chain');
  return v.valueBlock.valueHexView[0] ?? 0;
}

function extKeyUsage(cert: pkijs.Certificate): string[] | undefined {
  const v = extensionValue(cert, OID.extKeyUsage);
  if (v === undefined) return undefined;
  if (!(v instanceof asn1js.Sequence)) throw new FulcioError('CA_CHAIN_INVALID', 'malformed ExtendedKeyUsage in the CA chain');
  return v.valueBlock.value.map((o) => (o instanceof asn1js.ObjectIdentifier ? o.valueBlock.toString() : '?'));
}
