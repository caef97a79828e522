import { spawn, type ChildProcess } from 'node:child_process';
import { SIGSTACK_BIN } from './sigstack-cli.js';
import { reapOnExit } from './reap-on-exit.js';
import type { Teardown } from './temp-dir.js';

export interface WitnessProcess {
  url: string;
  /** Its C2SP verifier key (cosignature/v1), as the second line of its output says. */
  verifierKey: string;
  child: ChildProcess;
  /** Everything it wrote so far (stdout, then pino's JSON lines). */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
}

/**
 * Starts `sigstack witness` (the built CLI) as a real process on 127.0.0.1:`port`
 * and waits until it serves; stopped when the test ends (SIGKILLed if the file dies).
 */
export async function startWitness(t: Teardown, o: { dataDir: string; name: string; port: number; logsFile: string }): Promise<WitnessProcess> {
  const child = spawn(
    process.execPath,
    [SIGSTACK_BIN, 'witness', '--data-dir', o.dataDir, '--name', o.name, '--listen', `127.0.0.1:${o.port}`, '--logs-file', o.logsFile, '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  reapOnExit(child);
  let out = '';
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    return exited;
  };
  t.teardown(stop);
  const [url, verifierKey] = await new Promise<[string, string]>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`sigstack witness did not start within 20 s:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /sigstack witness listening on (\S+)\nverifier key: (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        res([m[1]!, m[2]!]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`sigstack witness exited with ${code} before serving:\n${out}`));
    });
  });
  return { url, verifierKey, child, output: () => out, stop };
}
