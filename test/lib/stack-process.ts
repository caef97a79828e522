import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIGSTACK_BIN = join(ROOT, 'packages', 'cli', 'bin', 'sigstack.js');

export interface StackProcess {
  url: string;
  dataDir: string;
  trustDir: string;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** SIGTERM and wait for a clean exit (returns the exit code). */
  stop(): Promise<number | null>;
  /** SIGKILL, no cleanup: for crash tests. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  args?: string[];
  env?: Record<string, string>;
}

/** Starts `sigstack up` as a real process on 127.0.0.1 and waits until it serves. */
export async function startStack(opts: StartOptions = {}): Promise<StackProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sigstack-'));
  const child = spawn(
    process.execPath,
    [SIGSTACK_BIN, 'up', '--data-dir', dataDir, '--port', String(opts.port ?? 0), '--log-level', 'warn', ...(opts.args ?? [])],
    { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`sigstack did not start within 30 s:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /sigstack is up at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`sigstack exited with ${code} before serving:\n${out}`));
    });
  });
  return {
    url,
    dataDir,
    trustDir: join(dataDir, 'trust'),
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
