import { initializeTuf, tufCacheDir } from '@sigstack/client';
import { status, usage } from './cli-io.js';
import { parseFlags, str } from './cosign-flags.js';

/**
 * `initialize --mirror URL --root root.json`, as cosign's: verifies the repository from
 * the given root and remembers the mirror; every later command takes trusted_root.json
 * and signing_config.v0.2.json from it, with no flags.
 */
export async function initializeCommand(args: string[]): Promise<void> {
  const p = parseFlags(args, { mirror: { type: 'string' }, root: { type: 'string' }, 'root-checksum': { type: 'string' } });
  if (p.positionals.length > 0) usage('initialize takes no arguments');
  const mirror = str(p, 'mirror');
  const root = str(p, 'root');
  if (!mirror) usage('--mirror is required: sigstack has no public-good default (e.g. --mirror http://127.0.0.1:3000/tuf)');
  if (!root) usage('--root is required: the first root.json of the mirror, obtained out of band (e.g. .sigstack/trust/root.json)');
  const cacheDir = tufCacheDir(process.env);
  const { targets } = await initializeTuf({ mirror, rootPath: root, cacheDir });
  status(`Root status: initialized from ${mirror} (cache ${cacheDir}); targets: ${targets.join(', ')}`);
}
