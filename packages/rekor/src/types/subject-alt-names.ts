import { RekorError } from '../errors.js';
import { children, contents, isMalformedDer, oidFromContent, OID, readDer, type Tlv } from '@sigstack/core';

/**
 * The identities upstream indexes for a certificate: sigstore's
 * cryptoutils.GetSubjectAlternateNames, i.e. Go's parsed SANs in the order
 * DNS names, email addresses, IP addresses (net.IP.String()), URIs, and finally the
 * Fulcio username otherName (OID 1.3.6.1.4.1.57264.1.7, UTF8String) when the SAN holds
 * exactly one otherName and every otherName has that OID.
 *
 *   GeneralName ::= CHOICE {
 *        otherName                 [0]  OtherName,
 *        rfc822Name                [1]  IA5String,
 *        dNSName                   [2]  IA5String,
 *        ...
 *        uniformResourceIdentifier [6]  IA5String,
 *        iPAddress                 [7]  OCTET STRING, ... }
 *   OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY DEFINED BY type-id }
 *                                                                        (RFC 5280 §4.2.1.6)
 *
 * Go's x509.ParseCertificate refuses a certificate whose rfc822Name, dNSName or URI is
 * not IA5 (ASCII) or whose iPAddress is not 4 or 16 bytes; so does this (INVALID_KEY),
 * since upstream would refuse the entry. Go also re-serialises URIs through url.Parse;
 * we index the URI text as written.
 */
export function subjectAltNames(sanExtensions: readonly Buffer[], field: string): string[] {
  const dns: string[] = [];
  const emails: string[] = [];
  const ips: string[] = [];
  const uris: string[] = [];
  const otherNames: (string | undefined)[] = [];
  const bad = (what: string) => new RekorError('INVALID_KEY', `${field}: certificate subjectAltName ${what} is malformed`);
  for (const ext of sanExtensions) {
    const names = derOrUndefined(() => {
      const seq = readDer(ext);
      return seq.tag === 0x30 ? children(ext, seq) : undefined;
    });
    if (!names) throw bad('extension');
    for (const n of names) {
      const value = contents(ext, n);
      switch (n.tag) {
        case 0x81:
          emails.push(ia5(value) ?? throwErr(bad('rfc822Name')));
          break;
        case 0x82:
          dns.push(ia5(value) ?? throwErr(bad('dNSName')));
          break;
        case 0x86:
          uris.push(ia5(value) ?? throwErr(bad('uniformResourceIdentifier')));
          break;
        case 0x87:
          if (value.length !== 4 && value.length !== 16) throw bad('iPAddress');
          ips.push(formatIp(value));
          break;
        case 0xa0:
          otherNames.push(fulcioUsername(ext, n));
          break;
      }
    }
  }
  const out = [...dns, ...emails, ...ips, ...uris];
  // UnmarshalOtherNameSAN fails (and Subjects() then adds nothing) unless there is
  // exactly one otherName and it is the Fulcio username.
  if (otherNames.length === 1 && otherNames[0] !== undefined) out.push(otherNames[0]);
  return out;
}

/** The strict reader's refusal as undefined: a malformed name is skipped or refused by the caller, as Go does. */
function derOrUndefined<T>(fn: () => T | undefined): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isMalformedDer(e)) return undefined;
    throw e;
  }
}

function throwErr(e: Error): never {
  throw e;
}

function ia5(b: Uint8Array): string | undefined {
  for (const c of b) if (c >= 0x80) return undefined;
  return Buffer.from(b).toString('latin1');
}

/** The UTF8String of a Fulcio username otherName (OID.otherNameSan); undefined for any other otherName. */
function fulcioUsername(buf: Buffer, n: Tlv): string | undefined {
  return derOrUndefined(() => {
    const parts = children(buf, n);
    if (parts.length !== 2 || parts[0]!.tag !== 0x06 || parts[1]!.tag !== 0xa0) return undefined;
    if (oidFromContent(contents(buf, parts[0]!)) !== OID.otherNameSan) return undefined;
    const inner = children(buf, parts[1]!);
    if (inner.length !== 1 || inner[0]!.tag !== 0x0c) return undefined;
    const bytes = contents(buf, inner[0]!);
    const text = bytes.toString('utf8');
    // Go's asn1 refuses a UTF8String that is not valid UTF-8.
    return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
  });
}

/** Go's net.IP.String(): dotted quad for IPv4 and IPv4-mapped IPv6, RFC 5952 otherwise. */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return Array.from(b.subarray(12)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of two or more zero groups (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
