import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/install-peers.sh put the real clients. */
export const PEERS_DIR = process.env.SIGSTACK_PEERS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sigstack-peers');
export const PEERS_BIN = join(PEERS_DIR, 'bin');

/** Absolute path of a real client binary (cosign2, cosign3, rekor-cli, crane, registry, ...). */
export function peer(name: string): string {
  const p = join(PEERS_BIN, name);
  if (!existsSync(p)) throw new Error(`${name} is not installed: run scripts/install-peers.sh`);
  return p;
}
