import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The built `sigstack` command, run with node (tests build first: pnpm -s build). */
export const SIGSTACK_BIN = join(fileURLToPath(new URL('../..', import.meta.url)), 'packages/cli/bin/sigstack.js');

/** argv for running the built sigstack CLI through run()/runClient(): [node, [bin, ...args]]. */
export function sigstack(args: string[]): [string, string[]] {
  return [process.execPath, [SIGSTACK_BIN, ...args]];
}
