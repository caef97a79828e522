import { run, type RunOptions, type RunResult } from './run.js';

/** Output that means a client tried to leave the machine (see DEAD_PROXY in client-env.ts). */
const OUTSIDE = /proxyconnect|(rekor|fulcio|oauth2|tuf-repo-cdn|tuf-repo)\.sigstore\.dev|tuf-repo-cdn|storage\.googleapis\.com|no such host|from the TUF repository/i;

/** How long one client command may take before it is killed (cosign's own default is 3 min). */
export const CLIENT_TIMEOUT_MS = 90_000;

export class ClientError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
  }
}

function describe(cmd: string, args: string[], r: RunResult): string {
  return `${cmd.split('/').pop()} ${args.join(' ')}\nexit: ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

/**
 * Runs a real client and returns its output whatever the exit code, but throws if it
 * tried to reach anything outside the machine: every interop test must stay on loopback.
 */
export async function runClient(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, { timeoutMs: CLIENT_TIMEOUT_MS, ...opts });
  if (OUTSIDE.test(r.stdout) || OUTSIDE.test(r.stderr)) throw new ClientError(`client tried to reach the network:\n${describe(cmd, args, r)}`, r);
  return r;
}

/** Like runClient, and throws with the full output unless the client exited 0. */
export async function runClientOk(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const r = await runClient(cmd, args, opts);
  if (r.code !== 0) throw new ClientError(`client failed:\n${describe(cmd, args, r)}`, r);
  return r;
}

/** Runs a client that must fail (exit non-zero, without touching the network); returns its output. */
export async function runClientFails(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const r = await runClient(cmd, args, opts);
  if (r.code === 0) throw new ClientError(`client succeeded but was expected to fail:\n${describe(cmd, args, r)}`, r);
  return r;
}
