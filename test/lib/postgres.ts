import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { PEERS_DIR } from './peers.js';
import { reapOnExit } from './reap-on-exit.js';
import type { Teardown } from './temp-dir.js';

/** The PostgreSQL major version scripts/install-postgres.sh fetches (Debian bookworm's). */
export const PG_MAJOR = 15;
/** Where scripts/install-postgres.sh unpacked the server (a Debian `usr` tree). */
export const POSTGRES_ROOT = join(PEERS_DIR, 'postgres');

/** A throwaway PostgreSQL cluster: its own data dir, a loopback port and a unix socket in a temp dir. */
export interface PostgresCluster {
  /** The directory of the unix socket (`host` for libpq and node-postgres). */
  socketDir: string;
  /** TCP port on 127.0.0.1 (the socket file is named after it too). */
  port: number;
  /** The superuser (trust authentication: the cluster is reachable only from this machine). */
  user: string;
  /** The database created for the test. */
  database: string;
  /** node-postgres `ClientConfig` / `PoolConfig` for the test database over the unix socket. */
  clientConfig: { host: string; port: number; user: string; database: string };
  /** The same over TCP, as a URL (`postgres://user@127.0.0.1:port/db`). */
  url: string;
  /** Runs SQL through psql (for a test's setup or checks); returns psql's unaligned output. */
  psql(sql: string): string;
  /** Creates one more database in the cluster. */
  createDatabase(name: string): void;
  /**
   * Ends a client or pool before the server stops (tap runs teardowns in the order
   * they were registered, so a teardown of the test's own would run too late: the
   * server's fast shutdown would kill the connections under the client). Returns it.
   */
  adopt<C extends { end(): Promise<unknown> }>(client: C): C;
  /** Fast shutdown (SIGINT) and removal of the data; also done at teardown. */
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL cluster for one test: initdb in a fresh temp dir, the server on
 * a free loopback port with its unix socket in that dir, one database created; the
 * server is stopped and the dir removed at teardown (and SIGKILLed if the test process
 * dies first). The server refuses to run as root: under root (CI containers) it runs
 * as `nobody`, from a root-owned copy of the binaries outside $HOME.
 *
 * Durability settings are relaxed (fsync off): the cluster is thrown away, and what
 * the tests check is our SQL and our transactions, not PostgreSQL's WAL.
 */
export async function startPostgres(t: Teardown, opts: { database?: string } = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'sigstack-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(sock, { mode: 0o700 });
  if (asRoot) {
    // `nobody` must traverse the temp dir and own the data and socket dirs.
    chmodSync(dir, 0o711);
    chownSync(data, NOBODY, NOBODY);
    chownSync(sock, NOBODY, NOBODY);
  }
  const as = (exe: string, args: string[]): [string, string[]] =>
    asRoot ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', join(bin, exe), ...args]] : [join(bin, exe), args];
  const user = 'sigstack';
  const [initCmd, initArgs] = as('initdb', ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  try {
    execFileSync(initCmd, initArgs, { stdio: 'pipe', cwd: dir });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`);
  }
  const port = await freePort();
  const [cmd, args] = as('postgres', [
    '-D', data, '-p', String(port), '-k', sock,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'jit=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=40',
    '-c', 'unix_socket_permissions=0700',
  ]);
  const child = reapOnExit(spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir }));
  let stopped = false;
  const clients: { end(): Promise<unknown> }[] = [];
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.allSettled(clients.splice(0).map((c) => c.end()));
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  t.teardown(stop);
  await waitReady(child);

  const env = { ...process.env, LD_LIBRARY_PATH: join(POSTGRES_ROOT, 'usr', 'lib', 'x86_64-linux-gnu') };
  const client = (exe: string, a: string[]) =>
    execFileSync(join(bin, exe), ['-h', sock, '-p', String(port), '-U', user, ...a], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const database = opts.database ?? 'sigstack_test';
  const createDatabase = (name: string) => void client('createdb', [name]);
  createDatabase(database);
  return {
    socketDir: sock,
    port,
    user,
    database,
    clientConfig: { host: sock, port, user, database },
    url: `postgres://${user}@127.0.0.1:${port}/${database}`,
    psql: (sql) => client('psql', ['-d', database, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql]),
    createDatabase,
    adopt: (c) => {
      clients.push(c);
      // A pool's idle connection that the shutdown terminates emits 'error' on the pool
      // (an unhandled one would kill the test process); before the stop it is a real error.
      (c as unknown as Partial<NodeJS.EventEmitter>).on?.('error', (e: Error) => {
        if (!stopped) throw e;
      });
      return c;
    },
    stop,
  };
}

const NOBODY = 65534;

/** The server's bin dir: the cache itself, or (as root) a root-owned copy that `nobody` can read. */
function postgresBinDir(): string {
  const rel = join('usr', 'lib', 'postgresql', String(PG_MAJOR), 'bin');
  const cached = join(POSTGRES_ROOT, rel);
  if (!existsSync(join(cached, 'postgres'))) throw new Error(`PostgreSQL is not installed: run scripts/install-postgres.sh (looked in ${cached})`);
  if (process.getuid?.() !== 0) return cached;
  // $HOME (/root) is private, so `nobody` cannot execute the cached binaries. Copy the
  // `usr` tree once per unpacked version (the server finds its lib and share dirs
  // relative to its own path) to a root-owned, not group/world-writable directory.
  const stamp = Math.floor(statSync(join(cached, 'postgres')).mtimeMs);
  const runtime = join(tmpdir(), `sigstack-postgres-${PG_MAJOR}-${stamp}`);
  if (!existsSync(join(runtime, rel, 'postgres'))) {
    const staging = mkdtempSync(join(tmpdir(), 'sigstack-postgres-copy-'));
    cpSync(join(POSTGRES_ROOT, 'usr'), join(staging, 'usr'), { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, runtime);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another test file made it first
    }
  }
  const st = statSync(runtime);
  if (st.uid !== 0 || (st.mode & 0o022) !== 0) throw new Error(`${runtime} is not a root-owned, write-protected copy of PostgreSQL: remove it`);
  return join(runtime, rel);
}

/** Resolves when the server logs that it accepts connections; rejects if it exits first. */
function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`PostgreSQL did not start within 60 s:\n${log}`)), 60_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      if (log.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        // From now on the server's log is drained unread (a full pipe would block it).
        child.stderr!.off('data', onData);
        child.stderr!.resume();
        resolve();
      }
    };
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => fail(new Error(`PostgreSQL exited (${code ?? signal}) before it was ready:\n${log}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, disconnects clients).
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
