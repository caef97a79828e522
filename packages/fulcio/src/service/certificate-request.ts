import { verify as cryptoVerify } from 'node:crypto';
import { children, contents, fromPem, isPem, OID, oidFromContent, readDer, tlvBytes, verifySignature, type VerificationKey } from '@sigstack/core';
import { FulcioError } from '../errors.js';
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
    // CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
    // CertificationRequestInfo ::= SEQUENCE { version INTEGER, subject Name, subjectPKInfo, attributes [0] }
    const outer = readDer(der, 'CertificationRequest');
    const [infoTlv, algTlv, sigTlv, ...extra] = children(der, outer, 'CertificationRequest');
    if (!infoTlv || !algTlv || !sigTlv || extra.length > 0 || outer.tag !== 0x30) throw new RangeError('not a SEQUENCE of three elements');
    if (infoTlv.tag !== 0x30) throw new RangeError('certificationRequestInfo is not a SEQUENCE');
    info = tlvBytes(der, infoTlv);
    const spkiTlv = children(der, infoTlv, 'certificationRequestInfo')[2];
    if (spkiTlv?.tag !== 0x30) throw new RangeError('subjectPKInfo is not a SEQUENCE inside certificationRequestInfo');
    spki = tlvBytes(der, spkiTlv);
    if (sigTlv.tag !== 0x03 || der[sigTlv.contentStart] !== 0) throw new RangeError('bad signature BIT STRING');
    signature = der.subarray(sigTlv.contentStart + 1, sigTlv.end);
    const oid = algTlv.tag === 0x30 ? children(der, algTlv, 'signatureAlgorithm')[0] : undefined;
    if (oid?.tag !== 0x06) throw new RangeError('bad signatureAlgorithm');
    algOid = oidFromContent(contents(der, oid), 'signatureAlgorithm');
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
