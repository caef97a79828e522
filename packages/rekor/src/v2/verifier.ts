import { toPem, type VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';
import { parseX509Key } from '../types/x509-key.js';
import { checkKeyDetails, PUBLIC_KEY_DETAILS, type PublicKeyDetails } from './key-details.js';
import { bytesField, enumField, oneof, readMessage } from './protojson.js';
import type { HashAlgorithm } from '@sigstack/core';

/** dev.sigstore.rekor.v2.Verifier as it is stored in an entry (protobuf-JSON field names). */
export interface VerifierJson {
  keyDetails: PublicKeyDetails;
  publicKey?: { rawBytes: string };
  x509Certificate?: { rawBytes: string };
}

export interface ParsedVerifier {
  vk: VerificationKey;
  /** The digest algorithm keyDetails implies. */
  hash: HashAlgorithm;
  json: VerifierJson;
  /** The DER bytes as sent (certificate or SPKI), for duplicate detection. */
  rawBytes: Buffer;
}

/**
 * Reads a Verifier ({publicKey: {rawBytes}} or {x509Certificate: {rawBytes}}, plus
 * keyDetails), parses the key as upstream's x509 verifier does (DER here, with the
 * same canonical-SPKI and single-certificate rules as the v1 types) and checks
 * keyDetails against it (key-details.ts). The entry keeps the DER exactly as sent:
 * verifiers rebuild the entry from the bundle's certificate (or the trusted key's
 * Go encoding, which canonical SPKI equals) and must get the same bytes.
 */
export function readVerifier(v: unknown, field: string, maxKeyBytes: number): ParsedVerifier {
  const msg = readMessage(v, field, { publicKey: 'public_key', x509Certificate: 'x509_certificate', keyDetails: 'key_details' });
  const which = oneof(msg, field, ['publicKey', 'x509Certificate']);
  if (!which) throw new RekorError('MALFORMED_ENTRY', `${field}: one of publicKey or x509Certificate is required`);
  const inner = readMessage(msg[which], `${field}.${which}`, { rawBytes: 'raw_bytes' });
  const rawField = `${field}.${which}.rawBytes`;
  const der = bytesField(inner.rawBytes, rawField, { maxBytes: maxKeyBytes });
  const key = parseX509Key(Buffer.from(toPem(which === 'publicKey' ? 'PUBLIC KEY' : 'CERTIFICATE', der)), rawField, maxKeyBytes);
  if (which === 'publicKey' && key.vk.certificate) throw new RekorError('INVALID_KEY', `${rawField}: is a certificate; send it as x509Certificate`);
  if (which === 'x509Certificate' && !key.vk.certificate) throw new RekorError('INVALID_KEY', `${rawField}: is not an X.509 certificate`);
  const keyDetails = enumField(msg.keyDetails, `${field}.keyDetails`, PUBLIC_KEY_DETAILS);
  const hash = checkKeyDetails(keyDetails, key.vk, `${field}.keyDetails`);
  const json: VerifierJson = { keyDetails: keyDetails!, [which]: { rawBytes: der.toString('base64') } };
  return { vk: key.vk, hash, json, rawBytes: der };
}
