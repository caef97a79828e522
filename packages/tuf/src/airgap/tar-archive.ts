import { TufError } from '../errors.js';

/**
 * A deliberately small POSIX ustar (IEEE 1003.1-1988) writer and reader for the
 * air-gap trust bundle: regular files only, flat short names, no links, no PAX.
 * Any `tar` reads what we write (`tar tvf bundle.tar`); we read back only what we
 * would write, and refuse everything else, so a hostile archive cannot smuggle a
 * link, a device, an absolute path or a `..` into the importer.
 *
 * Deterministic: entries in the order given, mtime 0, mode 0644, uid/gid 0, no
 * user names. The same repository state gives the same bytes.
 *
 *   header (512 bytes): name[100] mode[8] uid[8] gid[8] size[12] mtime[12] chksum[8]
 *   typeflag[1] linkname[100] magic[6]="ustar\0" version[2]="00" uname[32] gname[32]
 *   devmajor[8] devminor[8] prefix[155] pad[12]; then the data padded to 512;
 *   the archive ends with two zero blocks.
 */
const BLOCK = 512;
/** Names we write and accept: relative, plain characters, at most 100 bytes (no ustar prefix field). */
export const ARCHIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
/** Largest archive the reader looks at; trust material is kilobytes. */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;

export interface ArchiveEntry {
  name: string;
  bytes: Uint8Array;
}

function assertName(name: string): void {
  if (!ARCHIVE_NAME.test(name) || name.includes('..') || Buffer.byteLength(name) > 100)
    throw new TufError('BAD_ARCHIVE', `archive entry name "${name.slice(0, 120)}" is not allowed (plain relative names of at most 100 characters)`);
}

function octal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, width, 'ascii');
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

/** One archive of `entries`, in order. Throws BAD_ARCHIVE for a name we would refuse to read. */
export function toTarBytes(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  const seen = new Set<string>();
  for (const { name, bytes } of entries) {
    assertName(name);
    if (seen.has(name)) throw new TufError('BAD_ARCHIVE', `archive entry ${name} given twice`);
    seen.add(name);
    const h = Buffer.alloc(BLOCK);
    h.write(name, 0, 100, 'utf8');
    octal(h, 100, 8, 0o644);
    octal(h, 108, 8, 0);
    octal(h, 116, 8, 0);
    octal(h, 124, 12, bytes.length);
    octal(h, 136, 12, 0);
    h.write('0', 156, 1, 'ascii');
    h.write('ustar\u000000', 257, 8, 'binary');
    h.write(checksum(h).toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    parts.push(h, Buffer.from(bytes), Buffer.alloc((BLOCK - (bytes.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function readOctal(h: Buffer, offset: number, width: number, what: string, at: number): number {
  const text = h.toString('ascii', offset, offset + width).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]{1,11}$/.test(text)) throw new TufError('BAD_ARCHIVE', `archive header at byte ${at}: ${what} is not an octal number`);
  return parseInt(text, 8);
}

/**
 * The entries of an archive written by toTarBytes (or any ustar/GNU tar holding only
 * regular files with short names). BAD_ARCHIVE for: a bad header checksum, a link or
 * any other non-file entry, a name outside ARCHIVE_NAME, a duplicate, data running
 * past the end, or a missing end-of-archive marker (a truncated download).
 */
export function fromTarBytes(archive: Uint8Array): ArchiveEntry[] {
  const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  if (buf.length > MAX_ARCHIVE_BYTES) throw new TufError('BAD_ARCHIVE', `archive is ${buf.length} bytes; the limit is ${MAX_ARCHIVE_BYTES}`);
  if (buf.length === 0) throw new TufError('BAD_ARCHIVE', 'archive is empty');
  const entries: ArchiveEntry[] = [];
  const seen = new Set<string>();
  let at = 0;
  for (;;) {
    if (at + BLOCK > buf.length) throw new TufError('BAD_ARCHIVE', `archive is truncated: it ends at byte ${buf.length} without the end-of-archive marker`);
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) {
      const next = buf.subarray(at + BLOCK, at + 2 * BLOCK);
      if (next.length < BLOCK || !next.every((b) => b === 0)) throw new TufError('BAD_ARCHIVE', 'archive is truncated or damaged: incomplete end-of-archive marker');
      if (!buf.subarray(at + 2 * BLOCK).every((b) => b === 0)) throw new TufError('BAD_ARCHIVE', 'archive has data after its end-of-archive marker');
      return entries;
    }
    if (readOctal(h, 148, 8, 'checksum', at) !== checksum(h)) throw new TufError('BAD_ARCHIVE', `archive header at byte ${at} is damaged (checksum mismatch)`);
    if (h.toString('binary', 257, 262) !== 'ustar') throw new TufError('BAD_ARCHIVE', `archive header at byte ${at} is not ustar`);
    const prefix = h.toString('utf8', 345, 500).replace(/\0.*$/s, '');
    const name = (prefix ? `${prefix}/` : '') + h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const type = String.fromCharCode(h[156]!);
    if (type !== '0' && type !== '\0') throw new TufError('BAD_ARCHIVE', `archive entry ${name}: only regular files are allowed (type "${type}")`);
    assertName(name);
    if (seen.has(name)) throw new TufError('BAD_ARCHIVE', `archive entry ${name} appears twice`);
    seen.add(name);
    const size = readOctal(h, 124, 12, 'size', at);
    const start = at + BLOCK;
    if (start + size > buf.length) throw new TufError('BAD_ARCHIVE', `archive is truncated: ${name} needs ${size} bytes, ${buf.length - start} are left`);
    entries.push({ name, bytes: Buffer.from(buf.subarray(start, start + size)) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
