import * as asn1js from 'asn1js';
import { OID } from '@sigstack/core';

/*
 * RFC 5280 §4.1.2.4
 *
 *   Name ::= CHOICE { -- only one possibility for now --
 *     rdnSequence  RDNSequence }
 *   RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
 *   RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 *   AttributeTypeAndValue ::= SEQUENCE { type AttributeType, value AttributeValue }
 *
 * One attribute per RDN, in the order C, O, OU, CN; countryName is a
 * PrintableString (RFC 5280 appendix A), the others UTF8String (RFC 5280 §4.1.2.4:
 * "CAs MUST use the UTF8String encoding" for new certificates).
 */
export interface DistinguishedName {
  country?: string;
  organization?: string;
  organizationalUnit?: string;
  commonName?: string;
}

const ORDER: [keyof DistinguishedName, string][] = [
  ['country', OID.countryName],
  ['organization', OID.organizationName],
  ['organizationalUnit', OID.organizationalUnitName],
  ['commonName', OID.commonName],
];

/** DER of the Name. */
export function encodeName(name: DistinguishedName): Buffer {
  const rdns: asn1js.Set[] = [];
  for (const [key, oid] of ORDER) {
    const value = name[key];
    if (value === undefined) continue;
    const str = key === 'country' ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
    rdns.push(new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), str] })] }));
  }
  if (rdns.length === 0) throw new RangeError('a distinguished name needs at least one attribute');
  return Buffer.from(new asn1js.Sequence({ value: rdns }).toBER(false));
}

/** Reads the attributes we know from a DER Name (first value of each type). */
export function decodeName(der: Uint8Array): DistinguishedName {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) throw new RangeError('not a DER Name');
  const out: DistinguishedName = {};
  for (const rdn of parsed.result.valueBlock.value) {
    if (!(rdn instanceof asn1js.Set)) continue;
    for (const atv of rdn.valueBlock.value) {
      if (!(atv instanceof asn1js.Sequence)) continue;
      const [type, value] = atv.valueBlock.value;
      if (!(type instanceof asn1js.ObjectIdentifier)) continue;
      const key = ORDER.find(([, oid]) => oid === type.valueBlock.toString())?.[0];
      const text = (value as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock?.value;
      if (key && out[key] === undefined && typeof text === 'string') out[key] = text;
    }
  }
  return out;
}
