import { existsSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { activeGeneration, KEY_HISTORY_FILE, stageCaRotation, stageTsaRotation, STACK_PID_FILE } from '@sigstack/server';
import { fail } from './fail.js';

/** How long `rotate` waits for the running stack to adopt the new key by default. */
const DEFAULT_WAIT_SECONDS = 60;

/**
 * `sigstack tsa rotate` / `sigstack ca rotate`: one command per key. It stages the
 * new key and certificate under the existing root in the data directory (the
 * root key is needed: in the directory, or --root-key from offline storage), then
 * sends SIGHUP to the stack running on that directory (its pid file) and waits until
 * the stack has listed the new key in trusted_root.json, published it through TUF
 * and swapped signer (stack/rotate-keys.ts in @sigstack/server).
 *
 * Why a signal and not an admin endpoint: whoever can write the data directory can
 * already replace every key, and only the stack's own user (or root) may signal it;
 * an HTTP admin route would add a network-reachable way to change keys, and a
 * credential to guard. With no stack running, the next start adopts the rotation
 * before it serves.
 */
export async function rotateCommand(service: 'tsa' | 'ca', args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string', default: './.sigstack' },
      'root-key': { type: 'string' },
      'root-key-passphrase-env': { type: 'string' },
      wait: { type: 'string', default: String(DEFAULT_WAIT_SECONDS) },
    },
    strict: true,
  });
  if (!/^\d+$/.test(values.wait)) fail(`--wait: "${values.wait}" is not a number of seconds`);
  const dataDir = resolvePath(values['data-dir']);
  const env = values['root-key-passphrase-env'];
  const opts = {
    dataDir,
    ...(values['root-key'] !== undefined ? { rootKey: resolvePath(values['root-key']) } : {}),
    ...(env !== undefined ? { rootKeyPassphrase: process.env[env] ?? fail(`--root-key-passphrase-env: ${env} is not set`) } : {}),
  };
  let staged;
  try {
    staged = service === 'tsa' ? await stageTsaRotation(opts) : await stageCaRotation(opts);
  } catch (e) {
    fail(`${service} rotate: ${(e as Error).message}`);
  }
  const what = service === 'tsa' ? 'TSA leaf' : 'CA intermediate';
  process.stdout.write(`staged a new ${what} in ${staged.dir} (valid from ${new Date(staged.notBefore).toISOString()})\n`);

  const pid = runningStack(dataDir);
  if (pid === undefined) {
    process.stdout.write(`no stack is running on ${dataDir}: its next start lists the new key in trusted_root.json and signs with it\n`);
    return;
  }
  process.kill(pid, 'SIGHUP');
  const base = join(dataDir, service === 'tsa' ? 'tsa' : 'fulcio');
  const deadline = Date.now() + Number(values.wait) * 1000;
  while (activeGeneration(base) !== staged.generation) {
    if (Date.now() > deadline)
      fail(
        `the stack (pid ${pid}) has not adopted the new key within ${values.wait} s. With the ceremony's TUF repository (tuf.repositoryDir) it waits ` +
          `until trust/trusted_root.json, which lists the new key, is published through the ceremony; then signal it again (kill -HUP ${pid}). See its log.`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
  process.stdout.write(
    `the stack (pid ${pid}) signs with the new ${what}; trusted_root.json lists the old one until its end (${join(dataDir, 'trust', KEY_HISTORY_FILE)}) and was published as a new TUF targets version\n`,
  );
}

/** The pid of a `sigstack up` serving `dataDir`, if one is: its pid file, checked against a live process running sigstack. */
function runningStack(dataDir: string): number | undefined {
  const pidFile = join(dataDir, STACK_PID_FILE);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isSafeInteger(pid) || pid <= 1) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // a pid file left by a stack that died
  }
  // A pid reused by another program must not get a SIGHUP (which would end most programs).
  const cmdline = `/proc/${pid}/cmdline`;
  if (existsSync('/proc/self') && (!existsSync(cmdline) || !/sigstack/.test(readFileSync(cmdline, 'utf8')))) return undefined;
  return pid;
}
