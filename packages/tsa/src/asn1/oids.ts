import { OID } from '@sigstack/core';

/**
 * Sigstore's TSA policy, the default of sigstore/timestamp-authority
 * (pkg/api/timestamp.go) and what the public-good TSA writes into every TSTInfo.
 */
export const DEFAULT_POLICY_OID = OID.sigstoreTsaPolicy;

/** Hash OIDs we refuse (and the ones we accept), named so a refusal says which algorithm it saw. */
export const KNOWN_HASH_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.5': 'MD5',
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.5': 'SHA-512/224',
  '2.16.840.1.101.3.4.2.6': 'SHA-512/256',
  '2.16.840.1.101.3.4.2.7': 'SHA3-224',
  '2.16.840.1.101.3.4.2.8': 'SHA3-256',
  '2.16.840.1.101.3.4.2.9': 'SHA3-384',
  '2.16.840.1.101.3.4.2.10': 'SHA3-512',
  '1.0.10118.3.0.55': 'SM3',
  '1.2.643.7.1.1.2.2': 'Streebog-256',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
