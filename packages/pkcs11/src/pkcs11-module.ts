import { createRequire } from 'node:module';
import type * as Pkcs11Js from 'pkcs11js';
import { HsmError } from './errors.js';

export type Pkcs11Lib = typeof Pkcs11Js;
export type Handle = Buffer;

/**
 * pkcs11js, loaded on first use: the native addon costs nothing to a stack whose keys
 * are all files.
 */
let lib: Pkcs11Lib | undefined;
export function pkcs11js(): Pkcs11Lib {
  lib ??= createRequire(import.meta.url)('pkcs11js') as Pkcs11Lib;
  return lib;
}

/**
 * One loaded, initialised PKCS#11 module. A module may be C_Initialize'd only once per
 * process, and every key of the stack may sit on the same token, so modules are shared
 * by path and finalised when the last key using one is closed.
 */
export interface LoadedModule {
  readonly path: string;
  readonly p11: Pkcs11Js.PKCS11;
  /** Bumped by each reinitialize(): sessions of an older generation are gone. */
  readonly generation: number;
  /** Signatures running on libuv's threads now (reinitialize() waits for none). */
  inFlight: number;
  /**
   * The PIN each token (by slot) was logged in with. Login state is per process and
   * token, so a second key's C_Login answers CKR_USER_ALREADY_LOGGED_IN without
   * checking its PIN; the PIN is compared with this one instead.
   */
  readonly loggedIn: Map<string, string>;
  /**
   * C_Finalize + C_Initialize: the only way to see a token that went away and came
   * back with some modules (SoftHSM marks it invalid for good). Every session of the
   * module is lost; refused (false) while a signature is in flight.
   */
  reinitialize(): boolean;
  /** Drops this user's reference; the last one finalises the module. */
  release(): void;
}

interface ModuleEntry {
  p11: Pkcs11Js.PKCS11;
  refs: number;
  generation: number;
  inFlight: number;
  loggedIn: Map<string, string>;
}

const modules = new Map<string, ModuleEntry>();

export function loadModule(path: string): LoadedModule {
  let m = modules.get(path);
  if (!m) {
    const { PKCS11, CKF_OS_LOCKING_OK } = pkcs11js();
    const p11 = new PKCS11();
    try {
      p11.load(path);
    } catch (cause) {
      throw new HsmError('MODULE_UNAVAILABLE', `cannot load PKCS#11 module ${path}: ${(cause as Error).message}`, { cause });
    }
    try {
      // OS locking: sessions sign concurrently on libuv's threads (C_SignAsync).
      p11.C_Initialize({ flags: CKF_OS_LOCKING_OK });
    } catch (cause) {
      if (ckr(cause) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
        try {
          p11.close();
        } catch {
          // nothing more to undo
        }
        throw new HsmError('MODULE_UNAVAILABLE', `cannot initialise PKCS#11 module ${path}: ${(cause as Error).message}`, { cause });
      }
    }
    m = { p11, refs: 0, generation: 0, inFlight: 0, loggedIn: new Map() };
    modules.set(path, m);
  }
  m.refs++;
  const entry = m;
  let released = false;
  return {
    path,
    p11: entry.p11,
    get generation() {
      return entry.generation;
    },
    get inFlight() {
      return entry.inFlight;
    },
    set inFlight(n: number) {
      entry.inFlight = n;
    },
    loggedIn: entry.loggedIn,
    reinitialize() {
      if (entry.inFlight > 0) return false;
      try {
        entry.p11.C_Finalize();
      } catch {
        // a module whose token is gone may refuse; it is initialised again below either way
      }
      entry.generation++;
      entry.loggedIn.clear();
      try {
        entry.p11.C_Initialize({ flags: pkcs11js().CKF_OS_LOCKING_OK });
      } catch (e) {
        if (ckr(e) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') return false;
      }
      return true;
    },
    release() {
      if (released) return;
      released = true;
      if (--entry.refs > 0) return;
      modules.delete(path);
      try {
        entry.p11.C_Finalize();
        entry.p11.close();
      } catch {
        // finalising a module whose token is gone may fail; the process lets it go either way
      }
    },
  };
}

/** The CKR_ name of a pkcs11js error (its message), or undefined for anything else. */
export function ckr(e: unknown): string | undefined {
  const m = e instanceof Error ? /^(CKR_[A-Z0-9_]+)/.exec(e.message) : null;
  return m?.[1];
}
