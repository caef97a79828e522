import { createHash, verify as cryptoVerify } from 'node:crypto';
import { DerReader, OID, oidFromContent, type DerElement } from '@sigstack/core';
import { ClientError } from '../../errors.js';
import { allowsUsage } from './certificate-info.js';
import { inWindow, type TrustedAuthority } from './trust-anchors.js';

/*
 * RFC 3161 §2.4.2 and RFC 5652 §5, the parts a verifier reads:
 *
 *   TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
 *   ContentInfo ::= SEQUENCE { contentType OID (signedData), content [0] EXPLICIT SignedData }
 *   SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE {
 *       eContentType OID (id-ct-TSTInfo), eContent [0] EXPLICIT OCTET STRING (TSTInfo) },
 *       certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
 *   SignerInfo ::= SEQUENCE { version, sid IssuerAndSerialNumber, digestAlgorithm,
 *       signedAttrs [0] IMPLICIT SET OF Attribute, signatureAlgorithm, signature OCTET STRING, ... }
 *   TSTInfo ::= SEQUENCE { version, policy OID, messageImprint SEQUENCE { hashAlgorithm,
 *       hashedMessage OCTET STRING }, serialNumber, genTime GeneralizedTime, ... }
 */
export interface TimestampToken {
  genTime: Date;
  imprintHash: string;
  imprint: Buffer;
  tstInfo: Buffer;
  sidIssuer: Buffer;
  sidSerial: Buffer;
  digestAlg: string;
  /** The signedAttrs with their tag made SET (0x31): what the signature covers (RFC 5652 §5.4). */
  signedAttrs: Buffer;
  messageDigest: Buffer;
  signatureHash: string | null;
  signature: Buffer;
}

const HASHES: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };
const SIG_HASHES: Record<string, string> = {
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
  [OID.sha256WithRsa]: 'sha256',
  [OID.sha384WithRsa]: 'sha384',
  [OID.sha512WithRsa]: 'sha512',
};

function bad(why: string, cause?: unknown): ClientError {
  return new ClientError('VERIFY_TIMESTAMP', `RFC 3161 timestamp: ${why}`, cause === undefined ? undefined : { cause });
}

function oid(el: DerElement, what: string): string {
  if (el.tag !== 0x06) throw bad(`${what} is not an OBJECT IDENTIFIER`);
  return oidFromContent(el.content, what);
}

function algorithm(r: DerReader, what: string): string {
  const el = r.read(0x30, what);
  return oid(r.enter(el, what).read(0x06, `${what}.algorithm`), what);
}

/** Parses a DER TimeStampResp (what bundles carry). Throws VERIFY_TIMESTAMP. */
export function parseTimestampToken(der: Buffer): TimestampToken {
  try {
    return parse(der);
  } catch (cause) {
    if (cause instanceof ClientError) throw cause;
    throw bad(`malformed (${(cause as Error).message})`, cause);
  }
}

function parse(der: Buffer): TimestampToken {
  const top = new DerReader(der, 'TimeStampResp');
  const respEl = top.read(0x30);
  top.end();
  const resp = top.enter(respEl, 'TimeStampResp');
  const status = resp.enter(resp.read(0x30, 'status'), 'PKIStatusInfo').read(0x02, 'status');
  if (status.content.length !== 1 || status.content[0]! > 1) throw bad(`status ${status.content.toString('hex')} is not granted`);
  const ci = resp.enter(resp.read(0x30, 'timeStampToken'), 'ContentInfo');
  if (oid(ci.read(0x06, 'contentType'), 'contentType') !== OID.signedData) throw bad('content type is not signedData');
  const sdWrap = ci.enter(ci.read(0xa0, 'content'), 'content');
  const sd = sdWrap.enter(sdWrap.read(0x30, 'SignedData'), 'SignedData');
  sd.read(0x02, 'version');
  sd.read(0x31, 'digestAlgorithms');
  const eci = sd.enter(sd.read(0x30, 'encapContentInfo'), 'encapContentInfo');
  if (oid(eci.read(0x06, 'eContentType'), 'eContentType') !== OID.tstInfo) throw bad('encapsulated content is not a TSTInfo');
  const eContent = eci.enter(eci.read(0xa0, 'eContent'), 'eContent').read(0x04, 'eContent');
  if (sd.peekTag() === 0xa0) sd.read(0xa0, 'certificates');
  if (sd.peekTag() === 0xa1) sd.read(0xa1, 'crls');
  const infos = sd.enter(sd.read(0x31, 'signerInfos'), 'signerInfos');
  const si = infos.enter(infos.read(0x30, 'SignerInfo'), 'SignerInfo');
  if (!infos.done) throw bad('more than one SignerInfo');
  si.read(0x02, 'version');
  const sid = si.enter(si.read(0x30, 'sid'), 'IssuerAndSerialNumber');
  const sidIssuer = sid.read(0x30, 'issuer').tlv;
  const sidSerial = sid.read(0x02, 'serialNumber').content;
  const digestAlg = HASHES[algorithm(si, 'digestAlgorithm')];
  if (!digestAlg) throw bad('unsupported SignerInfo digest algorithm');
  const attrsEl = si.read(0xa0, 'signedAttrs');
  let messageDigest: Buffer | undefined;
  const attrs = si.enter(attrsEl, 'signedAttrs');
  while (!attrs.done) {
    const a = attrs.enter(attrs.read(0x30, 'Attribute'), 'Attribute');
    const type = oid(a.read(0x06, 'attrType'), 'attrType');
    const values = a.enter(a.read(0x31, 'attrValues'), 'attrValues');
    if (type === OID.messageDigest) {
      if (messageDigest) throw bad('two messageDigest attributes');
      messageDigest = values.read(0x04, 'messageDigest').content;
    }
  }
  if (!messageDigest) throw bad('no messageDigest signed attribute');
  const sigAlg = algorithm(si, 'signatureAlgorithm');
  const signature = si.read(0x04, 'signature').content;
  const signedAttrs = Buffer.from(attrsEl.tlv);
  signedAttrs[0] = 0x31;

  const tst = new DerReader(eContent.content, 'TSTInfo');
  const info = tst.enter(tst.read(0x30), 'TSTInfo');
  tst.end();
  info.read(0x02, 'version');
  info.read(0x06, 'policy');
  const mi = info.enter(info.read(0x30, 'messageImprint'), 'messageImprint');
  const imprintHash = HASHES[algorithm(mi, 'hashAlgorithm')];
  if (!imprintHash) throw bad('unsupported message imprint hash algorithm');
  const imprint = mi.read(0x04, 'hashedMessage').content;
  info.read(0x02, 'serialNumber');
  const genTime = generalizedTime(info.read(0x18, 'genTime').content.toString('ascii'));
  return {
    genTime,
    imprintHash,
    imprint,
    tstInfo: eContent.content,
    sidIssuer,
    sidSerial,
    digestAlg,
    signedAttrs,
    messageDigest,
    signatureHash: SIG_HASHES[sigAlg] ?? digestAlg,
    signature,
  };
}

/** GeneralizedTime as RFC 3161 §2.4.2 allows it: YYYYMMDDhhmmss[.f*]Z. */
function generalizedTime(s: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{1,9})?Z$/.exec(s);
  if (!m) throw bad(`genTime ${JSON.stringify(s)} is not a GeneralizedTime`);
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
  if (Number.isNaN(d.getTime())) throw bad(`genTime ${s} is not a date`);
  return d;
}

/**
 * Verifies a token over `signature` (the bundle's signature bytes) against the trusted
 * TSAs: a TSA valid at genTime whose signing certificate is the one the token names
 * (issuer and serial), every certificate of its chain valid at genTime, the leaf
 * allowed to time-stamp, the imprint the hash of `signature`, the messageDigest
 * attribute the hash of the TSTInfo, and the signature over the signed attributes.
 * Returns the proven time.
 */
export function verifyTimestampToken(token: TimestampToken, signature: Buffer, tsas: TrustedAuthority[]): Date {
  if (!createHash(token.imprintHash).update(signature).digest().equals(token.imprint)) throw bad("the message imprint is not the hash of the bundle's signature");
  if (!createHash(token.digestAlg).update(token.tstInfo).digest().equals(token.messageDigest)) throw bad('the signed messageDigest is not the hash of the TSTInfo');
  const t = token.genTime.getTime();
  const candidates = tsas.filter((a) => {
    const leaf = a.chain[0];
    return leaf !== undefined && leaf.parts.issuer.equals(token.sidIssuer) && leaf.parts.serialContent.equals(token.sidSerial) && inWindow(a.window, t);
  });
  if (candidates.length === 0) throw bad(`signed by no trusted timestamp authority valid at ${token.genTime.toISOString()}`);
  for (const a of candidates) {
    if (a.broken) continue;
    if (!a.chain.every((c) => c.notBefore <= t && t <= c.notAfter)) continue;
    const leaf = a.chain[0]!;
    if (!allowsUsage(leaf, OID.timeStamping)) continue;
    try {
      if (cryptoVerify(token.signatureHash, token.signedAttrs, leaf.publicKey, token.signature)) return token.genTime;
    } catch {
      // a key that cannot verify this algorithm: try the next authority
    }
  }
  throw bad('the signature does not verify with a trusted timestamp authority valid at its time');
}
