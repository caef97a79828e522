import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TufError } from '../errors.js';

/** Writes a new file and fsyncs it, so that a rename of it publishes complete bytes. */
export function writeDurable(path: string, bytes: Uint8Array, mode = 0o644): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'w', mode);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw new TufError('IO_FAILED', `cannot write ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** fsyncs a directory so that renames into it survive a crash. */
export function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the renames are still atomic.
  }
}
