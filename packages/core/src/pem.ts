import { CoreError } from './errors.js';

export interface PemBlock {
  type: string;
  der: Buffer;
}

/**
 * Encodes DER as PEM exactly as Go's encoding/pem does (64-column base64 lines,
 * trailing newline). Rekor canonicalises keys by re-encoding them this way, so the
 * exact bytes matter for leaf hashes.
 */
export function toPem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + '\n';
  return `-----BEGIN ${type}-----\n${body}-----END ${type}-----\n`;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every PEM block in text, in order. Throws INVALID_PEM if there is none or one is corrupt. */
export function fromPem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    const lines = (m[2] ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    // RFC 7468 headers (Proc-Type etc.) are not something we accept.
    if (lines.some((l) => l.includes(':'))) throw new CoreError('INVALID_PEM', 'PEM headers are not supported');
    const b64 = lines.join('');
    if (!B64_RE.test(b64) || b64.length % 4 !== 0) throw new CoreError('INVALID_PEM', `corrupt base64 in PEM ${m[1]} block`);
    blocks.push({ type: m[1]!, der: Buffer.from(b64, 'base64') });
  }
  if (blocks.length === 0) throw new CoreError('INVALID_PEM', 'no PEM block found');
  return blocks;
}

export function isPem(data: Uint8Array | string): boolean {
  const s = typeof data === 'string' ? data : Buffer.from(data).subarray(0, 64).toString('latin1');
  return s.trimStart().startsWith('-----BEGIN ');
}
