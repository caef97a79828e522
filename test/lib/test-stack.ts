import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, type StackProcess, type StartOptions } from './stack-process.js';
import { reapOnExit } from './reap-on-exit.js';
import { tempDir, type Teardown } from './temp-dir.js';

/** How long a SIGTERM may take before the teardown SIGKILLs the stack. */
const STOP_GRACE_MS = 10_000;

export interface TestStack extends StackProcess {
  /** `<trustDir>/rekor.pub`: the log key, for SIGSTORE_REKOR_PUBLIC_KEY. */
  rekorPub: string;
  /** `<trustDir>/trusted_root.json`, for cosign 3 `--trusted-root`. */
  trustedRoot: string;
  /** `<trustDir>/fulcio_chain.pem` (intermediate, root), for SIGSTORE_ROOT_FILE. */
  fulcioChain: string;
  /** `<trustDir>/ctfe.pub`: the CT log key, for SIGSTORE_CT_LOG_PUBLIC_KEY_FILE. */
  ctfePub: string;
  /** `<trustDir>/tsa_chain.pem` (leaf first). */
  tsaChain: string;
  /** `<trustDir>/signing_config.v0.2.json`: service URLs for cosign 3 `--signing-config`. */
  signingConfig: string;
  /** `<trustDir>/root.json`: the TUF root for `cosign initialize --root`. */
  tufRoot: string;
  /** The port it listens on (to restart it on the same URL). */
  port: number;
}

/**
 * Starts `sigstack up` for one test file on a fresh data directory (or `opts.dataDir`)
 * and stops it, then removes the directory, when the test ends, pass or fail.
 */
export async function startTestStack(t: Teardown, opts: StartOptions = {}): Promise<TestStack> {
  const dataDir = opts.dataDir ?? join(tempDir(t, 'sigstack-data-'), 'data');
  const stack = await startStack({ ...opts, dataDir });
  reapOnExit(stack.child);
  t.teardown(() => stopStack(stack));
  return withPaths(stack);
}

/** SIGTERM, then SIGKILL if it does not exit within STOP_GRACE_MS. Resolves with the exit code (null if killed). */
export async function stopStack(stack: StackProcess): Promise<number | null> {
  if (stack.child.exitCode !== null || stack.child.signalCode !== null) return stack.child.exitCode;
  const timer = setTimeout(() => stack.child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    return await stack.stop();
  } finally {
    clearTimeout(timer);
  }
}

/** Removes a data directory that was not made by tempDir (e.g. after a restart test). */
export function removeDataDir(stack: StackProcess): void {
  rmSync(stack.dataDir, { recursive: true, force: true });
}

function withPaths(stack: StackProcess): TestStack {
  return Object.assign(stack, {
    rekorPub: join(stack.trustDir, 'rekor.pub'),
    trustedRoot: join(stack.trustDir, 'trusted_root.json'),
    fulcioChain: join(stack.trustDir, 'fulcio_chain.pem'),
    ctfePub: join(stack.trustDir, 'ctfe.pub'),
    tsaChain: join(stack.trustDir, 'tsa_chain.pem'),
    tufRoot: join(stack.trustDir, 'root.json'),
    signingConfig: join(stack.trustDir, 'signing_config.v0.2.json'),
    port: Number(new URL(stack.url).port),
  });
}
