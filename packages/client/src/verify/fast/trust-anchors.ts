import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { ClientError } from '../../errors.js';
import { isIssuedBy, readCertificateInfo, type CertificateInfo } from './certificate-info.js';

/** A validity window in ms since the epoch (a missing end is open). */
export interface Window {
  start: number;
  end: number;
}

/**
 * A certificate authority of the trusted root (Fulcio or a TSA), its chain verified once
 * when the trust root is loaded: each certificate issued by the next, every one a CA
 * (the TSA's first one excepted: it is the signing leaf), pathLen constraints, the last
 * one self-signed. A chain that fails is kept with `broken` set (the reason), so a
 * bundle that needs it is refused with that reason.
 */
export interface TrustedAuthority {
  index: number;
  uri: string;
  window: Window;
  chain: CertificateInfo[];
  broken?: string;
}

/** A transparency or CT log of the trusted root, its key parsed once. */
export interface TrustedLog {
  index: number;
  baseUrl: string;
  /** The log ID entries name (checkpointKeyId when set, else logId, as sigstore-js). */
  logId: Buffer;
  key: KeyObject;
  /** The digest its signatures use (SET, checkpoint, SCT). */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  window: Window;
}

/** The trust root as KeyObjects and verified chains, built once per verifier. */
export interface TrustAnchors {
  cas: TrustedAuthority[];
  tsas: TrustedAuthority[];
  tlogs: TrustedLog[];
  ctlogs: TrustedLog[];
}

const END_OF_TIME = 8.64e15;

export function createTrustAnchors(root: TrustedRoot): TrustAnchors {
  return {
    cas: root.certificateAuthorities.map((ca, i) => authority(ca, i, 'certificateAuthorities', true)),
    tsas: root.timestampAuthorities.map((ca, i) => authority(ca, i, 'timestampAuthorities', false)),
    tlogs: root.tlogs.map((l, i) => log(l, i, 'tlogs')),
    ctlogs: root.ctlogs.map((l, i) => log(l, i, 'ctlogs')),
  };
}

function windowOf(v: { start?: Date | undefined; end?: Date | undefined } | undefined): Window {
  return { start: v?.start?.getTime() ?? 0, end: v?.end?.getTime() ?? END_OF_TIME };
}

export function inWindow(w: Window, t: number): boolean {
  return w.start <= t && t <= w.end;
}

type CA = TrustedRoot['certificateAuthorities'][number];

function authority(ca: CA, index: number, what: string, firstIsCA: boolean): TrustedAuthority {
  const name = `trusted root ${what}[${index}] (${ca.uri})`;
  let chain: CertificateInfo[];
  try {
    chain = ca.certChain?.certificates.map((c) => readCertificateInfo(Buffer.from(c.rawBytes))) ?? [];
  } catch (cause) {
    throw new ClientError('TRUST_INVALID', `${name}: a certificate cannot be read: ${(cause as Error).message}`, { cause });
  }
  const out: TrustedAuthority = { index, uri: ca.uri, window: windowOf(ca.validFor), chain };
  const broken = chainProblem(chain, firstIsCA);
  if (broken) out.broken = `${name}: ${broken}`;
  return out;
}

function chainProblem(chain: CertificateInfo[], firstIsCA: boolean): string | undefined {
  if (chain.length === 0) return 'no certificates';
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    const issuer = chain[i + 1] ?? c;
    if (!isIssuedBy(c, issuer)) return i + 1 < chain.length ? `certificate ${i} is not issued by certificate ${i + 1}` : 'the last certificate is not self-signed';
    if ((i > 0 || firstIsCA) && !c.isCA) return `certificate ${i} is not a CA`;
    // sigstore-js's rule, the leaf counted at depth 0: a CA at depth d (the trusted
    // chain starts at depth 1 below a Fulcio leaf) allows d - 1 CAs below it.
    const depth = firstIsCA ? i + 1 : i;
    if (c.pathLen !== undefined && c.pathLen < depth - 1) return `certificate ${i}: path length constraint exceeded`;
  }
  return undefined;
}

type Log = TrustedRoot['tlogs'][number];

function log(l: Log, index: number, what: string): TrustedLog {
  const name = `trusted root ${what}[${index}] (${l.baseUrl})`;
  const raw = l.publicKey?.rawBytes;
  if (!raw) throw new ClientError('TRUST_INVALID', `${name}: no public key`);
  let key: KeyObject;
  try {
    // PublicKeyDetails 1..3 are PKCS#1 RSA keys; everything else is an SPKI.
    const details = l.publicKey?.keyDetails as number | undefined;
    key = createPublicKey({ key: Buffer.from(raw), format: 'der', type: details !== undefined && details >= 1 && details <= 3 ? 'pkcs1' : 'spki' });
  } catch (cause) {
    throw new ClientError('TRUST_INVALID', `${name}: the public key cannot be read: ${(cause as Error).message}`, { cause });
  }
  const logId = Buffer.from(l.checkpointKeyId?.keyId ?? l.logId?.keyId ?? createHash('sha256').update(Buffer.from(raw)).digest());
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const hash = key.asymmetricKeyType === 'ed25519' ? null : curve === 'secp384r1' ? 'sha384' : curve === 'secp521r1' ? 'sha512' : 'sha256';
  return { index, baseUrl: l.baseUrl, logId, key, hash, window: windowOf(l.publicKey?.validFor) };
}
