import type { Signer } from '@sigstack/core';
import { signatureAlgorithmOf } from './certificate-builder.js';
import { bitString, contextConstructed, objectIdentifier, sequence, smallInteger } from './der-writer.js';
import { encodeName, type DistinguishedName } from './distinguished-name.js';

/**
 * A PKCS#10 certification request (RFC 2986) for the signer's key, signed by it: what
 * an external CA needs to certify a key that never leaves an HSM.
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo CertificationRequestInfo,
 *     signatureAlgorithm       AlgorithmIdentifier,
 *     signature                BIT STRING }
 *   CertificationRequestInfo ::= SEQUENCE {
 *     version       INTEGER { v1(0) },
 *     subject       Name,
 *     subjectPKInfo SubjectPublicKeyInfo,
 *     attributes    [0] Attributes }          -- none here
 *
 * ECDSA and Ed25519 AlgorithmIdentifiers carry no parameters (RFC 5758 §3.2, RFC 8410 §3).
 * Returns the DER.
 */
export async function issueCertificationRequest(o: { subject: DistinguishedName; signer: Signer }): Promise<Buffer> {
  const info = sequence(smallInteger(0), encodeName(o.subject), o.signer.publicKeyDer, contextConstructed(0));
  const signature = await o.signer.sign(info);
  return sequence(info, sequence(objectIdentifier(signatureAlgorithmOf(o.signer))), bitString(signature));
}
