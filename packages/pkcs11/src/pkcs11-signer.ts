import { createHash, randomBytes, verify, type KeyObject } from 'node:crypto';
import { CoreError, digestOf, type Signer, type SigningAlgorithm } from '@sigstack/core';
import { toDerEcdsaSignature } from './ecdsa-signature.js';
import { HsmError } from './errors.js';
import { ckr, loadModule, pkcs11js, type Handle, type LoadedModule } from './pkcs11-module.js';
import { parsePkcs11Uri, redactPkcs11Uri, resolveModulePath, resolvePin, type Pkcs11Uri } from './pkcs11-uri.js';
import { CKM_EDDSA, findSlot, findTokenKey, login } from './token-key.js';

export interface Pkcs11SignerOptions {
  /** RFC 7512 URI of the private key (pkcs11-uri.ts). */
  uri: string;
  /** Refuse a key of another algorithm (HsmError KEY_TYPE). */
  algorithm?: SigningAlgorithm;
  /** Sessions in the pool: signatures in flight at once. Default DEFAULT_SESSIONS. */
  sessions?: number;
  /** Least time between two attempts to reconnect to a token that went away. Default DEFAULT_RECONNECT_INTERVAL_MS. */
  reconnectIntervalMs?: number;
  /** Where pin-source=env: and the fallback PIN/module variables are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Sessions per key. Signing runs on libuv's thread pool (C_SignAsync), whose default
 * size is 4; more sessions than threads only queue there instead of here.
 */
export const DEFAULT_SESSIONS = 4;
/** A token that went away is looked for again at most once a second: each look blocks the event loop briefly. */
export const DEFAULT_RECONNECT_INTERVAL_MS = 1000;

/** An open connection to the key: module, sessions (one login), the key's handle. */
interface Connection {
  /** The module generation the sessions belong to (LoadedModule.reinitialize). */
  generation: number;
  /** Sessions free to sign; the others are signing and come back through #release. */
  idle: Handle[];
  key: Handle;
}

/**
 * A Signer over a private key on a PKCS#11 token (an HSM; SoftHSM2 in the tests).
 *
 * - Sessions are pooled: one login, N sessions, each signing one request at a time
 *   on libuv's threads, so signing on hot paths neither serialises nor blocks the event
 *   loop. A request waits for a free session in arrival order.
 * - ECDSA: the digest is computed here and signed with CKM_ECDSA (every token has it;
 *   CKM_ECDSA_SHA384 is rarer), and r||s is re-encoded as DER. Ed25519: CKM_EDDSA.
 * - A token that goes away (removed, its module failing) fails each signature with
 *   CoreError SIGNER_UNAVAILABLE, which the front ends answer with 503 + Retry-After;
 *   every later signature first tries to reconnect (at most once per
 *   reconnectIntervalMs), and signs again only with the same key: the public key
 *   found on reconnect must equal the one found at open. There is never a fallback.
 */
export class Pkcs11Signer implements Signer {
  readonly algorithm: SigningAlgorithm;
  readonly publicKey: KeyObject;
  readonly publicKeyDer: Buffer;
  /** The URI, PIN value redacted, for logs. */
  readonly uri: string;
  readonly #module: LoadedModule;
  readonly #u: Pkcs11Uri;
  readonly #pin: string;
  readonly #size: number;
  readonly #reconnectMs: number;
  readonly #digest: 'sha256' | 'sha384' | null;
  #conn: Connection | undefined;
  #lastAttempt = 0;
  #lastFailure = '';
  #waiting: ((s: Handle | Error) => void)[] = [];
  /** Sessions taken for a signature and not yet given back. */
  #busy = 0;
  #closed = false;

  private constructor(o: { module: LoadedModule; u: Pkcs11Uri; uri: string; pin: string; size: number; reconnectMs: number; conn: Connection; algorithm: SigningAlgorithm; publicKey: KeyObject; publicKeyDer: Buffer }) {
    this.#module = o.module;
    this.#u = o.u;
    this.uri = o.uri;
    this.#pin = o.pin;
    this.#size = o.size;
    this.#reconnectMs = o.reconnectMs;
    this.#conn = o.conn;
    this.algorithm = o.algorithm;
    this.publicKey = o.publicKey;
    this.publicKeyDer = o.publicKeyDer;
    this.#digest = digestOf(o.algorithm);
  }

  /**
   * Opens the key the URI names and checks it: the PIN is right, exactly one private
   * key matches, it is of a type we sign with (and `algorithm`, if given), and its
   * public key object verifies a probe signed with it. Each failure is an HsmError
   * naming the problem, so a misconfigured stack refuses to start.
   */
  static async open(opts: Pkcs11SignerOptions): Promise<Pkcs11Signer> {
    const u = parsePkcs11Uri(opts.uri);
    const env = opts.env ?? process.env;
    const pin = resolvePin(u, env);
    const module = loadModule(resolveModulePath(u, env));
    const size = opts.sessions ?? DEFAULT_SESSIONS;
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new HsmError('INVALID_URI', `sessions must be 1..256, got ${size}`);
    let signer: Pkcs11Signer | undefined;
    try {
      const { conn, info } = connect(module, u, pin, size);
      if (opts.algorithm && opts.algorithm !== info.algorithm) {
        closeIdle(module, conn);
        throw new HsmError('KEY_TYPE', `key ${redactPkcs11Uri(opts.uri)} is ${info.algorithm}, expected ${opts.algorithm}`);
      }
      signer = new Pkcs11Signer({ module, u, uri: redactPkcs11Uri(opts.uri), pin, size, reconnectMs: opts.reconnectIntervalMs ?? DEFAULT_RECONNECT_INTERVAL_MS, conn, ...info });
      const probe = randomBytes(32);
      let sig: Buffer;
      try {
        sig = await signer.sign(probe);
      } catch (cause) {
        throw new HsmError('TOKEN_ERROR', `key ${signer.uri} cannot sign: ${(cause as Error).message}`, { cause });
      }
      if (!verify(signer.#digest, probe, signer.publicKey, sig))
        throw new HsmError('KEY_MISMATCH', `key ${signer.uri}: the public key object on the token does not verify the private key's signature`);
      return signer;
    } catch (e) {
      if (signer) signer.close();
      else module.release();
      // Every refusal names the key (a stack opens several, often on one token).
      const name = opts.uri.split('?')[0]!;
      if (e instanceof HsmError) throw e.message.includes(name) ? e : new HsmError(e.code, `HSM key ${name}: ${e.message}`, { cause: e });
      throw new HsmError('TOKEN_ERROR', `HSM key ${name}: ${(e as Error).message}`, { cause: e });
    }
  }

  async sign(data: Uint8Array): Promise<Buffer> {
    return this.#sign(this.#digest ? createHash(this.#digest).update(data).digest() : Buffer.from(data));
  }

  /**
   * An ECDSA signature (DER) over a digest computed by the caller: a client streams a
   * large file through the hash and sends only the digest to the token. The digest
   * need not be the algorithm's own (cosign signs SHA-256 with every ECDSA key);
   * Ed25519 signs whole messages and is refused (HsmError KEY_TYPE).
   */
  async signDigest(digest: Uint8Array): Promise<Buffer> {
    if (!this.#digest) throw new HsmError('KEY_TYPE', `key ${this.uri} is ed25519: it signs whole messages, not digests`);
    return this.#sign(Buffer.from(digest));
  }

  async #sign(input: Buffer): Promise<Buffer> {
    const { CKM_ECDSA } = pkcs11js();
    const conn = this.#connection();
    const session = await this.#acquire(conn);
    this.#busy++;
    let raw: Buffer;
    try {
      const p11 = this.#module.p11;
      p11.C_SignInit(session, { mechanism: this.#digest ? CKM_ECDSA : CKM_EDDSA }, conn.key);
      this.#module.inFlight++;
      try {
        raw = await p11.C_SignAsync(session, input, Buffer.alloc(132));
      } finally {
        this.#module.inFlight--;
      }
    } catch (cause) {
      // Any PKCS#11 failure while signing means the token cannot be trusted to sign
      // for now: drop the connection (once, if it still is the current one) and let
      // the next signature reconnect.
      if (ckr(cause)) this.#drop(conn, (cause as Error).message);
      this.#release(conn, session);
      if (!ckr(cause)) throw cause;
      throw new CoreError('SIGNER_UNAVAILABLE', `the HSM key ${this.uri} cannot sign: ${(cause as Error).message}`, { cause });
    }
    this.#release(conn, session);
    return this.#digest ? toDerEcdsaSignature(raw) : raw;
  }

  /**
   * Closes the sessions and releases the module (finalised with its last key). A
   * signature still running keeps its session, and the module, until it ends.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#conn && this.#conn.generation === this.#module.generation) closeIdle(this.#module, this.#conn);
    this.#conn = undefined;
    this.#rejectWaiting(`the HSM key ${this.uri} is closed`);
    if (this.#busy === 0) this.#module.release();
  }

  /** The current connection, reconnecting first if the token went away (SIGNER_UNAVAILABLE if it still is). */
  #connection(): Connection {
    if (this.#closed) throw new CoreError('SIGNER_UNAVAILABLE', `the HSM key ${this.uri} is closed`);
    if (this.#conn && this.#conn.generation !== this.#module.generation) {
      // Another key re-initialised the module: these sessions are gone (and their
      // handles may be reused by new sessions, so they are forgotten, not closed).
      this.#conn = undefined;
      this.#lastAttempt = 0;
      this.#rejectWaiting(`the HSM key ${this.uri} lost its sessions: the module was re-initialised`);
    }
    if (this.#conn) return this.#conn;
    const now = Date.now();
    if (now - this.#lastAttempt < this.#reconnectMs) throw new CoreError('SIGNER_UNAVAILABLE', `the HSM key ${this.uri} is unavailable: ${this.#lastFailure}`);
    this.#lastAttempt = now;
    try {
      let c;
      try {
        c = connect(this.#module, this.#u, this.#pin, this.#size);
      } catch (e) {
        // The token may be back where the module no longer looks (SoftHSM keeps a
        // vanished token invalid): initialise the module again and look once more.
        if (!(e instanceof HsmError && (e.code === 'TOKEN_NOT_FOUND' || e.code === 'TOKEN_ERROR')) || !this.#module.reinitialize()) throw e;
        c = connect(this.#module, this.#u, this.#pin, this.#size);
      }
      const { conn, info } = c;
      if (!info.publicKeyDer.equals(this.publicKeyDer)) {
        closeIdle(this.#module, conn);
        throw new Error('the key found on the token is not the key this service started with');
      }
      this.#conn = conn;
      return conn;
    } catch (cause) {
      this.#lastFailure = (cause as Error).message;
      throw new CoreError('SIGNER_UNAVAILABLE', `the HSM key ${this.uri} is unavailable: ${this.#lastFailure}`, { cause });
    }
  }

  #acquire(conn: Connection): Promise<Handle> {
    const s = conn.idle.pop();
    if (s) return Promise.resolve(s);
    return new Promise((resolve, reject) => this.#waiting.push((r) => (r instanceof Error ? reject(r) : resolve(r))));
  }

  #release(conn: Connection, session: Handle): void {
    this.#busy--;
    if (conn !== this.#conn) {
      // A dropped or closed connection: its busy sessions are closed as they come back
      // (never under a signature running on another thread); a re-initialised module's
      // are forgotten.
      if (conn.generation === this.#module.generation) closeSession(this.#module, session);
      if (this.#closed && this.#busy === 0) this.#module.release();
      return;
    }
    const next = this.#waiting.shift();
    if (next) next(session);
    else conn.idle.push(session);
  }

  #drop(conn: Connection, why: string): void {
    if (conn !== this.#conn) return;
    this.#conn = undefined;
    this.#lastFailure = why;
    this.#lastAttempt = 0; // the next signature may try at once
    if (conn.generation === this.#module.generation) closeIdle(this.#module, conn);
    this.#rejectWaiting(`the HSM key ${this.uri} is unavailable: ${why}`);
  }

  #rejectWaiting(message: string): void {
    const err = new CoreError('SIGNER_UNAVAILABLE', message);
    for (const w of this.#waiting.splice(0)) w(err);
  }
}

/** Opens `size` sessions on the URI's token, logs in once and finds the key. */
function connect(m: LoadedModule, u: Pkcs11Uri, pin: string, size: number) {
  const { CKF_SERIAL_SESSION } = pkcs11js();
  const slot = findSlot(m, u);
  const sessions: Handle[] = [];
  const conn: Connection = { generation: m.generation, idle: sessions, key: Buffer.alloc(0) };
  try {
    for (let i = 0; i < size; i++) sessions.push(openSession(m, slot, CKF_SERIAL_SESSION));
    login(m, slot, sessions[0]!, pin);
    const info = findTokenKey(m, sessions[0]!, u);
    conn.key = info.privateKey;
    return { conn, info: { algorithm: info.algorithm, publicKey: info.publicKey, publicKeyDer: info.publicKeyDer } };
  } catch (e) {
    closeIdle(m, conn);
    throw e;
  }
}

export function openSession(m: LoadedModule, slot: Handle, flags: number): Handle {
  try {
    return m.p11.C_OpenSession(slot, flags);
  } catch (cause) {
    throw new HsmError('TOKEN_ERROR', `cannot open a session: ${(cause as Error).message}`, { cause });
  }
}

/** Closes the sessions no signature is using (the others close as they come back). */
function closeIdle(m: LoadedModule, conn: Connection): void {
  for (const s of conn.idle.splice(0)) closeSession(m, s);
}

function closeSession(m: LoadedModule, s: Handle): void {
  try {
    m.p11.C_CloseSession(s);
  } catch {
    // a session of a token that went away is gone with it
  }
}
