import { LogError } from '../errors.js';

/** An entry in a C2SP tlog-tiles entry bundle is prefixed by a big-endian uint16 length. */
export const MAX_BUNDLE_ENTRY_SIZE = 0xffff;

/** Encodes leaves into an entry bundle: for each, uint16 length ‖ bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_BUNDLE_ENTRY_SIZE)
      throw new LogError('ENTRY_TOO_LARGE', `entry of ${e.length} bytes does not fit an entry bundle (max ${MAX_BUNDLE_ENTRY_SIZE})`);
    total += 2 + e.length;
  }
  const out = Buffer.allocUnsafe(total);
  let off = 0;
  for (const e of entries) {
    out.writeUInt16BE(e.length, off);
    out.set(e, off + 2);
    off += 2 + e.length;
  }
  return out;
}

/** Decodes an entry bundle; throws INVALID_ENTRY when it is truncated. */
export function decodeEntryBundle(data: Uint8Array): Buffer[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 2 > buf.length) throw new LogError('INVALID_ENTRY', 'truncated entry bundle length');
    const n = buf.readUInt16BE(off);
    if (off + 2 + n > buf.length) throw new LogError('INVALID_ENTRY', 'truncated entry bundle entry');
    out.push(buf.subarray(off + 2, off + 2 + n));
    off += 2 + n;
  }
  return out;
}
