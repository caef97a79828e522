import { leafHash, verifyInclusion } from '@sigstack/merkle';
import { MonitorError } from '../errors.js';
import { badResponse, checkedConsistency, HttpLogSource, jsonObject } from './http-log-source.js';
import type { LeafEntry, VerifiedHead } from './log-source.js';
import { verifyNoteHead } from './verify-note-head.js';

/** Entries fetched at once (GET /api/v1/log/entries?logIndex= each). */
export const REKOR_V1_FETCH_CONCURRENCY = 8;

/**
 * A Rekor v1 log through its REST API: GET /api/v1/log (the signed checkpoint),
 * /api/v1/log/proof?firstSize&lastSize (RFC 9162 consistency) and
 * /api/v1/log/entries?logIndex=N. Inactive shards are not followed.
 */
export class RekorV1Source extends HttpLogSource {
  readonly kind = 'rekor-v1' as const;

  async head(): Promise<VerifiedHead> {
    const where = this.urlOf('api/v1/log');
    const info = await this.getObject(where);
    if (typeof info.signedTreeHead !== 'string') throw badResponse(`${where}: no signedTreeHead`);
    const head = verifyNoteHead(info.signedTreeHead, this.keys, where);
    // The unsigned fields must say what the signed note says (a client reading them would be misled).
    if (info.treeSize !== head.size || info.rootHash !== head.rootHash.toString('hex'))
      throw badResponse(`${where}: treeSize/rootHash differ from the signed checkpoint`);
    return head;
  }

  async proveConsistency(from: VerifiedHead, to: VerifiedHead): Promise<Buffer[]> {
    if (from.size === 0) return [];
    const where = this.urlOf(`api/v1/log/proof?firstSize=${from.size}&lastSize=${to.size}`);
    const p = await this.getObject(where);
    if (!Array.isArray(p.hashes) || !p.hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)))
      throw badResponse(`${where}: hashes is not a list of hex SHA-256 hashes`);
    const proof = (p.hashes as string[]).map((h) => Buffer.from(h, 'hex'));
    return checkedConsistency(from, to, proof);
  }

  async *entries(start: number, end: number, head: VerifiedHead): AsyncIterable<LeafEntry> {
    for (let i = start; i < end; i += REKOR_V1_FETCH_CONCURRENCY) {
      const batch: Promise<LeafEntry>[] = [];
      for (let j = i; j < Math.min(end, i + REKOR_V1_FETCH_CONCURRENCY); j++) batch.push(this.#entry(j, head));
      for (const e of await Promise.all(batch)) yield e;
    }
  }

  async #entry(index: number, head: VerifiedHead): Promise<LeafEntry> {
    const where = this.urlOf(`api/v1/log/entries?logIndex=${index}`);
    const map = await this.getObject(where);
    const values = Object.values(map);
    if (values.length !== 1) throw badResponse(`${where}: expected one entry`);
    const e = jsonObject(values[0], where);
    if (typeof e.body !== 'string' || e.logIndex !== index) throw badResponse(`${where}: no body, or another logIndex`);
    const leaf = Buffer.from(e.body, 'base64');
    // The entry's inclusion proof ties the body to a tree; when that tree is the
    // verified one, the body is the leaf the checkpoint commits to.
    const proof = (e.verification as { inclusionProof?: { treeSize?: unknown; rootHash?: unknown; hashes?: unknown } } | undefined)?.inclusionProof;
    if (proof && proof.treeSize === head.size && Array.isArray(proof.hashes)) {
      try {
        verifyInclusion(leafHash(leaf), index, head.size, (proof.hashes as string[]).map((h) => Buffer.from(String(h), 'hex')), head.rootHash);
      } catch (err) {
        throw new MonitorError('FORK', `entry ${index} is not in the verified tree ${head.size}: ${(err as Error).message}`, { cause: err });
      }
    }
    return { index, leaf };
  }
}
