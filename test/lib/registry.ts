import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { peer } from './peers.js';
import { reapOnExit } from './reap-on-exit.js';
import type { Teardown } from './temp-dir.js';

export interface LocalRegistry {
  /** host:port, e.g. 127.0.0.1:40123 (go-containerregistry speaks plain HTTP to 127.0.0.1 by itself). */
  host: string;
  output(): string;
}

export interface RegistryOptions {
  /** A fixed port (e.g. 5000, the one the README's commands name) instead of a free one. */
  port?: number;
}

/**
 * Starts Docker's distribution registry on 127.0.0.1:<free port> (or `opts.port`) with
 * its storage in `dir`, waits until /v2/ answers, and stops it when the test ends.
 */
export async function startRegistry(t: Teardown, dir: string, opts: RegistryOptions = {}): Promise<LocalRegistry> {
  const port = opts.port ?? (await freePort());
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: sigstack-interop-tests',
      '',
    ].join('\n'),
  );
  const child = reapOnExit(spawn(peer('registry'), ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  });
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`registry exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`registry did not answer on ${host} within 15 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, output: () => out };
}
