import { sequence } from '@sigstack/x509';
import { encodeRejectionStatus, GRANTED_STATUS, type FailInfoName } from './pki-status-info.js';

/*
 * RFC 3161 §2.4.2
 *
 *   TimeStampResp ::= SEQUENCE  {
 *      status                  PKIStatusInfo,
 *      timeStampToken          TimeStampToken     OPTIONAL  }
 *
 *   TimeStampToken ::= ContentInfo
 *      -- contentType is id-signedData ([CMS])
 *      -- content is SignedData ([CMS])
 *
 * "When the status contains the value zero or one, a TimeStampToken MUST be
 * present. When status contains a value other than zero or one, a TimeStampToken
 * MUST NOT be present."
 */

/** A granted response around a DER TimeStampToken (signed-data.ts). */
export function encodeGrantedResponse(timeStampToken: Buffer): Buffer {
  return sequence(GRANTED_STATUS, timeStampToken);
}

/** A rejection: no token, the failInfo bit, and a statusString that names the problem. */
export function encodeRejectionResponse(failInfo: FailInfoName, statusString: string): Buffer {
  return sequence(encodeRejectionStatus(failInfo, statusString));
}
