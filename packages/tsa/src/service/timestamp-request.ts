import { HASH_LENGTH, OID, type HashAlgorithm } from '@sigstack/core';
import { bigintContent, oidContent } from '@sigstack/x509';
import { encodeMessageImprint } from '../asn1/message-imprint.js';
import { KNOWN_HASH_NAMES } from '../asn1/oids.js';
import { decodeTimeStampReq } from '../asn1/time-stamp-req.js';
import { TsaError } from '../errors.js';

/** A validated request, whichever form it came in. */
export interface TimestampRequest {
  hashAlgorithm: HashAlgorithm;
  hashedMessage: Buffer;
  /** The DER MessageImprint the TSTInfo repeats: the request's own bytes for DER requests. */
  messageImprint: Buffer;
  /** Content octets of the nonce INTEGER to echo. */
  nonce?: Buffer;
  /** Whether the response must carry the TSA certificate(s). */
  certReq: boolean;
  /** The requested policy (already checked to be accepted), if any. */
  policy?: string;
}

/** The request forms the TSA accepts, by media type. */
export type RequestFormat = 'der' | 'json';

const HASH_BY_OID: Readonly<Record<string, HashAlgorithm>> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

const HASH_OID: Readonly<Record<HashAlgorithm, string>> = { sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };

const ACCEPTED = 'SHA-256, SHA-384 or SHA-512';

/**
 * The largest nonce echoed, in INTEGER content octets (512 bits). RFC 3161 §2.4.1
 * asks for "a large random number ... (e.g., a 64 bit integer)"; clients send 64
 * bits (openssl ts) to 160 bits (sigstore-go and cosign: a random serial number).
 * Upstream timestamp-authority bounds it only through the request size (1 KiB for
 * the JSON form, 1 MiB by default for DER); a nonce of kilobytes is no nonce, and
 * signing it back would make the token carry whatever the caller wants, so it is
 * refused (issue 10).
 */
export const MAX_NONCE_OCTETS = 64;

function checkNonce(nonce: Buffer | undefined): void {
  if (nonce && nonce.length > MAX_NONCE_OCTETS)
    throw new TsaError('NONCE_TOO_LARGE', `nonce is ${nonce.length} octets; at most ${MAX_NONCE_OCTETS} (${MAX_NONCE_OCTETS * 8} bits) are accepted`);
}

/**
 * Parses and validates a DER TimeStampReq (RFC 3161 §2.4.1). Structure errors are
 * MALFORMED_REQUEST; a well-formed request asking for something we do not do
 * throws the code whose failInfo the route puts in a rejection response.
 */
export function parseDerRequest(der: Buffer, acceptedPolicy: string): TimestampRequest {
  if (der.length === 0) throw new TsaError('MALFORMED_REQUEST', 'empty request body: expected a DER TimeStampReq');
  const req = decodeTimeStampReq(der);
  if (req.version !== 1) throw new TsaError('UNSUPPORTED_VERSION', `TimeStampReq version must be 1 (v1), got ${req.version < 0 ? 'an out-of-range value' : req.version}`);
  const mi = req.messageImprint;
  const hash = HASH_BY_OID[mi.hashAlgorithm];
  if (!hash) throw new TsaError('UNSUPPORTED_HASH_ALGORITHM', `unsupported hash algorithm ${hashName(mi.hashAlgorithm)} in messageImprint; use ${ACCEPTED}`);
  if (mi.parameters === 'other')
    throw new TsaError('UNSUPPORTED_HASH_ALGORITHM', `messageImprint hash algorithm ${hashName(mi.hashAlgorithm)} must have absent or NULL parameters`);
  checkDigestLength(hash, mi.hashedMessage.length);
  if (req.reqPolicy !== undefined) checkPolicy(req.reqPolicy, acceptedPolicy);
  if (req.extensions)
    throw new TsaError('UNACCEPTED_EXTENSION', `request extensions are not accepted (found ${req.extensions.join(', ')})`);
  checkNonce(req.nonce);
  return {
    hashAlgorithm: hash,
    hashedMessage: mi.hashedMessage,
    messageImprint: mi.der,
    certReq: req.certReq,
    ...(req.nonce ? { nonce: req.nonce } : {}),
    ...(req.reqPolicy !== undefined ? { policy: req.reqPolicy } : {}),
  };
}

/*
 * The JSON request form of sigstore/timestamp-authority (pkg/api/timestamp.go
 * JSONRequest), sent by sigstore-js (packages/sign/src/external/tsa.ts):
 *
 *   { "artifactHash": "<base64 digest>", "hashAlgorithm": "sha256" | "sha384" | "sha512",
 *     "certificates": <bool>, "nonce": <integer>, "tsaPolicyOID": "<dotted OID>" }
 *
 * Only artifactHash and hashAlgorithm are required; hashAlgorithm is
 * case-insensitive (upstream lower-cases it). Unknown fields are refused rather
 * than ignored, so a typo ("nounce") is not silently dropped.
 */
const JSON_FIELDS = new Set(['artifactHash', 'hashAlgorithm', 'certificates', 'nonce', 'tsaPolicyOID']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parses and validates the JSON request form. */
export function parseJsonRequest(body: Buffer, acceptedPolicy: string): TimestampRequest {
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new TsaError('MALFORMED_REQUEST', `request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new TsaError('MALFORMED_REQUEST', 'JSON request must be an object {artifactHash, hashAlgorithm, ...}');
  const o = json as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!JSON_FIELDS.has(k)) throw new TsaError('MALFORMED_REQUEST', `unknown field "${k.slice(0, 40)}" in JSON request`);

  if (typeof o.hashAlgorithm !== 'string') throw new TsaError('MALFORMED_REQUEST', 'hashAlgorithm is required and must be a string ("sha256", "sha384" or "sha512")');
  const alg = o.hashAlgorithm.toLowerCase();
  if (alg !== 'sha256' && alg !== 'sha384' && alg !== 'sha512') {
    const what = alg === 'sha1' ? 'weak hash algorithm sha1' : `unsupported hash algorithm "${o.hashAlgorithm.slice(0, 40)}"`;
    throw new TsaError('UNSUPPORTED_HASH_ALGORITHM', `${what}; use sha256, sha384 or sha512`);
  }
  if (typeof o.artifactHash !== 'string') throw new TsaError('MALFORMED_REQUEST', 'artifactHash is required and must be a base64 string');
  if (!BASE64.test(o.artifactHash)) throw new TsaError('MALFORMED_REQUEST', 'artifactHash is not standard base64 (RFC 4648 §4, padded)');
  const hashedMessage = Buffer.from(o.artifactHash, 'base64');
  checkDigestLength(alg, hashedMessage.length);

  let certReq = false;
  if (o.certificates !== undefined && o.certificates !== null) {
    if (typeof o.certificates !== 'boolean') throw new TsaError('MALFORMED_REQUEST', 'certificates must be a boolean');
    certReq = o.certificates;
  }
  let nonce: Buffer | undefined;
  if (o.nonce !== undefined && o.nonce !== null) nonce = jsonNonce(o.nonce, text);
  checkNonce(nonce);
  let policy: string | undefined;
  if (o.tsaPolicyOID !== undefined && o.tsaPolicyOID !== null && o.tsaPolicyOID !== '') {
    if (typeof o.tsaPolicyOID !== 'string') throw new TsaError('MALFORMED_REQUEST', 'tsaPolicyOID must be a dotted OID string');
    try {
      oidContent(o.tsaPolicyOID);
    } catch {
      throw new TsaError('MALFORMED_REQUEST', `tsaPolicyOID "${o.tsaPolicyOID.slice(0, 60)}" is not a dotted OID`);
    }
    checkPolicy(o.tsaPolicyOID, acceptedPolicy);
    policy = o.tsaPolicyOID;
  }
  return {
    hashAlgorithm: alg,
    hashedMessage,
    messageImprint: encodeMessageImprint(HASH_OID[alg], hashedMessage),
    certReq,
    ...(nonce ? { nonce } : {}),
    ...(policy ? { policy } : {}),
  };
}

/**
 * The nonce as INTEGER content octets. JSON numbers beyond 2^53 lose precision in
 * JSON.parse, but upstream decodes the nonce into a big.Int; so the exact digits are
 * taken from the request text when the parsed value is not a safe integer.
 */
function jsonNonce(value: unknown, text: string): Buffer {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new TsaError('MALFORMED_REQUEST', 'nonce must be a non-negative integer');
  let n: bigint;
  if (Number.isSafeInteger(value)) n = BigInt(value);
  else {
    const raw = [...text.matchAll(/"nonce"\s*:\s*(\d+)\s*[,}]/g)];
    if (raw.length !== 1 || Number(raw[0]![1]) !== value) throw new TsaError('MALFORMED_REQUEST', 'nonce above 2^53 must be written as plain decimal digits');
    n = BigInt(raw[0]![1]!);
  }
  return bigintContent(n);
}

function checkDigestLength(hash: HashAlgorithm, length: number): void {
  if (length !== HASH_LENGTH[hash])
    throw new TsaError('DIGEST_LENGTH_MISMATCH', `hashedMessage is ${length} bytes, but a ${hashLabel(hash)} digest is ${HASH_LENGTH[hash]} bytes`);
}

function checkPolicy(requested: string, accepted: string): void {
  if (requested !== accepted) throw new TsaError('UNACCEPTED_POLICY', `unaccepted policy ${requested}: this TSA issues timestamps under policy ${accepted} only`);
}

function hashName(oid: string): string {
  const name = KNOWN_HASH_NAMES[oid];
  return name ? `${name} (${oid})` : oid;
}

function hashLabel(h: HashAlgorithm): string {
  return h === 'sha256' ? 'SHA-256' : h === 'sha384' ? 'SHA-384' : 'SHA-512';
}
