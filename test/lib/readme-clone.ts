// A fresh clone of the working tree, and the README's first-start command run in it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Teardown } from './temp-dir.js';

/**
 * Copies what a fresh `git clone` of the working tree would check out (tracked files and
 * untracked ones git would add; nothing ignored: no node_modules, dist, .sigstack) into
 * `dest`. The working tree rather than HEAD, so uncommitted README edits are what runs;
 * in CI, on a clean checkout, the two are the same.
 */
export function copyWorkingTree(repo: string, dest: string): void {
  const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
  if (ls.status !== 0) throw new Error(`git ls-files failed in ${repo}: ${ls.stderr}`);
  for (const f of ls.stdout.split('\0')) {
    if (!f || !existsSync(join(repo, f)) || lstatSync(join(repo, f)).isDirectory()) continue; // deleted in the tree, or a submodule
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    cpSync(join(repo, f), join(dest, f), { preserveTimestamps: true, verbatimSymlinks: true });
  }
}

/** The caller's environment without what a package manager run adds (npm_*), so a command
 * behaves as in a reader's terminal. */
export function terminalEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export interface Foreground {
  child: ChildProcess;
  /** Everything it printed so far (the last 200 KB). */
  output(): string;
}

/**
 * Runs `command` with bash in `cwd` as a process group (a reader's "other terminal") until
 * its output matches `ready`; the group gets SIGTERM when the test ends (SIGKILL after
 * 10 s, and on an early exit of the test process).
 */
export async function startInOtherTerminal(t: Teardown, command: string, o: { cwd: string; env: Record<string, string | undefined>; ready: RegExp; timeoutMs: number }): Promise<Foreground> {
  const child = spawn('bash', ['--norc', '--noprofile', '-c', command], { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (d: Buffer) => (out = (out + d.toString()).slice(-200_000));
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const group = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  const reap = () => group('SIGKILL');
  process.once('exit', reap);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  t.teardown(async () => {
    process.off('exit', reap);
    if (child.exitCode !== null || child.signalCode !== null) return group('SIGKILL'); // stragglers
    group('SIGTERM');
    const timer = setTimeout(() => group('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`"${command}" did not print ${o.ready} within ${o.timeoutMs / 1000} s:\n${out.slice(-5000)}`)), o.timeoutMs);
    const check = () => {
      if (o.ready.test(out)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        res();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`"${command}" exited ${code} before it was ready:\n${out.slice(-5000)}`));
    });
  });
  return { child, output: () => out };
}
