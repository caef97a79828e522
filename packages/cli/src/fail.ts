/** A usage error of the stack's commands: one line on stderr, exit status 2. */
export function fail(message: string): never {
  process.stderr.write(`sigstack: ${message}\n`);
  process.exit(2);
}
