import { TAG } from '@sigstack/x509';
import { checkInteger, DerReader, isMalformedDer, readBoolean, readOid, readSmallInteger } from '@sigstack/core';
import { decodeMessageImprint, type MessageImprint } from './message-imprint.js';
import { TsaError } from '../errors.js';

/*
 * RFC 3161 §2.4.1 (module with IMPLICIT TAGS)
 *
 *   TimeStampReq ::= SEQUENCE  {
 *      version                      INTEGER  { v1(1) },
 *      messageImprint               MessageImprint,
 *        --a hash algorithm OID and the hash value of the data to be
 *        --time-stamped
 *      reqPolicy             TSAPolicyId              OPTIONAL,
 *      nonce                 INTEGER                  OPTIONAL,
 *      certReq               BOOLEAN                  DEFAULT FALSE,
 *      extensions            [0] IMPLICIT Extensions  OPTIONAL  }
 *
 *   TSAPolicyId ::= OBJECT IDENTIFIER
 *
 *   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension   -- RFC 5280
 *   Extension  ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
 *                             extnValue OCTET STRING }
 *
 * Decoded strictly as DER: a DEFAULT FALSE certReq must be absent, not encoded.
 */
export interface TimeStampReq {
  /** The version number, or -1 when it is not a small non-negative integer. */
  version: number;
  messageImprint: MessageImprint;
  reqPolicy?: string;
  /** Content octets of the nonce INTEGER, echoed unchanged. */
  nonce?: Buffer;
  certReq: boolean;
  /** extnIDs of the request's extensions, when the [0] field is present. */
  extensions?: string[];
  der: Buffer;
}

/** Decodes a DER TimeStampReq; throws TsaError MALFORMED_REQUEST naming what is wrong. */
export function decodeTimeStampReq(der: Buffer): TimeStampReq {
  try {
    return decode(der);
  } catch (e) {
    // The strict reader's refusal (non-DER, truncated, too deep) is a malformed request.
    if (isMalformedDer(e)) throw new TsaError('MALFORMED_REQUEST', e.message, { cause: e });
    throw e;
  }
}

function decode(der: Buffer): TimeStampReq {
  const top = new DerReader(der, 'TimeStampReq');
  const seqEl = top.read(TAG.SEQUENCE);
  top.end();
  const r = top.enter(seqEl, 'TimeStampReq');
  const version = readSmallInteger(r.read(TAG.INTEGER, 'version'), 'TimeStampReq.version');
  const messageImprint = decodeMessageImprint(r.read(TAG.SEQUENCE, 'messageImprint'), r);
  const req: TimeStampReq = { version, messageImprint, certReq: false, der };
  if (r.peekTag() === TAG.OID) req.reqPolicy = readOid(r.read(TAG.OID, 'reqPolicy'), 'TimeStampReq.reqPolicy');
  if (r.peekTag() === TAG.INTEGER) req.nonce = checkInteger(r.read(TAG.INTEGER, 'nonce'), 'TimeStampReq.nonce');
  if (r.peekTag() === TAG.BOOLEAN) {
    req.certReq = readBoolean(r.read(TAG.BOOLEAN, 'certReq'), 'TimeStampReq.certReq');
    if (!req.certReq) throw new TsaError('MALFORMED_REQUEST', 'TimeStampReq.certReq: DER omits a value equal to its DEFAULT (FALSE)');
  }
  if (r.peekTag() === 0xa0) {
    const extsEl = r.read(0xa0, 'extensions');
    const exts = r.enter(extsEl, 'TimeStampReq.extensions');
    req.extensions = [];
    if (exts.done) throw new TsaError('MALFORMED_REQUEST', 'TimeStampReq.extensions: empty (SIZE (1..MAX))');
    while (!exts.done) {
      const ext = exts.enter(exts.read(TAG.SEQUENCE, 'Extension'), 'TimeStampReq.extensions.Extension');
      req.extensions.push(readOid(ext.read(TAG.OID, 'extnID'), 'TimeStampReq.extensions.extnID'));
      if (ext.peekTag() === TAG.BOOLEAN) readBoolean(ext.read(TAG.BOOLEAN, 'critical'), 'TimeStampReq.extensions.critical');
      ext.read(TAG.OCTET_STRING, 'extnValue');
      ext.end();
    }
  }
  r.end();
  return req;
}
