import { ExplorerError, fromBase64 } from './bytes.js';

/** The longest search term accepted: a PEM public key fits, a pasted file does not. */
export const MAX_QUERY_LENGTH = 8192;

/** What a search box input means, after validation. */
export type SearchQuery =
  | { kind: 'hash'; algorithm: 'sha256' | 'sha384' | 'sha512'; hex: string }
  | { kind: 'uuid'; uuid: string }
  | { kind: 'hash-or-uuid'; hex: string }
  | { kind: 'email'; email: string }
  | { kind: 'subject'; subject: string }
  | { kind: 'log-index'; index: number }
  | { kind: 'public-key'; pem: string };

const LENGTHS = { sha256: 64, sha384: 96, sha512: 128 } as const;

/**
 * Classifies and validates one search term. Throws BAD_QUERY (or TOO_LARGE) with a
 * message the page shows as text: nothing malformed reaches the server.
 */
export function parseSearchQuery(input: string): SearchQuery {
  if (input.length > MAX_QUERY_LENGTH) throw new ExplorerError('TOO_LARGE', `a search term is at most ${MAX_QUERY_LENGTH} characters (this one has ${input.length})`);
  const q = input.trim();
  if (q === '') throw new ExplorerError('BAD_QUERY', 'type a hash, an email, a workflow URI, a log index, a UUID or a PEM public key');
  if (q.startsWith('-----BEGIN PUBLIC KEY-----')) {
    const m = /^-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----$/.exec(q);
    if (!m) throw new ExplorerError('BAD_QUERY', 'the public key is not a PEM "PUBLIC KEY" block');
    fromBase64(m[1]!.replace(/\s+/g, ''), 'the public key');
    return { kind: 'public-key', pem: `${q}\n` };
  }
  const alg = /^(sha256|sha384|sha512):(.*)$/i.exec(q);
  if (alg) {
    const algorithm = alg[1]!.toLowerCase() as keyof typeof LENGTHS;
    const hex = alg[2]!.toLowerCase();
    if (!/^[0-9a-f]*$/.test(hex) || hex.length !== LENGTHS[algorithm])
      throw new ExplorerError('BAD_QUERY', `a ${algorithm} digest is ${LENGTHS[algorithm]} hex digits`);
    return { kind: 'hash', algorithm, hex };
  }
  if (/^[0-9]+$/.test(q)) {
    if (q.length === 64) return { kind: 'hash-or-uuid', hex: q };
    const index = Number(q);
    if (!Number.isSafeInteger(index)) throw new ExplorerError('BAD_QUERY', 'that log index is too large');
    return { kind: 'log-index', index };
  }
  if (/^[0-9a-fA-F]+$/.test(q)) {
    const hex = q.toLowerCase();
    if (hex.length === 64) return { kind: 'hash-or-uuid', hex };
    if (hex.length === 80) return { kind: 'uuid', uuid: hex };
    if (hex.length === 96) return { kind: 'hash', algorithm: 'sha384', hex };
    if (hex.length === 128) return { kind: 'hash', algorithm: 'sha512', hex };
    throw new ExplorerError('BAD_QUERY', `${hex.length} hex digits is neither a digest (64, 96 or 128) nor an entry UUID (64 or 80)`);
  }
  // URIs first: a workflow identity has an '@' in it (…/release.yml@refs/heads/main).
  if (/^[a-z][a-z0-9+.-]*:\/\/[^\s<>"']+$/i.test(q)) return { kind: 'subject', subject: q };
  if (/^[^\s@<>"']+@[^\s@<>"']+$/.test(q)) return { kind: 'email', email: q };
  throw new ExplorerError('BAD_QUERY', 'not a hash, an email, a URI, a log index, an entry UUID or a PEM public key');
}
