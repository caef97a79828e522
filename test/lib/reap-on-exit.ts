import type { ChildProcess } from 'node:child_process';

// Processes this test file started. If the file dies before its teardowns run (tap's
// timeout, an uncaught error), they are SIGKILLed on exit so no stack, registry or
// client outlives the test. Teardowns still stop them cleanly in the normal case.
const live = new Set<ChildProcess>();
let hooked = false;

/** Registers a child to be SIGKILLed if this process exits while it still runs. */
export function reapOnExit(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  return child;
}
