import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WriteFileOnceOptions {
  /** Permission bits of the new file, applied at creation (so a key is never readable by others, not even briefly). */
  mode: number;
}

/**
 * Writes `content` to `path` complete or not at all, and never over a file that
 * appeared meanwhile (another process starting at the same time): the content goes to
 * a fresh temporary file (O_EXCL, `mode` from the start), is fsynced, and is
 * hard-linked into place, which fails rather than replaces; then the directory is
 * fsynced so the new name survives a crash.
 *
 * Returns true if this call created the file, false if one already existed (EEXIST:
 * someone else won; the caller reads theirs, which is complete by the same argument).
 *
 * Crash consequences: before the link there is no file at `path` (at most a stray
 * `*.tmp` beside it), so the next start writes it again; after the link the file is
 * complete. A reader never sees a partial file.
 *
 * On file systems without hard links (EPERM/ENOTSUP/ENOSYS/EOPNOTSUPP) it falls back
 * to rename after checking that `path` is absent, which narrows but cannot close the
 * window in which a racing writer's file could be replaced.
 */
export function writeFileOnce(path: string, content: string | Uint8Array, opts: WriteFileOnceOptions): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSynced(tmp, content, opts.mode, 'wx');
    try {
      linkSync(tmp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
      if (existsSync(path)) return false;
      renameSync(tmp, path);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncDirectory(dirname(path));
  return true;
}

/**
 * Replaces `path` with `content` atomically: written to a fresh temporary file beside it
 * (O_EXCL, `mode`), fsynced, renamed over `path`, then the directory fsynced. Creates
 * the parent directory if needed.
 *
 * Crash consequences: before the rename `path` holds the old content (at most a stray
 * `*.tmp` beside it); after it, the new content, complete. A reader never sees a
 * partial file. Unlike writeFileOnce, the last writer wins.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, opts: { mode?: number } = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSynced(tmp, content, opts.mode ?? 0o644, 'wx');
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncDirectory(dirname(path));
}

/**
 * Writes `content` to `path` (created or truncated) and fsyncs it, so that a later
 * rename of `path` publishes complete bytes. For callers that stage several files
 * and rename them in an order of their own (the TUF repository).
 */
export function writeFileSynced(path: string, content: string | Uint8Array, mode = 0o644, flags: 'w' | 'wx' = 'w'): void {
  const fd = openSync(path, flags, mode);
  try {
    writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** writeSync may write less than asked (large buffers, some file systems): loop until all is written. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
}

/**
 * fsyncs a directory so that a new entry in it survives a crash. Best effort: not
 * every platform can open or fsync a directory (Windows), and there the entry is as
 * durable as the platform makes it.
 */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
