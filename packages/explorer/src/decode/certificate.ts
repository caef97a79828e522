import { ExplorerError, fromUtf8, toHex } from '../bytes.js';
import { children, derTime, oidText, readDer, type Der } from './der.js';

/** What the entry page shows of a signing certificate. Every string is untrusted text: the page renders it with textContent. */
export interface CertificateSummary {
  serialHex: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** Subject alternative names: `email:…`, `uri:…`, `dns:…`, `other:…`. */
  sans: string[];
  extensions: { oid: string; name: string; critical: boolean; value: string }[];
  /** Embedded SCTs (RFC 6962 §3.3): the CT log that promised to log the certificate, and when. */
  scts: { logIdHex: string; timestamp: number }[];
}

/** A certificate larger than this is not decoded (Fulcio's are about 1 KiB). */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

const ATTR_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** The Fulcio certificate extensions (fulcio docs/oid-info.md) and the standard ones the page names. */
const EXTENSION_NAMES: Record<string, string> = {
  '2.5.29.14': 'Subject Key Identifier',
  '2.5.29.15': 'Key Usage',
  '2.5.29.17': 'Subject Alternative Name',
  '2.5.29.19': 'Basic Constraints',
  '2.5.29.35': 'Authority Key Identifier',
  '2.5.29.37': 'Extended Key Usage',
  '1.3.6.1.4.1.11129.2.4.2': 'Embedded SCTs',
  '1.3.6.1.4.1.57264.1.1': 'OIDC issuer (v1)',
  '1.3.6.1.4.1.57264.1.2': 'GitHub workflow trigger (v1)',
  '1.3.6.1.4.1.57264.1.3': 'GitHub workflow SHA (v1)',
  '1.3.6.1.4.1.57264.1.4': 'GitHub workflow name (v1)',
  '1.3.6.1.4.1.57264.1.5': 'GitHub workflow repository (v1)',
  '1.3.6.1.4.1.57264.1.6': 'GitHub workflow ref (v1)',
  '1.3.6.1.4.1.57264.1.8': 'OIDC issuer',
  '1.3.6.1.4.1.57264.1.9': 'Build signer URI',
  '1.3.6.1.4.1.57264.1.10': 'Build signer digest',
  '1.3.6.1.4.1.57264.1.11': 'Runner environment',
  '1.3.6.1.4.1.57264.1.12': 'Source repository URI',
  '1.3.6.1.4.1.57264.1.13': 'Source repository digest',
  '1.3.6.1.4.1.57264.1.14': 'Source repository ref',
  '1.3.6.1.4.1.57264.1.15': 'Source repository identifier',
  '1.3.6.1.4.1.57264.1.16': 'Source repository owner URI',
  '1.3.6.1.4.1.57264.1.17': 'Source repository owner identifier',
  '1.3.6.1.4.1.57264.1.18': 'Build config URI',
  '1.3.6.1.4.1.57264.1.19': 'Build config digest',
  '1.3.6.1.4.1.57264.1.20': 'Build trigger',
  '1.3.6.1.4.1.57264.1.21': 'Run invocation URI',
  '1.3.6.1.4.1.57264.1.22': 'Source repository visibility',
};

const EKU_NAMES: Record<string, string> = { '1.3.6.1.5.5.7.3.3': 'codeSigning', '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.8': 'timeStamping' };

function expect(el: Der | undefined, tag: number, what: string): Der {
  if (!el || el.tag !== tag) throw new ExplorerError('BAD_CERTIFICATE', `certificate ${what} is missing or malformed`);
  return el;
}

function text(el: Der): string {
  // UTF8String, PrintableString, IA5String, T61String (as Latin-1 would be a guess: shown as UTF-8 or hex).
  try {
    return fromUtf8(el.value);
  } catch {
    return `0x${toHex(el.value)}`;
  }
}

function nameText(name: Der): string {
  const parts: string[] = [];
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [oid, value] = children(atv);
      const o = oidText(expect(oid, 0x06, 'name attribute').value);
      parts.push(`${ATTR_NAMES[o] ?? o}=${value ? text(value) : ''}`);
    }
  }
  return parts.join(', ');
}

function sansOf(value: Uint8Array): string[] {
  const seq = readDer(value).el;
  return children(seq).map((gn) => {
    switch (gn.tag) {
      case 0x81:
        return `email:${text(gn)}`;
      case 0x82:
        return `dns:${text(gn)}`;
      case 0x86:
        return `uri:${text(gn)}`;
      case 0xa0: {
        // otherName: type-id OID, [0] EXPLICIT value (Fulcio's username identities use a UTF8String).
        const [oid, v] = children(gn);
        const inner = v ? children(v)[0] : undefined;
        return `other:${oid ? oidText(oid.value) : '?'}=${inner ? text(inner) : ''}`;
      }
      default:
        return `tag 0x${gn.tag.toString(16)}`;
    }
  });
}

/** RFC 6962 §3.3: the TLS-encoded SignedCertificateTimestampList inside an OCTET STRING. */
export function sctsOf(extValue: Uint8Array): { logIdHex: string; timestamp: number }[] {
  const inner = readDer(extValue).el;
  if (inner.tag !== 0x04) throw new ExplorerError('BAD_CERTIFICATE', 'the SCT list is not an OCTET STRING');
  const b = inner.value;
  const u16 = (p: number) => {
    if (p + 2 > b.length) throw new ExplorerError('BAD_CERTIFICATE', 'truncated SCT list');
    return b[p]! * 256 + b[p + 1]!;
  };
  const total = u16(0);
  if (total + 2 !== b.length) throw new ExplorerError('BAD_CERTIFICATE', 'SCT list length does not match');
  const out: { logIdHex: string; timestamp: number }[] = [];
  let p = 2;
  while (p < b.length) {
    const len = u16(p);
    const start = p + 2;
    if (start + len > b.length || len < 43) throw new ExplorerError('BAD_CERTIFICATE', 'truncated SCT');
    if (b[start] !== 0) throw new ExplorerError('BAD_CERTIFICATE', `SCT version ${b[start]} is not v1`);
    let ts = 0;
    for (let i = 0; i < 8; i++) ts = ts * 256 + b[start + 33 + i]!;
    out.push({ logIdHex: toHex(b.subarray(start + 1, start + 33)), timestamp: ts });
    p = start + len;
  }
  return out;
}

function extensionValue(oid: string, value: Uint8Array): string {
  if (oid === '2.5.29.37') return children(readDer(value).el).map((e) => EKU_NAMES[oidText(e.value)] ?? oidText(e.value)).join(', ');
  if (oid === '2.5.29.19') {
    const c = children(readDer(value).el);
    return c[0]?.tag === 0x01 && c[0].value[0] ? 'CA' : 'not a CA';
  }
  if (oid === '2.5.29.17') return sansOf(value).join(', ');
  if (oid === '2.5.29.14' || oid === '2.5.29.15' || oid === '2.5.29.35' || oid === '1.3.6.1.4.1.11129.2.4.2') return `${value.length} bytes`;
  // Fulcio: .1.1 to .1.6 hold the raw string, .1.8 on a DER UTF8String.
  if (oid.startsWith('1.3.6.1.4.1.57264.1.')) {
    const n = Number(oid.slice('1.3.6.1.4.1.57264.1.'.length));
    if (n >= 8) {
      try {
        const el = readDer(value).el;
        if (el.tag === 0x0c && el.raw.length === value.length) return text(el);
      } catch {
        // not DER: shown raw below
      }
    }
    try {
      return fromUtf8(value);
    } catch {
      return `0x${toHex(value)}`;
    }
  }
  return `0x${toHex(value.subarray(0, 64))}${value.length > 64 ? '…' : ''}`;
}

/** Decodes the parts of an X.509 certificate the explorer shows. Throws BAD_CERTIFICATE / BAD_DER. */
export function decodeCertificate(der: Uint8Array): CertificateSummary {
  if (der.length > MAX_CERTIFICATE_BYTES) throw new ExplorerError('TOO_LARGE', `a certificate of ${der.length} bytes is not decoded`);
  const { el: cert, next } = readDer(der);
  if (next !== der.length) throw new ExplorerError('BAD_CERTIFICATE', 'bytes after the certificate');
  const [tbs] = children(expect(cert, 0x30, 'body'));
  return summaryOfTbs(tbs);
}

/**
 * Decodes a TBSCertificate alone: what a CT precertificate entry logs (RFC 6962 §3.2,
 * the precertificate's TBS without its poison extension, and no signature).
 */
export function decodeTbsCertificate(der: Uint8Array): CertificateSummary {
  if (der.length > MAX_CERTIFICATE_BYTES) throw new ExplorerError('TOO_LARGE', `a certificate of ${der.length} bytes is not decoded`);
  const { el: tbs, next } = readDer(der);
  if (next !== der.length) throw new ExplorerError('BAD_CERTIFICATE', 'bytes after the TBSCertificate');
  return summaryOfTbs(tbs);
}

function summaryOfTbs(tbs: Der | undefined): CertificateSummary {
  const parts = children(expect(tbs, 0x30, 'TBSCertificate'));
  let i = 0;
  if (parts[0]?.tag === 0xa0) i++;
  const serial = expect(parts[i++], 0x02, 'serial number');
  i++; // signature algorithm
  const issuer = expect(parts[i++], 0x30, 'issuer');
  const validity = children(expect(parts[i++], 0x30, 'validity'));
  const subject = expect(parts[i++], 0x30, 'subject');
  i++; // SubjectPublicKeyInfo
  const out: CertificateSummary = {
    serialHex: toHex(serial.value),
    subject: nameText(subject),
    issuer: nameText(issuer),
    notBefore: derTime(validity[0] ?? expect(undefined, 0, 'notBefore')),
    notAfter: derTime(validity[1] ?? expect(undefined, 0, 'notAfter')),
    sans: [],
    extensions: [],
    scts: [],
  };
  for (; i < parts.length; i++) {
    if (parts[i]!.tag !== 0xa3) continue;
    const exts = children(expect(children(parts[i]!)[0], 0x30, 'extensions'));
    for (const ext of exts) {
      const c = children(ext);
      const oid = oidText(expect(c[0], 0x06, 'extension id').value);
      const critical = c[1]?.tag === 0x01 && c[1].value[0] !== 0;
      const value = expect(c[c.length - 1], 0x04, 'extension value').value;
      if (oid === '2.5.29.17') out.sans = sansOf(value);
      if (oid === '1.3.6.1.4.1.11129.2.4.2') out.scts = sctsOf(value);
      out.extensions.push({ oid, name: EXTENSION_NAMES[oid] ?? oid, critical, value: extensionValue(oid, value) });
    }
  }
  return out;
}

/** The DER bytes of each PEM block of `label` in `pem`. */
export function pemBlocks(pem: string, label: string): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(re)) {
    const b64 = m[1]!.replace(/\s+/g, '');
    const bin = atob(b64);
    out.push(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  return out;
}
