import { createHash } from 'node:crypto';
import { contents, fromPem, OID, parseTbs, readCertificateParts, readDer, type CertificateParts } from '@sigstack/core';
import { subjectAltNames } from '@sigstack/rekor';
import { decodeCtLeaf } from './ct-leaf.js';

/** What a log entry says about who signed: one per certificate or public key in it. */
export interface EntryIdentity {
  kind: 'certificate' | 'precertificate' | 'publicKey';
  /** Subject alternative names, as upstream indexes them (DNS, emails, IPs, URIs, Fulcio username). */
  sans: string[];
  /** The OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, else .1.1). */
  issuer?: string;
  /** Lower-case hex SHA-256 of the certificate DER (when the whole certificate is there) and of the SPKI DER. */
  fingerprints: string[];
  /** Certificate extension values by dotted OID, read as rekor-monitor does (an ASN.1 string, else the raw bytes). */
  extensions?: Record<string, string>;
}

/** Largest JSON entry body read for identities (a bigger one is skipped, not parsed). */
export const MAX_ENTRY_JSON_BYTES = 4 * 1024 * 1024;
/** How deep into an entry's JSON the walk goes. */
const MAX_JSON_DEPTH = 32;
/** base64 of "-----BEGIN": how Rekor v1 bodies carry PEM keys and certificates. */
const B64_PEM_PREFIX = 'LS0tLS1CRUdJTi';

/**
 * The identities in one leaf, whatever log it came from: Rekor v1 and v2 bodies (JSON:
 * base64 PEM in `publicKey.content`, `verifier`, …; base64 DER in
 * `x509Certificate.rawBytes` / `publicKey.rawBytes`), and CT MerkleTreeLeafs (the
 * certificate, or the precertificate's TBS). Malformed certificates are skipped: a
 * hostile entry can hide its own identity, never make the monitor fail.
 */
export function identitiesOfLeaf(leaf: Buffer): EntryIdentity[] {
  if (leaf[0] === 0x7b) return identitiesOfJson(leaf);
  const ct = decodeCtLeaf(leaf);
  if (!ct) return [];
  const id = ct.type === 'x509' ? certificateIdentity(ct.der) : precertificateIdentity(ct.tbs);
  return id ? [id] : [];
}

function identitiesOfJson(leaf: Buffer): EntryIdentity[] {
  if (leaf.length > MAX_ENTRY_JSON_BYTES) return [];
  let body: unknown;
  try {
    body = JSON.parse(leaf.toString('utf8'));
  } catch {
    return [];
  }
  const out: EntryIdentity[] = [];
  const seen = new Set<string>();
  const add = (id: EntryIdentity | undefined) => {
    if (!id) return;
    const k = `${id.kind}:${id.fingerprints.join()}`;
    if (!seen.has(k)) out.push(id), seen.add(k);
  };
  const walk = (v: unknown, key: string, depth: number): void => {
    if (depth > MAX_JSON_DEPTH) return;
    if (typeof v === 'string') {
      if (v.startsWith(B64_PEM_PREFIX)) for (const b of fromPem(Buffer.from(v, 'base64').toString('utf8'))) add(derIdentity(b.type, b.der));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    // Rekor v2 (protocols.md §7.4): verifier.{x509Certificate|publicKey}.rawBytes, base64 DER.
    if (typeof o.rawBytes === 'string' && (key === 'x509Certificate' || key === 'publicKey'))
      add(derIdentity(key === 'x509Certificate' ? 'CERTIFICATE' : 'PUBLIC KEY', Buffer.from(o.rawBytes, 'base64')));
    for (const [k, x] of Object.entries(o)) walk(x, k, depth + 1);
  };
  walk(body, '', 0);
  return out;
}

function derIdentity(type: string, der: Buffer): EntryIdentity | undefined {
  if (type === 'CERTIFICATE') return certificateIdentity(der);
  if (type === 'PUBLIC KEY') return { kind: 'publicKey', sans: [], fingerprints: [sha256Hex(der)] };
  return undefined;
}

function certificateIdentity(der: Buffer): EntryIdentity | undefined {
  const parts = safe(() => readCertificateParts(der));
  if (!parts) return undefined;
  return { kind: 'certificate', ...namesOf(parts), fingerprints: [sha256Hex(der), sha256Hex(parts.spki)] };
}

function precertificateIdentity(tbs: Buffer): EntryIdentity | undefined {
  const parts = safe(() => parseTbs(tbs, 'precertificate'));
  if (!parts) return undefined;
  return { kind: 'precertificate', ...namesOf(parts), fingerprints: [sha256Hex(parts.spki)] };
}

function namesOf(parts: CertificateParts): { sans: string[]; issuer?: string; extensions: Record<string, string> } {
  const sanExts = parts.extensions.filter((e) => e.id === OID.subjectAltName).map((e) => e.value);
  const sans = safe(() => subjectAltNames(sanExts, 'certificate')) ?? [];
  const v2 = parts.extensions.find((e) => e.id === OID.fulcioIssuerV2);
  const v1 = parts.extensions.find((e) => e.id === OID.fulcioIssuerV1);
  // .1.8 is a DER UTF8String; .1.1 (deprecated) is the raw issuer URL.
  const issuer = v2 ? safe(() => utf8String(v2.value)) : v1 ? v1.value.toString('utf8') : undefined;
  const extensions: Record<string, string> = {};
  for (const e of parts.extensions) if (e.id !== OID.subjectAltName) extensions[e.id] = extensionString(e.value);
  return issuer === undefined ? { sans, extensions } : { sans, issuer, extensions };
}

/** DER string types Go's asn1.Unmarshal reads into a string: UTF8String, NumericString, PrintableString, IA5String. */
const STRING_TAGS = new Set([0x0c, 0x12, 0x13, 0x16]);

/** rekor-monitor's OIDMatchesPolicy: the extension as an ASN.1 string when it is exactly one, else its raw bytes (Fulcio's .1.1–.1.6). */
function extensionString(value: Buffer): string {
  const t = safe(() => readDer(value, 'extension'));
  return t && STRING_TAGS.has(t.tag) ? contents(value, t).toString('utf8') : value.toString('utf8');
}

function utf8String(value: Buffer): string | undefined {
  const t = readDer(value, 'issuer extension');
  return t.tag === 0x0c ? contents(value, t).toString('utf8') : undefined;
}

function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
