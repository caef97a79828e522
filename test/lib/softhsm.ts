import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEERS_DIR, peer } from './peers.js';

/** The SoftHSM2 PKCS#11 module scripts/install-softhsm.sh unpacked. */
export const SOFTHSM_MODULE = join(PEERS_DIR, 'softhsm', 'usr', 'lib', 'softhsm', 'libsofthsm2.so');

/** A SoftHSM2 token of its own: config file and token directory in a fresh temp dir. */
export interface SoftHsmToken {
  dir: string;
  /** SOFTHSM2_CONF for this token: set it in every process that opens the module. */
  conf: string;
  tokenDir: string;
  label: string;
  pin: string;
  /** A file holding the PIN (pin-source=file:...). */
  pinFile: string;
  module: string;
  /** `pkcs11:token=<label>;object=<object>?module-path=...&pin-source=file:...` */
  uri(object: string): string;
  /** Environment for a child process that uses this token. */
  env: Record<string, string>;
  remove(): void;
}

/**
 * Makes and initialises a token (softhsm2-util --init-token). SoftHSM reads
 * SOFTHSM2_CONF when the module is initialised, once per process: a test file that
 * opens the module in-process uses one token conf (set process.env.SOFTHSM2_CONF to
 * `conf` before the first open).
 */
export function createSoftHsmToken(o: { label?: string; pin?: string } = {}): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir, { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const label = o.label ?? 'sigstack';
  const pin = o.pin ?? '1234';
  const pinFile = join(dir, 'pin');
  writeFileSync(pinFile, `${pin}\n`, { mode: 0o600 });
  const env = { SOFTHSM2_CONF: conf };
  execFileSync(peer('softhsm2-util'), ['--module', SOFTHSM_MODULE, '--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '87654321'], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
  return {
    dir,
    conf,
    tokenDir,
    label,
    pin,
    pinFile,
    module: SOFTHSM_MODULE,
    uri: (object) => `pkcs11:token=${label};object=${object}?module-path=${SOFTHSM_MODULE}&pin-source=file:${pinFile}`,
    env,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
