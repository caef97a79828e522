import { bitString, sequence, smallInteger, utf8String } from '@sigstack/x509';
import type { TsaErrorCode } from '../errors.js';

/*
 * RFC 3161 §2.4.2 (from RFC 2510 / RFC 4210)
 *
 *   PKIStatusInfo ::= SEQUENCE {
 *      status        PKIStatus,
 *      statusString  PKIFreeText     OPTIONAL,
 *      failInfo      PKIFailureInfo  OPTIONAL  }
 *
 *   PKIStatus ::= INTEGER {
 *      granted                (0),
 *      grantedWithMods        (1),
 *      rejection              (2),
 *      waiting                (3),
 *      revocationWarning      (4),
 *      revocationNotification (5)  }
 *
 *   PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String
 *
 *   PKIFailureInfo ::= BIT STRING {
 *      badAlg               (0),
 *      badRequest           (2),
 *      badDataFormat        (5),
 *      timeNotAvailable    (14),
 *      unacceptedPolicy    (15),
 *      unacceptedExtension (16),
 *      addInfoNotAvailable (17),
 *      systemFailure       (25)  }
 */
export const PKI_STATUS = { granted: 0, rejection: 2 } as const;

export const FAIL_INFO = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
export type FailInfoName = keyof typeof FAIL_INFO;

/**
 * The refusals RFC 3161 names a failInfo for. A DER request refused for one of
 * these gets a rejection TimeStampResp; every other failure is a JSON error.
 */
export const FAIL_INFO_OF: Readonly<Partial<Record<TsaErrorCode, FailInfoName>>> = {
  UNSUPPORTED_VERSION: 'badRequest',
  UNSUPPORTED_HASH_ALGORITHM: 'badAlg',
  DIGEST_LENGTH_MISMATCH: 'badDataFormat',
  UNACCEPTED_POLICY: 'unacceptedPolicy',
  UNACCEPTED_EXTENSION: 'unacceptedExtension',
  NONCE_TOO_LARGE: 'badRequest',
};

/** PKIStatusInfo { granted }: the constant prefix of every token response. */
export const GRANTED_STATUS: Buffer = sequence(smallInteger(PKI_STATUS.granted));

/** PKIStatusInfo { rejection, [statusString], failInfo }. */
export function encodeRejectionStatus(failInfo: FailInfoName, statusString: string): Buffer {
  return sequence(smallInteger(PKI_STATUS.rejection), sequence(utf8String(statusString)), failInfoBits(FAIL_INFO[failInfo]));
}

/** A named BIT STRING with one bit set, trailing zero bits dropped (X.690 §11.2.2). */
function failInfoBits(bit: number): Buffer {
  const octets = Buffer.alloc((bit >> 3) + 1);
  octets[bit >> 3] = 0x80 >> (bit & 7);
  return bitString(octets, 7 - (bit & 7));
}
