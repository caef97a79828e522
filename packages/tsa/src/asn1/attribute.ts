import { objectIdentifier, sequence, setOf } from '@sigstack/x509';

/*
 * RFC 5652 §5.3 / §11
 *
 *   SignedAttributes ::= SET SIZE (1..MAX) OF Attribute
 *
 *   Attribute ::= SEQUENCE {
 *     attrType OBJECT IDENTIFIER,
 *     attrValues SET OF AttributeValue }
 */

/** One Attribute with its values. */
export function encodeAttribute(type: string, ...values: Buffer[]): Buffer {
  return sequence(objectIdentifier(type), setOf(...values));
}

/**
 * SignedAttributes as signed: "the DER encoding of the SignedAttributes value",
 * i.e. with the SET OF tag 0x31 (RFC 5652 §5.4), its elements in DER order. In
 * SignerInfo the same content is carried under [0] IMPLICIT.
 */
export function encodeSignedAttributes(attributes: Buffer[]): Buffer {
  return setOf(...attributes);
}
