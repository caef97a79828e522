import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peer } from './peers.js';
import { runOk } from './run.js';

/**
 * Pushes a one-layer image (a tar holding one small file, on crane's empty base, so
 * nothing is pulled from the network) as `<host>/<repo>:<tag>` and returns its
 * digest reference `<host>/<repo>@sha256:...`.
 */
export async function pushTestImage(host: string, repo: string, tag: string, dir: string, env: Record<string, string | undefined>, content = `hello from ${repo}:${tag}\n`): Promise<string> {
  const src = join(dir, `layer-${tag}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'hello.txt'), content);
  const tar = join(dir, `layer-${tag}.tar`);
  await runOk('tar', ['-cf', tar, '-C', src, 'hello.txt']);
  const ref = `${host}/${repo}:${tag}`;
  await runOk(peer('crane'), ['append', '--new_layer', tar, '--new_tag', ref], { env });
  const digest = (await runOk(peer('crane'), ['digest', ref], { env })).stdout.trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`crane digest printed ${JSON.stringify(digest)}`);
  return `${host}/${repo}@${digest}`;
}
