import { isSigstackError } from '@sigstack/core';

/**
 * Input and output conventions of the client verbs, as cosign has them: status and
 * progress on stderr, the result on stdout, exit 1 on any failure with one line
 * naming what failed (never a stack trace for an expected failure).
 */

/** A status line on stderr. */
export function status(message: string): void {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
}

/** The result on stdout. */
export function result(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** Thrown by `usage()`: wrong flags, printed with the verb's usage hint. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function usage(message: string): never {
  throw new UsageError(message);
}

/**
 * Runs one client verb: a coded error (ClientError, CoreError, ...) or a usage error
 * becomes "Error: <message>" on stderr and exit status 1, as cosign does. Anything
 * else is a bug: it is printed with its stack, still exit 1.
 */
export async function runVerb(fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (isSigstackError(e) || e instanceof UsageError) {
      process.stderr.write(`Error: ${e.message}\n`);
    } else if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`Error: ${e.message}\n`);
    } else if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`Error: ${e.message}\n`);
    } else {
      process.stderr.write(`Error: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    process.exitCode = 1;
  }
}

/**
 * The password for an encrypted private key, as cosign reads it: COSIGN_PASSWORD if
 * set (even empty), else a prompt on the terminal (typed characters not echoed; twice
 * with `confirm`), else all of standard input, byte for byte.
 */
export async function readPassword(opts: { confirm?: boolean; prompt?: string } = {}): Promise<string> {
  const env = process.env['COSIGN_PASSWORD'];
  if (env !== undefined) return env;
  if (process.stdin.isTTY) {
    const first = await promptHidden(opts.prompt ?? 'Enter password for private key: ');
    if (opts.confirm) {
      const second = await promptHidden('Enter password for private key again: ');
      if (first !== second) usage('passwords do not match');
    }
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  // All of it, as cosign reads it: `echo pw |` makes "pw\n" the password on both sides.
  return Buffer.concat(chunks).toString('utf8');
}

/** A hidden prompt on the terminal (a token PIN, as cosign asks for it), or undefined with no terminal to ask on. */
export function terminalPrompt(): ((prompt: string) => Promise<string>) | undefined {
  return process.stdin.isTTY ? promptHidden : undefined;
}

async function promptHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            return resolve(value);
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            return reject(new UsageError('interrupted'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

