import { HASH_LENGTH, parseVerificationKey, type HashAlgorithm, type VerificationKey } from '@sigstack/core';
import { RekorError } from '../errors.js';

/** Strict field readers: each failure names the field (`spec.data.hash.value: ...`). */

export function object(v: unknown, field: string): Record<string, unknown> {
  if (v === undefined || v === null) throw new RekorError('MALFORMED_ENTRY', `${field}: required`);
  if (typeof v !== 'object' || Array.isArray(v)) throw new RekorError('MALFORMED_ENTRY', `${field}: must be an object`);
  return v as Record<string, unknown>;
}

export function optionalObject(v: unknown, field: string): Record<string, unknown> | undefined {
  return v === undefined || v === null ? undefined : object(v, field);
}

export function string(v: unknown, field: string): string {
  if (v === undefined || v === null) throw new RekorError('MALFORMED_ENTRY', `${field}: required`);
  if (typeof v !== 'string') throw new RekorError('MALFORMED_ENTRY', `${field}: must be a string`);
  if (v === '') throw new RekorError('MALFORMED_ENTRY', `${field}: must not be empty`);
  return v;
}

export function array(v: unknown, field: string, max: number): unknown[] {
  if (v === undefined || v === null) throw new RekorError('MALFORMED_ENTRY', `${field}: required`);
  if (!Array.isArray(v)) throw new RekorError('MALFORMED_ENTRY', `${field}: must be an array`);
  if (v.length > max) throw new RekorError('MALFORMED_ENTRY', `${field}: at most ${max} items are accepted, got ${v.length}`);
  return v;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 with padding, as Go's encoding/json writes []byte. */
export function base64(v: unknown, field: string): Buffer {
  const s = string(v, field);
  if (s.length % 4 !== 0 || !B64.test(s)) throw new RekorError('MALFORMED_ENTRY', `${field}: not valid base64`);
  return Buffer.from(s, 'base64');
}

/** A {algorithm, value} digest with the algorithm in `allowed`. */
export function hashField(v: unknown, field: string, allowed: readonly HashAlgorithm[]): { algorithm: HashAlgorithm; value: string } {
  const h = object(v, field);
  const algorithm = string(h.algorithm, `${field}.algorithm`);
  if (!(allowed as readonly string[]).includes(algorithm))
    throw new RekorError('MALFORMED_ENTRY', `${field}.algorithm: "${algorithm}" is not supported (${allowed.join(', ')})`);
  const alg = algorithm as HashAlgorithm;
  const value = string(h.value, `${field}.value`);
  const n = HASH_LENGTH[alg] * 2;
  if (value.length !== n || !/^[0-9a-f]+$/.test(value))
    throw new RekorError('MALFORMED_ENTRY', `${field}.value: expected ${n} lower-case hex characters for ${alg}`);
  return { algorithm: alg, value };
}

/** A PEM/DER key or certificate (x509 "format"), wrapped into RekorError INVALID_KEY. */
export function verificationKey(bytes: Buffer, field: string): VerificationKey {
  try {
    return parseVerificationKey(bytes);
  } catch (cause) {
    throw new RekorError('INVALID_KEY', `${field}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The identities a certificate names (upstream x509 Subjects(): email addresses and
 * URIs of the SAN); none for a bare public key.
 */
export function subjectsOf(vk: VerificationKey): string[] {
  const san = vk.certificate?.subjectAltName;
  if (!san) return [];
  const out: string[] = [];
  for (const part of san.split(', ')) {
    const m = /^(email|URI):(.*)$/.exec(part);
    if (m) out.push(m[2]!);
  }
  return out;
}
