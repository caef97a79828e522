import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createEphemeralSigner, type Signer, type SigningAlgorithm } from '@sigstack/core';
import { Updater } from 'tuf-js';
import {
  createRootMetadata,
  createSnapshotMetadata,
  createTargetsMetadata,
  createTimestampMetadata,
  publishRepository,
  signMetadata,
  toMetadataBytes,
  toTufKey,
  tufRoutes,
  type RepositoryState,
  type TargetInput,
} from '../src/index.js';

export const DAY = 24 * 60 * 60 * 1000;

export const tmp = (name = 'tuf-test-'): string => mkdtempSync(join(tmpdir(), name));

export const TRUSTED_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

export const sampleTargets = (): Record<string, TargetInput> => ({
  'trusted_root.json': { bytes: Buffer.from(JSON.stringify(TRUSTED_ROOT)) },
  'rekor.pub': { bytes: Buffer.from('-----BEGIN PUBLIC KEY-----\nnot really\n-----END PUBLIC KEY-----\n'), custom: { sigstore: { usage: 'Rekor', status: 'Active', uri: 'http://127.0.0.1' } } },
});

export interface TestKeys {
  root: Signer;
  targets: Signer;
  online: Signer;
}

/**
 * Ed25519 by default: the python-tuf on this machine runs on Debian bookworm's
 * python3-cryptography 38, too old for securesystemslib 1.4 (no PublicKeyTypes), so
 * it verifies only Ed25519 (securesystemslib's vendored pure-python code).
 */
export const newKeys = (alg: SigningAlgorithm = 'ed25519'): TestKeys => ({ root: createEphemeralSigner(alg), targets: createEphemeralSigner(alg), online: createEphemeralSigner(alg) });

/** Whether the python client can verify ECDSA here (needs pyca/cryptography ≥ 40). */
export function pythonHasEcdsa(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes'], { env: { ...process.env, PYTHONPATH: PYTHON_PATH } });
  return r.status === 0;
}

/** A 1-of-1 repository at time `now`, published into `dir`. */
export async function buildRepository(dir: string, keys: TestKeys, now: number, opts: { timestampExpiry?: number; targets?: Record<string, TargetInput> } = {}): Promise<RepositoryState> {
  const targetInputs = opts.targets ?? sampleTargets();
  const root = createRootMetadata({
    version: 1,
    expires: now + 365 * DAY,
    roles: {
      root: { keys: [toTufKey(keys.root.publicKey)], threshold: 1 },
      targets: { keys: [toTufKey(keys.targets.publicKey)], threshold: 1 },
      snapshot: { keys: [toTufKey(keys.online.publicKey)], threshold: 1 },
      timestamp: { keys: [toTufKey(keys.online.publicKey)], threshold: 1 },
    },
  });
  await signMetadata(root, keys.root);
  const targets = createTargetsMetadata(1, now + 90 * DAY, targetInputs);
  await signMetadata(targets, keys.targets);
  const snapshot = createSnapshotMetadata(1, now + 7 * DAY, 1);
  await signMetadata(snapshot, keys.online);
  const timestamp = createTimestampMetadata(1, now + (opts.timestampExpiry ?? DAY), 1);
  await signMetadata(timestamp, keys.online);
  const state = { roots: [root], targets, snapshot, timestamp };
  publishRepository(dir, state, { now, targetFiles: new Map(Object.entries(targetInputs).map(([n, t]) => [n, t.bytes])) });
  return state;
}

/** Serves `dir` on 127.0.0.1 (ephemeral port) under /tuf; returns the mirror URL. */
export async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify();
  await app.register(tufRoutes, { dir });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}/tuf`, close: () => app.close() };
}

/** A client cache, initialised with a trusted root. */
export function clientDir(rootBytes: Uint8Array): { metadataDir: string; targetDir: string } {
  const base = tmp('tuf-client-');
  const metadataDir = join(base, 'metadata');
  const targetDir = join(base, 'targets');
  mkdirSync(metadataDir);
  mkdirSync(targetDir);
  writeFileSync(join(metadataDir, 'root.json'), rootBytes);
  return { metadataDir, targetDir };
}

/** tuf-js (what sigstore-js runs): refresh, then download `name`; returns its bytes. */
export async function tufJsFetch(url: string, c: { metadataDir: string; targetDir: string }, name: string): Promise<Buffer> {
  const updater = new Updater({ metadataDir: c.metadataDir, metadataBaseUrl: url, targetDir: c.targetDir, targetBaseUrl: `${url}/targets` });
  await updater.refresh();
  const info = await updater.getTargetInfo(name);
  if (!info) throw new Error(`tuf-js: no target ${name}`);
  const path = (await updater.findCachedTarget(info)) ?? (await updater.downloadTarget(info));
  return readFileSync(path);
}

export const PYTHON_PATH = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'sigstack-peers/root/python/usr/lib/python3/dist-packages');
export const pythonClientInstalled = (): boolean => existsSync(join(PYTHON_PATH, 'tuf/ngclient/updater.py')) && existsSync('/usr/bin/python3');
const SCRIPT = fileURLToPath(new URL('./fixtures/python-client.py', import.meta.url));

/** The python reference client: refresh, then download `name`; returns its bytes or rejects with its stderr. */
export function pythonFetch(url: string, c: { metadataDir: string; targetDir: string }, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [SCRIPT, c.metadataDir, url, c.targetDir, name], { env: { ...process.env, PYTHONPATH: PYTHON_PATH }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`python-tuf failed: ${stderr.trim().split('\n').slice(-1)[0] ?? err.message}`));
      else resolve(readFileSync(stdout));
    });
  });
}

export const cachedRootVersion = (c: { metadataDir: string }): number => (JSON.parse(readFileSync(join(c.metadataDir, 'root.json'), 'utf8')) as { signed: { version: number } }).signed.version;

export { toMetadataBytes };
