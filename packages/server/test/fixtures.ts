// Test helpers: a stack on a temporary data directory, and signed entries made the
// way cosign makes them (ECDSA P-256 over the artifact, hashedrekord with the digest).
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

// Signed hashedrekord entries: the rekor package's fixture (one copy).
export { hashedrekord, signArtifact, testKey, type Signed } from '../../rekor/test/hashedrekord-fixture.js';
