import { DER_NULL, objectIdentifier, octetString, sequence, TAG } from '@sigstack/x509';
import { readOid, type DerElement, type DerReader } from '@sigstack/core';

/*
 * RFC 3161 §2.4.1
 *
 *   MessageImprint ::= SEQUENCE  {
 *        hashAlgorithm                AlgorithmIdentifier,
 *        hashedMessage                OCTET STRING  }
 *
 *   AlgorithmIdentifier ::= SEQUENCE  {            -- RFC 5280 §4.1.1.2
 *        algorithm               OBJECT IDENTIFIER,
 *        parameters              ANY DEFINED BY algorithm OPTIONAL  }
 *
 * For the SHA-2 family the parameters are either absent or NULL (RFC 5754 §2);
 * OpenSSL writes NULL, Go's crypto/x509 callers (gitsign) leave them out.
 */
export interface MessageImprint {
  /** Dotted OID of the hash algorithm. */
  hashAlgorithm: string;
  /** How the AlgorithmIdentifier's parameters were encoded. */
  parameters: 'absent' | 'null' | 'other';
  hashedMessage: Buffer;
  /** The exact encoding, which TSTInfo must repeat ("MUST have the same value"). */
  der: Buffer;
}

/** Decodes a MessageImprint element (structure only; the TSA's rules are checked by the service). */
export function decodeMessageImprint(el: DerElement, outer: DerReader): MessageImprint {
  const r = outer.enter(el, 'TimeStampReq.messageImprint');
  const algEl = r.read(TAG.SEQUENCE, 'hashAlgorithm');
  const alg = r.enter(algEl, 'TimeStampReq.messageImprint.hashAlgorithm');
  const hashAlgorithm = readOid(alg.read(TAG.OID, 'algorithm'), 'TimeStampReq.messageImprint.hashAlgorithm');
  let parameters: MessageImprint['parameters'] = 'absent';
  if (!alg.done) {
    const p = alg.read(undefined, 'parameters');
    parameters = p.tag === TAG.NULL && p.content.length === 0 ? 'null' : 'other';
    alg.end();
  }
  const hashedMessage = r.read(TAG.OCTET_STRING, 'hashedMessage').content;
  r.end();
  return { hashAlgorithm, parameters, hashedMessage, der: el.tlv };
}

/** Encodes a MessageImprint with NULL parameters, as upstream does for requests that came as JSON. */
export function encodeMessageImprint(hashOid: string, hashedMessage: Uint8Array): Buffer {
  return sequence(sequence(objectIdentifier(hashOid), DER_NULL), octetString(hashedMessage));
}
