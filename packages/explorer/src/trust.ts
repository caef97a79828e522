import { getBytes, getJson } from './api.js';
import { bytesEqual, ExplorerError, fromHex, fromUtf8, sha256 } from './bytes.js';
import { parseTrustedRoot, type TrustedLogs } from './verify/trusted-root.js';

/** Where the log keys came from, shown on every page that verifies with them. */
export interface LoadedTrust extends TrustedLogs {
  source: string;
}

const TUF = '/tuf';

/**
 * The log keys, from the stack's own TUF repository: timestamp → snapshot → targets →
 * `targets/<sha256>.trusted_root.json`, with the length and SHA-256 the targets
 * metadata lists checked. The page does not check TUF signatures: an operator who
 * must not trust this server pins the root through TUF (`cosign initialize`, sigstack
 * trust) and compares the key fingerprints the page shows.
 */
export async function loadTrust(): Promise<LoadedTrust> {
  const ts = (await getJson(`${TUF}/timestamp.json`)) as any;
  const snapV = ts?.signed?.meta?.['snapshot.json']?.version;
  if (!Number.isSafeInteger(snapV)) throw new ExplorerError('BAD_TRUSTED_ROOT', 'timestamp.json names no snapshot version');
  const snap = (await getJson(`${TUF}/${snapV}.snapshot.json`)) as any;
  const targV = snap?.signed?.meta?.['targets.json']?.version;
  if (!Number.isSafeInteger(targV)) throw new ExplorerError('BAD_TRUSTED_ROOT', 'snapshot.json names no targets version');
  const targets = (await getJson(`${TUF}/${targV}.targets.json`)) as any;
  const t = targets?.signed?.targets?.['trusted_root.json'];
  const hex = t?.hashes?.sha256;
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex) || !Number.isSafeInteger(t.length)) throw new ExplorerError('BAD_TRUSTED_ROOT', 'targets.json does not list trusted_root.json');
  const bytes = await getBytes(`${TUF}/targets/${hex}.trusted_root.json`);
  if (bytes.length !== t.length || !bytesEqual(await sha256(bytes), fromHex(hex))) throw new ExplorerError('BAD_TRUSTED_ROOT', 'trusted_root.json does not match the hash in targets.json');
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new ExplorerError('BAD_TRUSTED_ROOT', 'trusted_root.json is not JSON');
  }
  return { ...parseTrustedRoot(json), source: `trusted_root.json of this stack's TUF repository (targets v${targV}, sha256 ${hex.slice(0, 16)}…)` };
}
