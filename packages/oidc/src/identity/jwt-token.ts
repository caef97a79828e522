import { OidcError } from '../errors.js';

/**
 * The largest bearer token we look at. Real ID tokens are 1–4 KiB (Entra ID with
 * many group claims can reach ~8 KiB); the cap keeps a hostile caller from making
 * us base64-decode and JSON-parse megabytes before any signature check.
 */
export const MAX_TOKEN_LENGTH = 32 * 1024;

export interface UnverifiedToken {
  /** The protected header, parsed; nothing in it is trusted yet. */
  header: Record<string, unknown>;
  /** The claims, parsed; nothing in them is trusted yet. */
  payload: Record<string, unknown>;
  /** The unverified `iss`, used only to choose which issuer's keys to verify with. */
  iss: string;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function decodeJsonPart(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part) || part.length % 4 === 1) {
    throw new OidcError('TOKEN_INVALID', `the identity token's ${what} is not base64url`);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new OidcError('TOKEN_INVALID', `the identity token's ${what} is not JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OidcError('TOKEN_INVALID', `the identity token's ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Splits a compact JWS and reads its header and claims *without verifying*, the way
 * Fulcio's issuer pool does, only to learn which issuer to verify against
 * (protocols.md §3.2 step 2).
 */
export function decodeUnverifiedToken(token: string): UnverifiedToken {
  if (typeof token !== 'string' || token.length === 0) throw new OidcError('TOKEN_INVALID', 'no identity token was given');
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new OidcError('TOKEN_INVALID', `the identity token is ${token.length} bytes, more than the ${MAX_TOKEN_LENGTH} allowed`);
  }
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new OidcError('TOKEN_INVALID', `the identity token has ${parts.length} dot-separated parts; a signed JWT has exactly 3`);
  }
  const header = decodeJsonPart(parts[0]!, 'header');
  const payload = decodeJsonPart(parts[1]!, 'payload');
  if (!B64URL.test(parts[2]!)) throw new OidcError('TOKEN_INVALID', 'the identity token has no signature (or it is not base64url)');
  const iss = payload.iss;
  if (typeof iss !== 'string' || iss === '') throw new OidcError('TOKEN_INVALID', 'the identity token has no iss claim');
  return { header, payload, iss };
}
