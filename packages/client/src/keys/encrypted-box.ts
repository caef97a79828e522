import { randomBytes, scryptSync } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { ClientError } from '../errors.js';

/**
 * The password-encrypted envelope cosign puts inside its private key PEM: the
 * `encrypted` package of secure-systems-lab/go-securesystemslib. A JSON object
 *
 *   {"kdf":    {"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<base64>"},
 *    "cipher": {"name":"nacl/secretbox","nonce":"<base64, 24 bytes>"},
 *    "ciphertext":"<base64: poly1305 tag (16) || xsalsa20 ciphertext>"}
 *
 * with Go's encoding of []byte (standard base64, padded). The key is scrypt(password,
 * salt, N, r, p) → 32 bytes; the cipher is NaCl secretbox (XSalsa20-Poly1305).
 *
 * Upstream accepts exactly three parameter sets (legacy N=2^15, standard N=2^16,
 * OWASP N=2^17; r=8, p=1) so that a tampered file cannot make it spend unbounded
 * memory or time. We accept any power-of-two N up to SCRYPT_MAX_N with the bounds
 * below (a safe margin over what any cosign writes) and refuse the rest by name.
 */

/** What cosign writes (go-securesystemslib's `Standard` level). */
export const SCRYPT_WRITE_PARAMS = { N: 65536, r: 8, p: 1 } as const;
/** Largest scrypt N we accept: 2^18, four times what cosign writes (256 MiB at r=8). */
export const SCRYPT_MAX_N = 1 << 18;
/** Largest scrypt r we accept (cosign writes 8). */
export const SCRYPT_MAX_R = 16;
/** Largest scrypt p we accept (cosign writes 1); p multiplies the time spent. */
export const SCRYPT_MAX_P = 4;
/** Largest scrypt working memory (128·N·r bytes) we accept: 256 MiB. */
export const SCRYPT_MAX_MEMORY = 256 * 1024 * 1024;

const SALT_BYTES = 32;
const NONCE_BYTES = 24;
const KEY_BYTES = 32;
const TAG_BYTES = 16;
/** Salt lengths we read: Go accepts any, cosign writes 32; a bound keeps hashing cheap. */
const MAX_SALT_BYTES = 1024;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Encrypts plaintext under password into the envelope's JSON text, as cosign writes it. */
export function sealWithPassword(plaintext: Uint8Array, password: string): string {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = deriveKey(password, salt, SCRYPT_WRITE_PARAMS);
  const ciphertext = xsalsa20poly1305(key, nonce).encrypt(plaintext);
  key.fill(0);
  // Same member order as Go's json.Marshal of the upstream structs.
  return JSON.stringify({
    kdf: { name: 'scrypt', params: { N: SCRYPT_WRITE_PARAMS.N, r: SCRYPT_WRITE_PARAMS.r, p: SCRYPT_WRITE_PARAMS.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  });
}

/**
 * Decrypts the envelope. KEY_INVALID for a malformed envelope, KEY_UNSUPPORTED for a
 * KDF, cipher or scrypt parameter we do not accept (named), KEY_PASSWORD when the
 * authentication tag does not match (wrong password, or a tampered ciphertext: the
 * two cannot be told apart).
 */
export function openWithPassword(json: Uint8Array, password: string): Buffer {
  const env = parseEnvelope(json);
  const key = deriveKey(password, env.salt, env.params);
  try {
    return Buffer.from(xsalsa20poly1305(key, env.nonce).decrypt(env.ciphertext));
  } catch (cause) {
    throw new ClientError('KEY_PASSWORD', 'cannot decrypt the private key: wrong password (or the key file was altered)', { cause });
  } finally {
    key.fill(0);
  }
}

interface Envelope {
  params: ScryptParams;
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
}

function parseEnvelope(json: Uint8Array): Envelope {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(json).toString('utf8'));
  } catch (cause) {
    throw new ClientError('KEY_INVALID', 'encrypted private key: body is not JSON', { cause });
  }
  const root = asObject(doc, 'the body');
  const kdf = asObject(root['kdf'], '"kdf"');
  const cipher = asObject(root['cipher'], '"cipher"');
  const kdfName = asString(kdf['name'], '"kdf.name"');
  if (kdfName !== 'scrypt') throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: unsupported kdf "${kdfName}" (want scrypt)`);
  const cipherName = asString(cipher['name'], '"cipher.name"');
  if (cipherName !== 'nacl/secretbox') throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: unsupported cipher "${cipherName}" (want nacl/secretbox)`);
  const p = asObject(kdf['params'], '"kdf.params"');
  const params = checkScryptParams({ N: asInteger(p['N'], 'N'), r: asInteger(p['r'], 'r'), p: asInteger(p['p'], 'p') });
  const salt = asBase64(kdf['salt'], '"kdf.salt"');
  if (salt.length > MAX_SALT_BYTES) throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: scrypt salt of ${salt.length} bytes is too long (at most ${MAX_SALT_BYTES})`);
  const nonce = asBase64(cipher['nonce'], '"cipher.nonce"');
  if (nonce.length !== NONCE_BYTES) throw new ClientError('KEY_INVALID', `encrypted private key: nonce is ${nonce.length} bytes (want ${NONCE_BYTES})`);
  const ciphertext = asBase64(root['ciphertext'], '"ciphertext"');
  if (ciphertext.length < TAG_BYTES + 1) throw new ClientError('KEY_INVALID', `encrypted private key: ciphertext of ${ciphertext.length} bytes is truncated`);
  return { params, salt, nonce, ciphertext };
}

/** Refuses parameters beyond our bounds, naming the parameter. */
export function checkScryptParams(params: ScryptParams): ScryptParams {
  const { N, r, p } = params;
  if (N < 2 || (N & (N - 1)) !== 0) throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: scrypt N=${N} is not a power of two`);
  if (N > SCRYPT_MAX_N) throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: scrypt N=${N} is too large (at most ${SCRYPT_MAX_N})`);
  if (r < 1 || r > SCRYPT_MAX_R) throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: scrypt r=${r} is out of range (1 to ${SCRYPT_MAX_R})`);
  if (p < 1 || p > SCRYPT_MAX_P) throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: scrypt p=${p} is out of range (1 to ${SCRYPT_MAX_P})`);
  if (128 * N * r > SCRYPT_MAX_MEMORY)
    throw new ClientError('KEY_UNSUPPORTED', `encrypted private key: scrypt N=${N} with r=${r} needs ${(128 * N * r) / 2 ** 20} MiB (at most ${SCRYPT_MAX_MEMORY / 2 ** 20})`);
  return params;
}

function deriveKey(password: string, salt: Uint8Array, { N, r, p }: ScryptParams): Buffer {
  // node's default maxmem (32 MiB) is below cosign's own parameters (64 MiB):
  // allow what the bounds above allow, plus the p·128·r scratch and some slack.
  const maxmem = 128 * N * r + 128 * r * p + 1024 * 1024;
  return scryptSync(Buffer.from(password, 'utf8'), salt, KEY_BYTES, { N, r, p, maxmem });
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ClientError('KEY_INVALID', `encrypted private key: ${what} is missing or not an object`);
  return v as Record<string, unknown>;
}

function asString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new ClientError('KEY_INVALID', `encrypted private key: ${what} is missing or not a string`);
  return v;
}

function asInteger(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ClientError('KEY_INVALID', `encrypted private key: scrypt ${name} is missing or not an integer`);
  return v;
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Go's []byte JSON encoding: standard, padded base64 (node's decoder would skip junk silently). */
function asBase64(v: unknown, what: string): Buffer {
  const s = asString(v, what);
  if (!BASE64_RE.test(s)) throw new ClientError('KEY_INVALID', `encrypted private key: ${what} is not valid base64`);
  return Buffer.from(s, 'base64');
}
