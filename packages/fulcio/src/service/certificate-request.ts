import { verify as cryptoVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import { fromPem, isPem, verifySignature, type VerificationKey } from '@sigstack/core';
import { FulcioError } from '../errors.js';
import { readTlv } from '../ca/der.js';
import { FULCIO_OID as OID } from '../ca/oids.js';
import { parseClientPublicKey, parseSpki } from './key-policy.js';

/** How the caller proves it holds the private key (protocols.md §3.4). */
export type KeyProof =
  /** A public key (PEM or DER) and a signature over the principal's challenge string. */
  | { kind: 'publicKey'; publicKey: Uint8Array | string; proofOfPossession: Uint8Array }
  /** A PKCS#10 CSR (PEM or DER): its self-signature is the proof; its subject is ignored. */
  | { kind: 'csr'; csr: Uint8Array | string };

/**
 * Parses the key, applies the key policy and checks the proof of possession; returns
 * the key to certify. Throws INVALID_PUBLIC_KEY / UNSUPPORTED_KEY / POP_INVALID /
 * CSR_INVALID.
 *
 * Public key: the signature is over the UTF-8 bytes of `challenge` with the key's
 * default scheme (P-256→SHA-256, P-384→SHA-384, P-521→SHA-512, RSA PKCS#1 v1.5
 * SHA-256, Ed25519 pure), whatever `algorithm` the client named. gitsign signs
 * SHA-256(challenge) with P-256 as a prehash, which is the same signature.
 */
export async function verifyKeyProof(proof: KeyProof, challenge: string): Promise<VerificationKey> {
  if (proof.kind === 'csr') return verifyCsr(proof.csr);
  const vk = parseClientPublicKey(proof.publicKey);
  if (proof.proofOfPossession.length === 0) throw new FulcioError('POP_INVALID', 'no proof of possession (signature over the identity) was given');
  const ok = await verifySignature(vk, Buffer.from(challenge, 'utf8'), proof.proofOfPossession);
  if (!ok) throw new FulcioError('POP_INVALID', `the proof of possession is not a valid ${vk.kind} signature over "${challenge}" by the submitted key`);
  return vk;
}

/**
 * CertificationRequest ::= SEQUENCE {
 *   certificationRequestInfo  CertificationRequestInfo,   -- SEQUENCE { version, subject, subjectPKInfo, [0] attributes }
 *   signatureAlgorithm        AlgorithmIdentifier,
 *   signature                 BIT STRING }                 (RFC 2986 §4)
 */
const CSR_HASH: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512' | null>> = {
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
  [OID.sha256WithRsa]: 'sha256',
  [OID.sha384WithRsa]: 'sha384',
  [OID.sha512WithRsa]: 'sha512',
  [OID.ed25519]: null,
};

async function verifyCsr(input: Uint8Array | string): Promise<VerificationKey> {
  let der: Buffer;
  if (isPem(input)) {
    let blocks;
    try {
      blocks = fromPem(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
    } catch (cause) {
      throw new FulcioError('CSR_INVALID', `invalid PEM: ${(cause as Error).message}`, { cause });
    }
    const block = blocks[0]!;
    if (block.type !== 'CERTIFICATE REQUEST' && block.type !== 'NEW CERTIFICATE REQUEST')
      throw new FulcioError('CSR_INVALID', `expected a PEM "CERTIFICATE REQUEST" block, got "${block.type}"`);
    der = block.der;
  } else {
    der = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input);
  }

  let info: Buffer, spki: Buffer, algOid: string, signature: Buffer;
  try {
    const outer = readTlv(der, 0);
    if (outer.tag !== 0x30 || outer.end !== der.length) throw new RangeError('not one DER SEQUENCE (trailing data?)');
    const infoTlv = readTlv(der, outer.start);
    if (infoTlv.tag !== 0x30) throw new RangeError('certificationRequestInfo is not a SEQUENCE');
    info = der.subarray(outer.start, infoTlv.end);
    // version INTEGER, subject Name, subjectPKInfo
    let off = readTlv(der, infoTlv.start).end;
    off = readTlv(der, off).end;
    const spkiTlv = readTlv(der, off);
    if (spkiTlv.tag !== 0x30 || spkiTlv.end > infoTlv.end) throw new RangeError('subjectPKInfo is not a SEQUENCE inside certificationRequestInfo');
    spki = der.subarray(off, spkiTlv.end);
    const algTlv = readTlv(der, infoTlv.end);
    const sigTlv = readTlv(der, algTlv.end);
    if (sigTlv.tag !== 0x03 || sigTlv.end !== outer.end || der[sigTlv.start] !== 0) throw new RangeError('bad signature BIT STRING');
    signature = der.subarray(sigTlv.start + 1, sigTlv.end);
    const alg = asn1js.fromBER(der.subarray(infoTlv.end, algTlv.end));
    const oid = alg.result instanceof asn1js.Sequence ? alg.result.valueBlock.value[0] : undefined;
    if (alg.offset === -1 || !(oid instanceof asn1js.ObjectIdentifier)) throw new RangeError('bad signatureAlgorithm');
    algOid = oid.valueBlock.toString();
  } catch (cause) {
    throw new FulcioError('CSR_INVALID', `the CSR is not a DER PKCS#10 CertificationRequest: ${(cause as Error).message}`, { cause });
  }
  const hash = CSR_HASH[algOid];
  if (hash === undefined) throw new FulcioError('CSR_INVALID', `unsupported CSR signature algorithm ${algOid}`);
  const vk = parseSpki(spki);
  const keyMatches = algOid === OID.ed25519 ? vk.kind === 'ed25519' : algOid.startsWith('1.2.840.10045.') ? vk.kind.startsWith('ecdsa') : vk.kind === 'rsa';
  if (!keyMatches) throw new FulcioError('CSR_INVALID', `the CSR signature algorithm ${algOid} does not fit its ${vk.kind} key`);
  const ok = await new Promise<boolean>((resolve) => {
    try {
      cryptoVerify(hash, info, vk.key, signature, (err, res) => resolve(!err && res));
    } catch {
      resolve(false);
    }
  });
  if (!ok) throw new FulcioError('POP_INVALID', "the CSR's self-signature does not verify with its public key");
  return vk;
}
