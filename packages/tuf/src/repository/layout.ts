import { TufError } from '../errors.js';

/**
 * File names of a consistent-snapshot repository (protocols.md §10.1, §10.3). The
 * mirror URL clients are given is the repository directory itself; targets live
 * under `targets/`, one copy per listed hash: `targets/<hex>.<name>`.
 */
export const TIMESTAMP_FILE = 'timestamp.json';
export const ROOT_FILE = 'root.json';
export const TARGETS_DIR = 'targets';
export const rootFile = (version: number): string => `${version}.root.json`;
export const snapshotFile = (version: number): string => `${version}.snapshot.json`;
export const targetsFile = (version: number): string => `${version}.targets.json`;
export const targetFile = (hashHex: string, name: string): string => `${TARGETS_DIR}/${hashHex}.${name}`;

/** Hash algorithms we list for every target; every listed one gets its own file (go-tuf picks one at random). */
export const TARGET_HASH_ALGORITHMS = ['sha256', 'sha512'] as const;

/**
 * Target names are flat and plain: letters, digits, `.`, `_`, `-`, starting with
 * a letter or digit. Every Sigstore target name fits (§10.4), and names that never
 * need URL encoding or a directory cannot escape the repository on any server.
 */
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function assertTargetName(name: string): void {
  if (!TARGET_NAME.test(name) || name.includes('..'))
    throw new TufError('INVALID_INPUT', `target name "${name}" is not allowed: use letters, digits, ".", "_", "-" (no "/" and no "..")`);
}
