import { ClientError } from '../errors.js';
import { MAX_TOKEN_BYTES } from './identity-token-options.js';

/** Who a token says it is: for status lines only (the CA verifies the token). */
export interface TokenIdentity {
  issuer: string;
  subject: string;
  email?: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** True when `value` has the shape of a compact JWS (three base64url parts): a token, not a path. */
export function isCompactJws(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 3 && BASE64URL.test(parts[0]!) && BASE64URL.test(parts[1]!) && /^[A-Za-z0-9_-]*$/.test(parts[2]!);
}

/**
 * Decodes the JWT's payload WITHOUT verifying its signature, to say which identity is
 * about to be used (cosign's "using identity ..." lines). Never use the result for a
 * trust decision: Fulcio verifies the token.
 */
export function tokenIdentity(token: string): TokenIdentity {
  if (token.length > MAX_TOKEN_BYTES) {
    throw new ClientError('IDENTITY_TOKEN', `identity token is ${token.length} bytes, more than the ${MAX_TOKEN_BYTES} a token can be`);
  }
  const trimmed = token.trim();
  if (!isCompactJws(trimmed)) {
    throw new ClientError('IDENTITY_TOKEN', 'identity token is not a JWT (expected three base64url parts separated by dots)');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(trimmed.split('.')[1]!, 'base64url').toString('utf8'));
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', 'identity token payload is not JSON', { cause: e });
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ClientError('IDENTITY_TOKEN', 'identity token payload is not a JSON object');
  }
  const claims = payload as Record<string, unknown>;
  const issuer = claims['iss'];
  const subject = claims['sub'];
  if (typeof issuer !== 'string' || issuer === '') {
    throw new ClientError('IDENTITY_TOKEN', 'identity token has no "iss" claim');
  }
  if (typeof subject !== 'string' || subject === '') {
    throw new ClientError('IDENTITY_TOKEN', 'identity token has no "sub" claim');
  }
  const email = claims['email'];
  return typeof email === 'string' && email !== '' ? { issuer, subject, email } : { issuer, subject };
}
