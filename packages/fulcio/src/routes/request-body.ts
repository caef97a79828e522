import { Type, type TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { FulcioError } from '../errors.js';
import type { KeyProof } from '../service/certificate-request.js';

/*
 * The two request bodies, read field by field from untrusted JSON. Unknown fields are
 * ignored and `null` means absent (Go clients marshal nil slices and pointers as
 * null). Protobuf `bytes` fields are base64, standard or URL-safe alphabet, padding
 * optional (protobuf-JSON rules).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/*
 * The request bodies as JSON Schema (TypeBox): the one statement of what each field
 * may hold, checked before anything is read, with the error naming the field
 * (issue 10). `null` stands for absent everywhere (Go clients marshal nil that way);
 * unknown members are allowed (protobuf-JSON ignores them); `bytes` fields are base64
 * of either alphabet. The readers below then take the values as the schema promised.
 */
const nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
const BASE64_PATTERN = '^[A-Za-z0-9+/\\-_]*={0,2}$';
const bytes = (description: string) => nullable(Type.String({ pattern: BASE64_PATTERN, description }));

/** v2 CreateSigningCertificateRequest (fulcio.proto). */
export const V2_REQUEST_SCHEMA = Type.Object({
  credentials: nullable(Type.Object({ oidcIdentityToken: nullable(Type.String({ description: 'The OIDC identity token.' })) })),
  publicKeyRequest: nullable(
    Type.Object({
      publicKey: nullable(
        Type.Object({
          algorithm: nullable(Type.String({ description: 'Ignored: the key says what it is.' })),
          content: nullable(Type.String({ description: 'PEM, or base64 of DER.' })),
        }),
      ),
      proofOfPossession: bytes('Signature over the token subject (or the challenge) with the key.'),
    }),
  ),
  certificateSigningRequest: bytes('PKCS#10 CSR, PEM or DER, base64.'),
});

/** Legacy v1 request (fulcio_legacy.proto). */
export const V1_REQUEST_SCHEMA = Type.Object({
  publicKey: nullable(Type.Object({ content: bytes('The public key, PEM, base64.'), algorithm: nullable(Type.String()) })),
  signedEmailAddress: bytes('Proof of possession, base64.'),
  certificateSigningRequest: bytes('PKCS#10 CSR, PEM, base64.'),
});

/** Checks a parsed body against its schema; MALFORMED_REQUEST naming the first bad field. */
export function assertRequestBody(schema: typeof V2_REQUEST_SCHEMA | typeof V1_REQUEST_SCHEMA, body: unknown): void {
  const message = firstError(schema, body, '');
  if (message) throw new FulcioError('MALFORMED_REQUEST', message);
}

/**
 * The first error, described at the deepest field: TypeBox reports a failed
 * `X | null` at the union, so a present value is checked again against X itself.
 */
function firstError(schema: TSchema, value: unknown, prefix: string): string | undefined {
  const e = Value.Errors(schema, value).First();
  if (!e) return undefined;
  const path = prefix + e.path;
  const variant = (e.schema as { anyOf?: TSchema[] }).anyOf?.find((v) => v.type !== 'null');
  if (variant && variant.type === 'object' && typeof e.value === 'object' && e.value !== null && !Array.isArray(e.value)) return firstError(variant, e.value, path);
  return describe(variant ?? e.schema, e, path);
}

function describe(expected: TSchema & { pattern?: string }, e: ValueError, path: string): string {
  const field = path.replace(/^\//, '').replaceAll('/', '.') || 'the body';
  if (expected.type === 'string' && expected.pattern && typeof e.value === 'string') return `${field} is not valid base64`;
  if (expected.type === 'string') return `${field} must be a string`;
  if (expected.type === 'object') return `${field} must be an object`;
  return `${field}: ${e.message}`;
}

/** Parses a JSON request body; anything but a JSON object is MALFORMED_REQUEST. */
export function parseJsonObject(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new FulcioError('MALFORMED_REQUEST', `the body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (!isObject(value)) throw new FulcioError('MALFORMED_REQUEST', 'the body must be a JSON object');
  return value;
}

/**
 * v2 CreateSigningCertificateRequest (fulcio.proto):
 *   { credentials?: { oidcIdentityToken },
 *     publicKeyRequest?: { publicKey: { algorithm, content: <PEM or DER string> }, proofOfPossession: <base64> },
 *     certificateSigningRequest?: <base64 of PEM or DER PKCS#10> }
 * `algorithm` is ignored: the key says what it is (sigstore-go sends "RSA", which is no enum name).
 */
export function v2Token(body: JsonObject): string | undefined {
  const credentials = optionalObject(body, 'credentials');
  return credentials ? optionalString(credentials, 'oidcIdentityToken', 'credentials.oidcIdentityToken') : undefined;
}

export function v2KeyProof(body: JsonObject): KeyProof {
  const csr = optionalBytes(body, 'certificateSigningRequest', 'certificateSigningRequest');
  if (csr && csr.length > 0) return { kind: 'csr', csr };
  const pkr = optionalObject(body, 'publicKeyRequest');
  if (!pkr) throw new FulcioError('MALFORMED_REQUEST', 'the request has neither publicKeyRequest nor certificateSigningRequest');
  const publicKey = optionalObject(pkr, 'publicKey', 'publicKeyRequest.publicKey');
  const content = publicKey ? optionalString(publicKey, 'content', 'publicKeyRequest.publicKey.content') : undefined;
  if (!content) throw new FulcioError('INVALID_PUBLIC_KEY', 'publicKeyRequest.publicKey.content is missing');
  const proofOfPossession = optionalBytes(pkr, 'proofOfPossession', 'publicKeyRequest.proofOfPossession') ?? Buffer.alloc(0);
  return { kind: 'publicKey', publicKey: keyContent(content), proofOfPossession };
}

/**
 * Legacy v1 request (fulcio_legacy.proto; Go `[]byte` fields are base64):
 *   { publicKey?: { content: <base64 of PEM>, algorithm }, signedEmailAddress: <base64>,
 *     certificateSigningRequest?: <base64 of PEM> }
 */
export function v1KeyProof(body: JsonObject): KeyProof {
  const csr = optionalBytes(body, 'certificateSigningRequest', 'certificateSigningRequest');
  if (csr && csr.length > 0) return { kind: 'csr', csr };
  const publicKey = optionalObject(body, 'publicKey');
  const content = publicKey ? optionalBytes(publicKey, 'content', 'publicKey.content') : undefined;
  if (!content || content.length === 0) throw new FulcioError('INVALID_PUBLIC_KEY', 'publicKey.content is missing (and no certificateSigningRequest was given)');
  const proofOfPossession = optionalBytes(body, 'signedEmailAddress', 'signedEmailAddress') ?? Buffer.alloc(0);
  return { kind: 'publicKey', publicKey: content, proofOfPossession };
}

/** `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1). */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/**
 * v2 `publicKey.content` is a string: PEM, or (upstream's fallback) DER. DER cannot
 * travel in a JSON string except as text, so base64 of DER is accepted too; any other
 * string is handed on as its bytes and fails to parse as a key.
 */
function keyContent(content: string): string | Buffer {
  if (content.trimStart().startsWith('-----BEGIN ')) return content;
  const der = decodeBase64(content);
  return der && der[0] === 0x30 ? der : Buffer.from(content, 'latin1');
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function get(obj: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function optionalObject(obj: JsonObject, key: string, path = key): JsonObject | undefined {
  const v = get(obj, key);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new FulcioError('MALFORMED_REQUEST', `${path} must be an object`);
  return v;
}

function optionalString(obj: JsonObject, key: string, path: string): string | undefined {
  const v = get(obj, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new FulcioError('MALFORMED_REQUEST', `${path} must be a string`);
  return v;
}

function optionalBytes(obj: JsonObject, key: string, path: string): Buffer | undefined {
  const s = optionalString(obj, key, path);
  if (s === undefined) return undefined;
  const bytes = decodeBase64(s);
  if (!bytes) throw new FulcioError('MALFORMED_REQUEST', `${path} is not valid base64`);
  return bytes;
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/;

/** Strict base64 (either alphabet, padding optional); undefined if `s` is not base64. */
export function decodeBase64(s: string): Buffer | undefined {
  if (!BASE64_RE.test(s)) return undefined;
  const unpadded = s.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  if (s.length !== unpadded.length && s.length % 4 !== 0) return undefined;
  return Buffer.from(unpadded, 'base64');
}
