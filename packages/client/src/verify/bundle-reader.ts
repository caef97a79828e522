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
