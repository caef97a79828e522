import http from 'node:http';
import https from 'node:https';
import { OidcError } from '../errors.js';

/** Discovery documents and JWKS larger than this are refused (real ones are a few KiB). */
export const MAX_IDP_RESPONSE_BYTES = 1024 * 1024;
/** Same-host redirects followed before giving up. */
const MAX_REDIRECTS = 3;

export interface GetJsonOptions {
  timeoutMs: number;
  /** PEM CA for this IdP (IssuerConfig.caCert); only honoured by the built-in transport. */
  caCert?: string;
  /** Injected fetch (tests, proxies). When set, TLS trust is the fetch's business. */
  fetch?: typeof fetch;
  /** For messages: "discovery document", "JWKS". */
  what: string;
}

interface RawResponse {
  status: number;
  location: string | null;
  body: string;
}

/**
 * GETs a JSON document from an identity provider. Redirects are followed only to
 * the same host and never from https to http, as go-oidc's client does for
 * Fulcio, so a compromised path on one host cannot point us at another host's keys.
 * Every failure is DISCOVERY_FAILED: the IdP is at fault, not the caller.
 */
export async function getIdpJson(url: string, opts: GetJsonOptions): Promise<unknown> {
  let current = new URL(url);
  const origin = current;
  for (let hop = 0; ; hop++) {
    let res: RawResponse;
    try {
      res = opts.fetch ? await viaFetch(opts.fetch, current, opts.timeoutMs) : await viaNode(current, opts.timeoutMs, opts.caCert);
    } catch (cause) {
      if (cause instanceof OidcError) throw cause;
      throw new OidcError('DISCOVERY_FAILED', `could not fetch the ${opts.what} from ${current.href}: ${(cause as Error).message ?? String(cause)}`, { cause });
    }
    if (res.status >= 300 && res.status < 400 && res.location) {
      const next = new URL(res.location, current);
      if (hop >= MAX_REDIRECTS) throw new OidcError('DISCOVERY_FAILED', `too many redirects fetching the ${opts.what} from ${url}`);
      if (next.host !== origin.host || (origin.protocol === 'https:' && next.protocol !== 'https:')) {
        throw new OidcError('DISCOVERY_FAILED', `the ${opts.what} at ${current.href} redirects to another host (${next.origin}); refused`);
      }
      current = next;
      continue;
    }
    if (res.status !== 200) throw new OidcError('DISCOVERY_FAILED', `the ${opts.what} at ${current.href} answered HTTP ${res.status}`);
    try {
      return JSON.parse(res.body) as unknown;
    } catch (cause) {
      throw new OidcError('DISCOVERY_FAILED', `the ${opts.what} at ${current.href} is not JSON`, { cause });
    }
  }
}

async function viaFetch(f: typeof fetch, url: URL, timeoutMs: number): Promise<RawResponse> {
  const res = await f(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > MAX_IDP_RESPONSE_BYTES) throw new Error(`response of ${len} bytes is too large`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.length > MAX_IDP_RESPONSE_BYTES) throw new Error(`response of ${buf.length} bytes is too large`);
  return { status: res.status, location: res.headers.get('location'), body: buf.toString('utf8') };
}

function viaNode(url: URL, timeoutMs: number, ca: string | undefined): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.get(url, { timeout: timeoutMs, headers: { accept: 'application/json' }, ...(ca && url.protocol === 'https:' ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_IDP_RESPONSE_BYTES) {
          req.destroy(new Error(`response larger than ${MAX_IDP_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const loc = res.headers.location;
        resolve({ status: res.statusCode ?? 0, location: typeof loc === 'string' ? loc : null, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
