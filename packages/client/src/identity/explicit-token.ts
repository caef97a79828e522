import { open } from 'node:fs/promises';
import { ClientError } from '../errors.js';
import { MAX_TOKEN_BYTES } from './identity-token-options.js';
import { isCompactJws } from './token-identity.js';

/**
 * `--identity-token VALUE`, as cosign reads it: a value shaped like a JWT is the
 * token; anything else is the path of a file holding the token (cosign tries to parse
 * the value and reads the file when that fails). Unlike cosign we trim surrounding
 * whitespace from the file, so a token file saved with a trailing newline still works.
 */
export async function readExplicitToken(value: string): Promise<string> {
  const trimmed = value.trim();
  if (isCompactJws(trimmed)) return trimmed;
  return readTokenFile(value, '--identity-token');
}

/** Reads a token file, bounded: a file larger than any token is refused, not read whole. */
export async function readTokenFile(path: string, what: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `${what} is neither a token nor a readable file: ${(e as Error).message}`, { cause: e });
  }
  try {
    const buf = Buffer.alloc(MAX_TOKEN_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_TOKEN_BYTES) {
        throw new ClientError('IDENTITY_TOKEN', `${what} file ${path} is larger than ${MAX_TOKEN_BYTES} bytes: not a token`);
      }
    }
    const token = buf.subarray(0, length).toString('utf8').trim();
    if (token === '') throw new ClientError('IDENTITY_TOKEN', `${what} file ${path} is empty`);
    return token;
  } catch (e) {
    if (e instanceof ClientError) throw e;
    throw new ClientError('IDENTITY_TOKEN', `reading ${what} file ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    await handle.close();
  }
}
