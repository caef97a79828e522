/**
 * A minimal reader of DER TLVs, enough to walk to the parts of an X.509 certificate
 * that the entry types need (the SubjectPublicKeyInfo and the subjectAltName
 * extension) after OpenSSL has already parsed the certificate. Single-byte tags and
 * definite lengths only, which is all RFC 5280 structures use; anything else is
 * undefined (the caller treats the certificate as malformed).
 */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the contents. */
  end: number;
}

export function readTlv(buf: Uint8Array, off: number, limit = buf.length): Tlv | undefined {
  if (off + 2 > limit) return undefined;
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  const l0 = buf[off + 1]!;
  let contentStart = off + 2;
  let len = l0;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n === 0 || n > 4 || contentStart + n > limit) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + len;
  return end <= limit ? { tag, start: off, contentStart, end } : undefined;
}

/** The TLVs directly inside a constructed TLV; undefined if they do not exactly fill it. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  let off = parent.contentStart;
  while (off < parent.end) {
    const t = readTlv(buf, off, parent.end);
    if (!t) return undefined;
    out.push(t);
    off = t.end;
  }
  return out;
}

export function contents(buf: Uint8Array, t: Tlv): Uint8Array {
  return buf.subarray(t.contentStart, t.end);
}
