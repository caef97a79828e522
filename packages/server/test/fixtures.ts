// Test helpers: a stack on a temporary data directory, and signed entries made the
// way cosign makes them (ECDSA P-256 over the artifact, hashedrekord with the digest).
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openStack, resolveConfig, type ConfigOverrides, type Stack } from '../src/index.js';

/**
 * A stack on a temporary data directory, listening on a free port of 127.0.0.1 (the
 * stack answers 503 until listen() has bound identity and published trust), unless
 * `listen: false` (to watch a stack that is not ready yet).
 */
export async function tempStack(overrides: ConfigOverrides = {}, o: { listen?: boolean } = {}): Promise<{ stack: Stack; dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sigstack-test-'));
  const config = resolveConfig({ dataDir, port: 0, logLevel: 'warn', ...overrides });
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const stack = await openStack(config, { logStream: quiet });
  if (o.listen !== false) await stack.listen();
  return {
    stack,
    dataDir,
    async cleanup() {
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Signed {
  artifact: Buffer;
  digestHex: string;
  signatureB64: string;
  publicKeyPemB64: string;
  key: KeyObject;
}

export const testKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export function signArtifact(artifact: Buffer = randomBytes(64), key = testKey): Signed {
  return {
    artifact,
    digestHex: createHash('sha256').update(artifact).digest('hex'),
    signatureB64: sign('sha256', artifact, key.privateKey).toString('base64'),
    publicKeyPemB64: Buffer.from(key.publicKey.export({ type: 'spki', format: 'pem' }) as string).toString('base64'),
    key: key.privateKey,
  };
}

export function hashedrekord(s: Signed): Record<string, unknown> {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: s.digestHex } },
      signature: { content: s.signatureB64, publicKey: { content: s.publicKeyPemB64 } },
    },
  };
}
