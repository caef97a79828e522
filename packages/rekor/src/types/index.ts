// STOPGAP (lead): hashedrekord 0.0.1 only, until the full entry-type modules land.
import { canonicalizeToBytes, HASH_LENGTH, isHashAlgorithm, parseVerificationKey, sha256Hex, verifyPrehashedSignature, type HashAlgorithm } from '@sigstack/core';
import { RekorError } from '../errors.js';

export interface CanonicalEntry {
  kind: string;
  apiVersion: string;
  body: Buffer;
  indexKeys: string[];
}
export interface EntryLimits {
  maxSignatures?: number;
}

export async function canonicalizeProposedEntry(proposed: unknown, _limits?: EntryLimits): Promise<CanonicalEntry> {
  const p = obj(proposed, 'entry');
  if (p.kind !== 'hashedrekord') throw new RekorError('UNSUPPORTED_KIND', `unsupported entry kind "${String(p.kind)}"`);
  if (p.apiVersion !== '0.0.1') throw new RekorError('UNSUPPORTED_KIND', `unsupported hashedrekord apiVersion "${String(p.apiVersion)}"`);
  const spec = obj(p.spec, 'spec');
  const sig = obj(spec.signature, 'spec.signature');
  const data = obj(spec.data, 'spec.data');
  const hash = obj(data.hash, 'spec.data.hash');
  const alg = (hash.algorithm ?? 'sha256') as HashAlgorithm;
  if (!isHashAlgorithm(alg)) throw new RekorError('MALFORMED_ENTRY', `spec.data.hash.algorithm: unsupported "${String(hash.algorithm)}"`);
  const value = str(hash.value, 'spec.data.hash.value');
  if (!new RegExp(`^[0-9a-f]{${HASH_LENGTH[alg] * 2}}$`).test(value))
    throw new RekorError('MALFORMED_ENTRY', `spec.data.hash.value: expected ${HASH_LENGTH[alg] * 2} lower-case hex characters for ${alg}`);
  const sigBytes = b64(str(sig.content, 'spec.signature.content'), 'spec.signature.content');
  const keyBytes = b64(str(obj(sig.publicKey, 'spec.signature.publicKey').content, 'spec.signature.publicKey.content'), 'spec.signature.publicKey.content');
  let vk;
  try {
    vk = parseVerificationKey(keyBytes);
  } catch (cause) {
    throw new RekorError('INVALID_KEY', `spec.signature.publicKey.content: ${(cause as Error).message}`, { cause });
  }
  let ok = false;
  try {
    ok = verifyPrehashedSignature(vk, alg, Buffer.from(value, 'hex'), sigBytes);
  } catch (cause) {
    throw new RekorError('INVALID_KEY', `spec.signature.publicKey.content: ${(cause as Error).message}`, { cause });
  }
  if (!ok) throw new RekorError('INVALID_SIGNATURE', 'spec.signature.content: signature does not verify over the digest with the given key');
  const pem = Buffer.from(vk.canonicalPem);
  const body = canonicalizeToBytes({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: alg, value } }, signature: { content: sigBytes.toString('base64'), publicKey: { content: pem.toString('base64') } } },
  });
  const indexKeys = [sha256Hex(pem), `${alg}:${value}`];
  if (vk.certificate?.subjectAltName) {
    for (const part of vk.certificate.subjectAltName.split(', ')) {
      const m = /^(email|URI):(.*)$/.exec(part);
      if (m) indexKeys.push(m[1] === 'email' ? m[2]!.toLowerCase() : m[2]!);
    }
  }
  return { kind: 'hashedrekord', apiVersion: '0.0.1', body, indexKeys };
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new RekorError('MALFORMED_ENTRY', `${field}: required object missing`);
  return v as Record<string, unknown>;
}
function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new RekorError('MALFORMED_ENTRY', `${field}: required string missing`);
  return v;
}
function b64(s: string, field: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new RekorError('MALFORMED_ENTRY', `${field}: invalid base64`);
  return Buffer.from(s, 'base64');
}
