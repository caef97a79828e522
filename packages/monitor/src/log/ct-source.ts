import { verifySignature } from '@sigstack/core';
import { encodeTreeHeadInput } from '@sigstack/ctlog';
import { MonitorError } from '../errors.js';
import { badResponse, checkedConsistency, HttpLogSource } from './http-log-source.js';
import type { LeafEntry, VerifiedHead } from './log-source.js';

/** RFC 5246 §7.4.1.4.1 HashAlgorithm sha256. */
const TLS_HASH_SHA256 = 4;

/**
 * An RFC 6962 CT log: GET <url>/ct/v1/get-sth, get-sth-consistency, get-entries.
 * `url` is the log's prefix (e.g. https://ctfe.example/2026, or <stack>/ct).
 */
export class CtSource extends HttpLogSource {
  readonly kind = 'ct' as const;

  async head(): Promise<VerifiedHead> {
    const where = this.urlOf('ct/v1/get-sth');
    const sth = await this.getObject(where);
    const { tree_size: size, timestamp, sha256_root_hash: root, tree_head_signature: sig } = sth;
    if (!isSize(size) || !isSize(timestamp) || typeof root !== 'string' || typeof sig !== 'string') throw badResponse(`${where}: not an STH`);
    const rootHash = Buffer.from(root, 'base64');
    if (rootHash.length !== 32) throw badResponse(`${where}: sha256_root_hash is not 32 bytes`);
    // DigitallySigned (RFC 5246 §4.7): hash(1) ‖ signature algorithm(1) ‖ uint16 length ‖ signature.
    const ds = Buffer.from(sig, 'base64');
    const ok =
      ds.length > 4 &&
      ds[0] === TLS_HASH_SHA256 &&
      ds.readUInt16BE(2) === ds.length - 4 &&
      (await this.#verifiedByTrustedKey(encodeTreeHeadInput(timestamp, size, rootHash), ds.subarray(4)));
    if (!ok) throw new MonitorError('BAD_SIGNATURE', `${where}: the tree head signature does not verify with the trusted key`);
    return { origin: this.url, size, rootHash, signed: JSON.stringify(sth), timestampMs: timestamp };
  }

  async #verifiedByTrustedKey(input: Buffer, signature: Buffer): Promise<boolean> {
    for (const k of this.keys) if (await verifySignature(k, input, signature, 'sha256')) return true;
    return false;
  }

  async proveConsistency(from: VerifiedHead, to: VerifiedHead): Promise<Buffer[]> {
    if (from.size === 0) return [];
    const where = this.urlOf(`ct/v1/get-sth-consistency?first=${from.size}&second=${to.size}`);
    const p = await this.getObject(where);
    if (!Array.isArray(p.consistency) || !p.consistency.every((h) => typeof h === 'string')) throw badResponse(`${where}: no consistency list`);
    const proof = (p.consistency as string[]).map((h) => Buffer.from(h, 'base64'));
    return checkedConsistency(from, to, proof);
  }

  async *entries(start: number, end: number): AsyncIterable<LeafEntry> {
    let next = start;
    while (next < end) {
      // get-entries' end is inclusive; a log may answer fewer than asked (RFC 6962 §4.6).
      const where = this.urlOf(`ct/v1/get-entries?start=${next}&end=${end - 1}`);
      const r = await this.getObject(where);
      if (!Array.isArray(r.entries) || r.entries.length === 0 || r.entries.length > end - next) throw badResponse(`${where}: no entries, or more than asked`);
      for (const e of r.entries as { leaf_input?: unknown }[]) {
        if (typeof e?.leaf_input !== 'string') throw badResponse(`${where}: an entry has no leaf_input`);
        yield { index: next++, leaf: Buffer.from(e.leaf_input, 'base64') };
      }
    }
  }
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
