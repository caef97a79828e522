// Test helpers: a CA over a temporary directory, a fake CT log that signs real
// RFC 6962 SCTs with a P-256 key, an independent embedded-SCT verifier (asn1js +
// node:crypto, none of our DER code), fake identity verifiers, and client keys.
import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { createEphemeralSigner, FakeClock, type Clock } from '@sigstack/core';
import {
  FulcioService,
  openCertificateAuthority,
  type CertificateAuthority,
  type CtLogClient,
  type OpenCertificateAuthorityOptions,
} from '../../src/index.js';
import { OidcError, type IdentityVerifier, type OidcErrorCode, type Principal } from '@sigstack/oidc';

export const POISON_OID = '1.3.6.1.4.1.11129.2.4.3';
export const SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';

export async function tempCa(opts: Partial<OpenCertificateAuthorityOptions> = {}): Promise<{ ca: CertificateAuthority; dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-fulcio-test-'));
  const ca = await openCertificateAuthority({ dir, create: true, ...opts });
  return { ca, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The Extension SEQUENCEs of a DER certificate's TBS, as asn1js objects, plus the TBS. */
function tbsOf(certDer: Uint8Array): { tbs: asn1js.Sequence; exts: asn1js.Sequence } {
  const parsed = asn1js.fromBER(certDer);
  if (parsed.offset === -1) throw new Error('certificate does not parse');
  const tbs = (parsed.result as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const wrapper = tbs.valueBlock.value.find((v) => v.idBlock.tagClass === 3 && v.idBlock.tagNumber === 3) as asn1js.Constructed;
  return { tbs, exts: wrapper.valueBlock.value[0] as asn1js.Sequence };
}

function extOid(ext: asn1js.AsnType): string {
  return ((ext as asn1js.Sequence).valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
}

/** The TBSCertificate with the extension `oid` deleted, re-encoded (what CT verifiers do, RFC 6962 §3.2). */
export function tbsWithout(certDer: Uint8Array, oid: string): Buffer {
  const { tbs, exts } = tbsOf(certDer);
  exts.valueBlock.value = exts.valueBlock.value.filter((e) => extOid(e) !== oid);
  return Buffer.from(tbs.toBER(false));
}

/** The extnValue bytes of an extension, or undefined. */
export function extensionValue(certDer: Uint8Array, oid: string): { critical: boolean; value: Buffer } | undefined {
  const { exts } = tbsOf(certDer);
  const ext = exts.valueBlock.value.find((e) => extOid(e) === oid) as asn1js.Sequence | undefined;
  if (!ext) return undefined;
  const items = ext.valueBlock.value;
  const critical = items.length === 3 && (items[1] as asn1js.Boolean).valueBlock.value;
  return { critical, value: Buffer.from((items[items.length - 1] as asn1js.OctetString).valueBlock.valueHexView) };
}

/** Every Extension of a certificate as raw DER, in order. */
export function extensionsDer(certDer: Uint8Array): Buffer[] {
  return tbsOf(certDer).exts.valueBlock.value.map((e) => Buffer.from(e.toBER(false)));
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}
function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** SHA-256 of the DER SubjectPublicKeyInfo of a DER certificate. */
export function spkiHashOf(certDer: Uint8Array): Buffer {
  const { tbs } = tbsOf(certDer);
  const fields = tbs.valueBlock.value;
  const spki = fields[fields[0]!.idBlock.tagClass === 3 ? 6 : 5]!;
  return createHash('sha256').update(Buffer.from(spki.toBER(false))).digest();
}

/** RFC 6962 §3.2 digitally-signed struct for a precert entry. */
function precertSignedData(timestamp: number, issuerKeyHash: Buffer, tbs: Buffer, extensions: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0, 0]), u64(timestamp), u16(1), issuerKeyHash, u24(tbs.length), tbs, u16(extensions.length), extensions]);
}

/**
 * A CT log that checks the precertificate (poison present and critical) and signs a
 * real v1 SCT with ECDSA P-256 over the RFC 6962 precert struct.
 */
export class FakeCtLog implements CtLogClient {
  readonly key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  readonly publicKeyDer: Buffer = this.key.publicKey.export({ type: 'spki', format: 'der' });
  readonly logId = createHash('sha256').update(this.publicKeyDer).digest();
  readonly calls: Buffer[][] = [];
  fail: Error | undefined;
  constructor(readonly clock: Clock = { now: () => Date.now() }) {}

  async addPreChain(chainDer: Buffer[]): Promise<Buffer> {
    this.calls.push(chainDer);
    if (this.fail) throw this.fail;
    const [precert, issuer] = chainDer;
    const poison = extensionValue(precert!, POISON_OID);
    if (!poison || !poison.critical || !poison.value.equals(Buffer.from([5, 0]))) throw new Error('not a precertificate');
    const timestamp = this.clock.now();
    const signed = precertSignedData(timestamp, spkiHashOf(issuer!), tbsWithout(precert!, POISON_OID), Buffer.alloc(0));
    const sig = cryptoSign('sha256', signed, this.key.privateKey);
    // SignedCertificateTimestamp: version, log_id, timestamp, extensions, DigitallySigned(sha256=4, ecdsa=3)
    return Buffer.concat([Buffer.from([0]), this.logId, u64(timestamp), u16(0), Buffer.from([4, 3]), u16(sig.length), sig]);
  }
}

export interface ParsedSct {
  version: number;
  logId: Buffer;
  timestamp: number;
  extensions: Buffer;
  hashAlg: number;
  sigAlg: number;
  signature: Buffer;
}

/** Parses the embedded SignedCertificateTimestampList of a final certificate (strict lengths). */
export function embeddedScts(leafDer: Uint8Array): ParsedSct[] {
  const ext = extensionValue(leafDer, SCT_LIST_OID);
  if (!ext) throw new Error('no SCT list extension');
  if (ext.critical) throw new Error('SCT list extension is critical');
  const inner = asn1js.fromBER(ext.value);
  if (inner.offset !== ext.value.length || !(inner.result instanceof asn1js.OctetString)) throw new Error('SCT list extnValue is not one OCTET STRING');
  const list = Buffer.from(inner.result.valueBlock.valueHexView);
  if (list.readUInt16BE(0) !== list.length - 2) throw new Error('SCT list length prefix is wrong');
  const out: ParsedSct[] = [];
  let off = 2;
  while (off < list.length) {
    const len = list.readUInt16BE(off);
    const sct = list.subarray(off + 2, off + 2 + len);
    off += 2 + len;
    const extLen = sct.readUInt16BE(41);
    const sigOff = 43 + extLen;
    const sigLen = sct.readUInt16BE(sigOff + 2);
    if (sigOff + 4 + sigLen !== sct.length) throw new Error('SCT length mismatch');
    out.push({
      version: sct[0]!,
      logId: sct.subarray(1, 33),
      timestamp: Number(sct.readBigUInt64BE(33)),
      extensions: sct.subarray(43, 43 + extLen),
      hashAlg: sct[sigOff]!,
      sigAlg: sct[sigOff + 1]!,
      signature: sct.subarray(sigOff + 4),
    });
  }
  if (off !== list.length) throw new Error('SCT list overruns');
  return out;
}

/** Verifies an embedded SCT as sigstore-js / ct-go do: final TBS minus the SCT list, issuer key hash, RFC 6962 struct. */
export function verifyEmbeddedSct(leafDer: Uint8Array, issuerDer: Uint8Array, ctKey: KeyObject): boolean {
  const tbs = tbsWithout(leafDer, SCT_LIST_OID);
  return embeddedScts(leafDer).every((sct) => {
    const signed = precertSignedData(sct.timestamp, spkiHashOf(issuerDer), tbs, sct.extensions);
    return sct.version === 0 && cryptoVerify('sha256', signed, ctKey, sct.signature);
  });
}

/** An identity verifier that maps tokens to principals or OidcError codes. */
export class FakeIdentity implements IdentityVerifier {
  readonly principals = new Map<string, Principal>();
  /** Tokens refused with an OidcError code, as the real verifier does (FulcioService re-codes them). */
  readonly errors = new Map<string, OidcErrorCode>();
  calls = 0;
  async verify(token: string): Promise<Principal> {
    this.calls++;
    const code = this.errors.get(token);
    if (code) throw new OidcError(code, `fake ${code.toLowerCase().replace(/_/g, ' ')} for this token`);
    const p = this.principals.get(token);
    if (!p) throw new OidcError('TOKEN_INVALID', 'unknown token');
    return p;
  }
}

export const EMAIL_PRINCIPAL: Principal = {
  challenge: 'alice@example.com',
  san: { type: 'email', value: 'alice@example.com' },
  extensions: [
    { oid: '1.3.6.1.4.1.57264.1.1', encoding: 'raw', value: 'http://oidc.local:8080' },
    { oid: '1.3.6.1.4.1.57264.1.8', encoding: 'utf8', value: 'http://oidc.local:8080' },
    { oid: '1.3.6.1.4.1.57264.1.24', encoding: 'utf8', value: 'alice-sub' },
  ],
  issuer: 'http://oidc.local:8080',
  subject: 'alice-sub',
};

export const USERNAME_PRINCIPAL: Principal = {
  challenge: 'foo',
  san: { type: 'otherName', value: 'foo!oidc.local' },
  extensions: [
    { oid: '1.3.6.1.4.1.57264.1.1', encoding: 'raw', value: 'http://oidc.local:8080' },
    { oid: '1.3.6.1.4.1.57264.1.8', encoding: 'utf8', value: 'http://oidc.local:8080' },
    { oid: '1.3.6.1.4.1.57264.1.24', encoding: 'utf8', value: 'foo' },
  ],
  issuer: 'http://oidc.local:8080',
  subject: 'foo',
};

export const URI_PRINCIPAL: Principal = {
  challenge: 'repo:org/repo:ref:refs/heads/main',
  san: { type: 'uri', value: 'https://github.com/org/repo/.github/workflows/w.yml@refs/heads/main' },
  extensions: [
    { oid: '1.3.6.1.4.1.57264.1.1', encoding: 'raw', value: 'https://token.actions.githubusercontent.com' },
    { oid: '1.3.6.1.4.1.57264.1.2', encoding: 'raw', value: 'push' },
    { oid: '1.3.6.1.4.1.57264.1.8', encoding: 'utf8', value: 'https://token.actions.githubusercontent.com' },
    { oid: '1.3.6.1.4.1.57264.1.9', encoding: 'utf8', value: 'https://github.com/org/repo/.github/workflows/w.yml@refs/heads/main' },
    { oid: '1.3.6.1.4.1.57264.1.24', encoding: 'utf8', value: 'repo:org/repo:ref:refs/heads/main' },
  ],
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'repo:org/repo:ref:refs/heads/main',
};

/** A service over a fresh CA with a fake identity (tokens "email", "username", "uri") and a fake CT log. */
export async function tempService(opts: Partial<OpenCertificateAuthorityOptions> & { clock?: Clock; certValiditySeconds?: number } = {}) {
  const clock = opts.clock ?? new FakeClock(Date.UTC(2026, 2, 1, 12, 0, 0, 250));
  const { ca, dir, cleanup } = await tempCa({ ...opts, clock });
  const ctLog = new FakeCtLog(clock);
  const identity = new FakeIdentity();
  identity.principals.set('email', EMAIL_PRINCIPAL);
  identity.principals.set('username', USERNAME_PRINCIPAL);
  identity.principals.set('uri', URI_PRINCIPAL);
  let finals = 0;
  const issueFinal = ca.issueFinalCertificate.bind(ca);
  ca.issueFinalCertificate = async (...args) => {
    finals++;
    return issueFinal(...args);
  };
  const fulcio = new FulcioService({
    ca,
    identity,
    ctLog,
    clock,
    ...(opts.certValiditySeconds !== undefined ? { certValiditySeconds: opts.certValiditySeconds } : {}),
  });
  return { fulcio, ca, ctLog, identity, clock, dir, cleanup, issuedCount: () => finals };
}

/** A client key pair and its proof of possession over `challenge` with the key's default scheme. */
export function clientKey(kind: 'p256' | 'p384' | 'p521' | 'ed25519' | 'rsa2048' | 'rsa3072' | 'rsa4096' = 'p256') {
  let pair: { publicKey: KeyObject; privateKey: KeyObject };
  let hash: string | null = 'sha256';
  switch (kind) {
    case 'p256':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      break;
    case 'p384':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      hash = 'sha384';
      break;
    case 'p521':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-521' });
      hash = 'sha512';
      break;
    case 'ed25519':
      pair = generateKeyPairSync('ed25519');
      hash = null;
      break;
    default:
      pair = generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) });
  }
  const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const der = pair.publicKey.export({ type: 'spki', format: 'der' });
  return { ...pair, pem, der, sign: (challenge: string) => cryptoSign(hash, Buffer.from(challenge, 'utf8'), pair.privateKey) };
}

export { createEphemeralSigner, createPublicKey };
