// The Rekor v1 plugin alone on a Fastify app (rekorRoutes over openRekor on a temporary
// database): what the route tests inject into, without the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createEphemeralSigner } from '@sigstack/core';
import { openRekor, rekorRoutes } from '../src/index.js';

/** Opens the app; it is closed and its database removed at `t`'s teardown. */
export async function openV1App(t: { teardown(f: () => Promise<void>): void }): Promise<FastifyInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-rekor-v1-'));
  const rekor = await openRekor({ path: join(dir, 'log.db'), signer: createEphemeralSigner('ecdsa-p256-sha256'), hostname: 'log.example.test', maxBatchWaitMs: 0, workers: 0 });
  const app = Fastify();
  await app.register(rekorRoutes, { rekor: rekor.service });
  t.teardown(async () => {
    await app.close();
    await rekor.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return app;
}
