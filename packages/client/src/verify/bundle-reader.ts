import { readFile, stat } from 'node:fs/promises';
import { assertBundle, bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { ClientError } from '../errors.js';
import { isLegacyBlobBundle, legacyBlobBundleToBundle } from '../legacy/cosign-legacy-signature.js';

/**
 * A bundle is a few KiB, or a few MiB when an SBOM travels in a DSSE payload; past
 * this limit it is refused before it is parsed.
 */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** JSON nested deeper than this is not a bundle (and would cost a deep recursion to walk). */
const MAX_DEPTH = 64;

/** Reads a Sigstore bundle (v0.1, v0.2, v0.3) from a file, strictly. */
export async function readBundleFile(path: string): Promise<Bundle> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (cause) {
    throw new ClientError('BUNDLE_INVALID', `bundle ${path}: ${(cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message}`, { cause });
  }
  if (size > MAX_BUNDLE_BYTES) throw new ClientError('BUNDLE_INVALID', `bundle ${path}: ${size} bytes is larger than the limit of ${MAX_BUNDLE_BYTES}`);
  return parseBundle(await readFile(path, 'utf8'), `bundle ${path}`);
}

/** Parses and checks a Sigstore bundle's JSON; `source` names it in errors. */
export function parseBundle(text: string | object, source = 'bundle'): Bundle {
  let json: unknown = text;
  if (typeof text === 'string') {
    if (text.length > MAX_BUNDLE_BYTES) throw new ClientError('BUNDLE_INVALID', `${source}: larger than the limit of ${MAX_BUNDLE_BYTES} bytes`);
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new ClientError('BUNDLE_INVALID', `${source}: not JSON (truncated?): ${(cause as Error).message}`, { cause });
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ClientError('BUNDLE_INVALID', `${source}: not a Sigstore bundle (not a JSON object)`);
  if (depth(json, 0) > MAX_DEPTH) throw new ClientError('BUNDLE_INVALID', `${source}: nested deeper than ${MAX_DEPTH} levels`);
  // cosign 2's own --bundle format (what `cosign sign-blob --bundle` writes by default)
  // becomes the v0.1 bundle it is equivalent to.
  if (isLegacyBlobBundle(json)) json = legacyBlobBundleToBundle(json, source);
  checkEncodings(json, source, '');
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !mediaType.startsWith('application/vnd.dev.sigstore.bundle'))
    throw new ClientError('BUNDLE_INVALID', `${source}: not a Sigstore bundle (mediaType ${JSON.stringify(mediaType)})`);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
    assertBundle(bundle);
  } catch (cause) {
    const fields = (cause as { fields?: string[] }).fields;
    throw new ClientError('BUNDLE_INVALID', `${source}: malformed bundle${fields?.length ? ` (${fields.join(', ')})` : ''}: ${(cause as Error).message}`, { cause });
  }
  return bundle;
}

function depth(v: unknown, d: number): number {
  if (d > MAX_DEPTH || typeof v !== 'object' || v === null) return d;
  let max = d;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    max = Math.max(max, depth(x, d + 1));
    if (max > MAX_DEPTH) break;
  }
  return max;
}

/**
 * Fields of a bundle that carry bytes (protobuf JSON: base64, standard or URL-safe,
 * padding optional). The protobuf decoder underneath decodes whatever it is given
 * (Node's base64 decoder skips what it cannot read), so a corrupted field would be
 * read as other bytes instead of being refused.
 */
const BYTES_FIELDS = new Set(['signature', 'digest', 'payload', 'sig', 'rawBytes', 'keyId', 'canonicalizedBody', 'signedEntryTimestamp', 'rootHash', 'hashes', 'signedTimestamp']);
/** int64 fields of log entries: decimal strings (or JSON numbers), never negative. */
const UINT_FIELDS = new Set(['logIndex', 'integratedTime', 'treeSize']);
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Line breaks are skipped as Go's decoder (protojson) skips them; anything else outside the alphabet is refused. */
function isBase64(text: string): boolean {
  const s = text.replace(/[\r\n]/g, '');
  if (!BASE64.test(s)) return false;
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) return false;
  return s.length === body.length || s.length % 4 === 0;
}

function checkEncodings(v: unknown, source: string, path: string): void {
  if (typeof v !== 'object' || v === null) return;
  for (const [k, x] of Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v)) {
    const at = Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
    if (BYTES_FIELDS.has(k)) {
      for (const [i, s] of (Array.isArray(x) ? x : [x]).entries())
        if (typeof s === 'string' && !isBase64(s)) throw new ClientError('BUNDLE_INVALID', `${source}: ${Array.isArray(x) ? `${at}[${i}]` : at} is not valid base64`);
    } else if (UINT_FIELDS.has(k) && x !== undefined && x !== null) {
      const ok = typeof x === 'string' ? /^[0-9]{1,20}$/.test(x) : typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
      if (!ok) throw new ClientError('BUNDLE_INVALID', `${source}: ${at} is ${JSON.stringify(x)}, not a non-negative integer`);
    }
    checkEncodings(x, source, at);
  }
}
