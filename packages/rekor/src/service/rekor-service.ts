import { parseVerificationKey, sha256Hex, toPem, type Signer } from '@sigstack/core';
import { leafHash, type Log } from '@sigstack/merkle';
import { RekorError } from '../errors.js';
import type { EntryLimits } from '../types/index.js';
import { CanonicalizerPool } from './canonicalizer-pool.js';
import { formatEntryId, parseEntryId } from './entry-id.js';
import type {
  ConsistencyProofJson,
  LogEntryJson,
  LogEntryMap,
  LogInfoJson,
  SearchIndexQuery,
  SearchLogQuery,
} from './log-entry.js';
import { integratedTimeOf, setPayload } from './set-signer.js';
import type { RekorIndexStore } from '../store/rekor-store.js';

/** Upstream's limit on items in one /log/entries/retrieve query. */
export const MAX_RETRIEVE_QUERIES = 10;
/** How many entry IDs one /index/retrieve key may return. */
export const MAX_INDEX_RESULTS = 1000;

export interface RekorServiceOptions {
  /** The merkle log holding canonical bodies as leaves. */
  log: Log;
  /**
   * The search index and stored SETs (written by the log's onSequenced hook). An
   * entry without a stored SET has its SET signed when it is served.
   */
  store: RekorIndexStore;
  /** The log key: signs SETs here and checkpoints in the engine. ECDSA P-256 (protocols.md §1.4). */
  signer: Signer;
  treeId: bigint;
  limits?: Partial<EntryLimits>;
  /** Where proposed entries are verified and canonicalised (default: in process). */
  canonicalizer?: CanonicalizerPool;
}

/** What the sequencer hands back to onSequenced for a Rekor entry. */
export interface RekorLeafExtra {
  indexKeys: string[];
}

/**
 * The Rekor v1 personality over the merkle engine: validates and canonicalises
 * proposed entries, appends them, and renders LogEntry objects with inclusion
 * proofs, checkpoints and signed entry timestamps. Knows nothing about HTTP.
 */
export class RekorService {
  readonly treeId: bigint;
  readonly treeIdHex: string;
  /** hex SHA-256 of the log key's SPKI: `logID` in entries and the trusted root. */
  readonly logIdHex: string;
  readonly publicKeyPem: string;
  readonly #log: Log;
  readonly #store: RekorIndexStore;
  readonly #signer: Signer;
  readonly #canonicalizer: CanonicalizerPool;
  /** Per request (the pool may be shared with a log of other limits); undefined: the pool's. */
  readonly #limits: Partial<EntryLimits> | undefined;

  constructor(opts: RekorServiceOptions) {
    this.#log = opts.log;
    this.#store = opts.store;
    this.#signer = opts.signer;
    this.#canonicalizer = opts.canonicalizer ?? new CanonicalizerPool({ workers: 0 });
    this.#limits = opts.limits;
    this.treeId = opts.treeId;
    this.treeIdHex = opts.treeId.toString(16).padStart(16, '0');
    this.logIdHex = sha256Hex(opts.signer.publicKeyDer);
    this.publicKeyPem = toPem('PUBLIC KEY', opts.signer.publicKeyDer);
  }

  /** Validates, appends and returns the new entry; ENTRY_EXISTS (with entryId) for a duplicate. */
  async createEntry(proposed: unknown): Promise<{ entryId: string; entry: LogEntryMap }> {
    const canonical = await this.#canonicalizer.canonicalize(proposed, this.#limits);
    const hash = leafHash(canonical.body);
    const uuid = hash.toString('hex');
    const extra: RekorLeafExtra = { indexKeys: canonical.indexKeys };
    const r = await this.#log.add({ identity: hash, leaf: () => canonical.body, extra });
    const entryId = formatEntryId(this.treeId, uuid);
    if (r.duplicate)
      throw new RekorError('ENTRY_EXISTS', `an equivalent entry already exists in the transparency log with UUID ${entryId}`, { entryId });
    // The SET made in the batch and committed with the entry (attachment), if any.
    const set = Buffer.isBuffer(r.attachment) ? r.attachment : undefined;
    const entry = await this.#render(r.index, canonical.body, r.timestampMs, set, r.checkpoint);
    return { entryId, entry: { [entryId]: entry } };
  }

  /** GET /log/entries/{uuid or entryID}. */
  async getEntry(id: string): Promise<LogEntryMap> {
    const found = await this.#findById(id);
    if (!found) throw new RekorError('NOT_FOUND', `no entry with ID ${id}`);
    return found;
  }

  /** GET /log/entries?logIndex=N */
  async getEntryByIndex(index: number): Promise<LogEntryMap> {
    const found = await this.#findByIndex(index);
    if (!found) throw new RekorError('NOT_FOUND', `no entry at log index ${index}`);
    return found;
  }

  /** POST /log/entries/retrieve: entries that are missing are left out, as upstream does. */
  async retrieve(q: SearchLogQuery): Promise<LogEntryMap[]> {
    const n = (q.entryUUIDs?.length ?? 0) + (q.logIndexes?.length ?? 0) + (q.entries?.length ?? 0);
    if (n === 0) throw new RekorError('INVALID_QUERY', 'one of entryUUIDs, logIndexes or entries is required');
    if (n > MAX_RETRIEVE_QUERIES)
      throw new RekorError('TOO_MANY_QUERIES', `at most ${MAX_RETRIEVE_QUERIES} items may be retrieved at once, got ${n}`);
    // Parse every identifier first, so that a malformed one fails the whole query (400).
    const ids = (q.entryUUIDs ?? []).map((id) => ({ id, parsed: parseEntryId(id) }));
    for (const i of q.logIndexes ?? [])
      if (!Number.isSafeInteger(i) || i < 0) throw new RekorError('INVALID_QUERY', `logIndexes: ${i} is not a valid log index`);
    const out: LogEntryMap[] = [];
    for (const { id } of ids) {
      const e = await this.#findById(id);
      if (e) out.push(e);
    }
    for (const i of q.logIndexes ?? []) {
      const e = await this.#findByIndex(i);
      if (e) out.push(e);
    }
    for (const proposed of q.entries ?? []) {
      const canonical = await this.#canonicalizer.canonicalize(proposed, this.#limits);
      const index = this.#log.indexOf(leafHash(canonical.body));
      if (index !== undefined) {
        const e = await this.#findByIndex(index);
        if (e) out.push(e);
      }
    }
    return out;
  }

  /** POST /index/retrieve: entry IDs matching the query (protocols.md §6.8). */
  searchIndex(q: SearchIndexQuery): string[] {
    const sets: number[][] = [];
    if (q.hash !== undefined) {
      const h = q.hash.toLowerCase();
      const m = /^(?:(sha256|sha384|sha512):)?([0-9a-f]+)$/.exec(h);
      const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
      const alg = m?.[1] ?? 'sha256';
      if (!m || m[2]!.length !== lengths[alg]) throw new RekorError('INVALID_QUERY', `hash: "${q.hash}" is not a valid ${alg} digest`);
      sets.push(this.#store.findByKey(`${alg}:${m[2]}`, MAX_INDEX_RESULTS));
    }
    if (q.publicKey !== undefined) {
      const pk = q.publicKey;
      if (pk.format !== 'x509') throw new RekorError('INVALID_QUERY', `publicKey.format "${pk.format}" is not supported (x509 only)`);
      if (pk.url !== undefined) throw new RekorError('INVALID_QUERY', 'publicKey.url is not supported: send the key in publicKey.content');
      if (!pk.content) throw new RekorError('INVALID_QUERY', 'publicKey.content is required');
      let key;
      try {
        key = parseVerificationKey(decodeBase64Strict(pk.content, 'publicKey.content'));
      } catch (cause) {
        if (cause instanceof RekorError) throw cause;
        throw new RekorError('INVALID_QUERY', `publicKey.content: ${(cause as Error).message}`, { cause });
      }
      sets.push(this.#store.findByKey(sha256Hex(Buffer.from(key.canonicalPem)), MAX_INDEX_RESULTS));
    }
    if (q.email !== undefined) {
      if (!/^[^\s@]+@[^\s@]+$/.test(q.email)) throw new RekorError('INVALID_QUERY', `email: "${q.email}" is not an email address`);
      sets.push(this.#store.findByKey(q.email.toLowerCase(), MAX_INDEX_RESULTS));
    }
    if (q.subject !== undefined) {
      if (q.subject === '') throw new RekorError('INVALID_QUERY', 'subject must not be empty');
      sets.push(this.#store.findByKey(q.subject.toLowerCase(), MAX_INDEX_RESULTS));
    }
    if (sets.length === 0) throw new RekorError('INVALID_QUERY', 'one of hash, publicKey, email or subject is required');
    const op = q.operator ?? 'or';
    let result: number[];
    if (op === 'and') {
      result = sets.reduce((a, b) => {
        const s = new Set(b);
        return a.filter((x) => s.has(x));
      });
    } else {
      result = [...new Set(sets.flat())].sort((a, b) => a - b);
    }
    return result.map((i) => {
      const e = this.#log.entry(i);
      return formatEntryId(this.treeId, leafHash(e!.leaf).toString('hex'));
    });
  }

  logInfo(): LogInfoJson {
    const cp = this.#log.checkpoint();
    return {
      rootHash: cp.rootHash.toString('hex'),
      treeSize: cp.size,
      signedTreeHead: cp.text,
      treeID: this.treeId.toString(),
      inactiveShards: [],
    };
  }

  /** GET /log/proof: consistency between firstSize and lastSize (RFC 9162 §2.1.4). */
  consistencyProof(firstSize: number, lastSize: number): ConsistencyProofJson {
    const size = this.#log.checkpoint().size;
    if (firstSize < 1) throw new RekorError('INVALID_RANGE', `firstSize ${firstSize} must be at least 1`);
    if (firstSize > lastSize) throw new RekorError('INVALID_RANGE', `firstSize ${firstSize} is greater than lastSize ${lastSize}`);
    if (lastSize > size) throw new RekorError('INVALID_RANGE', `lastSize ${lastSize} is greater than the current tree size ${size}`);
    return {
      rootHash: this.#log.rootAt(lastSize).toString('hex'),
      hashes: this.#log.consistencyProof(firstSize, lastSize).map((h) => h.toString('hex')),
    };
  }

  /** Whether a treeID query parameter names this log. */
  isOurTree(treeId: string | undefined): boolean {
    return treeId === undefined || treeId === this.treeId.toString();
  }

  async #findById(id: string): Promise<LogEntryMap | undefined> {
    const { uuid, treeId } = parseEntryId(id);
    if (treeId !== undefined && treeId !== this.treeId) return undefined;
    const index = this.#log.indexOf(Buffer.from(uuid, 'hex'));
    return index === undefined ? undefined : this.#findByIndex(index);
  }

  async #findByIndex(index: number): Promise<LogEntryMap | undefined> {
    const e = this.#log.entry(index);
    if (!e) return undefined;
    const uuid = leafHash(e.leaf).toString('hex');
    const entry = await this.#render(index, e.leaf, e.timestampMs, this.#store.getSet(index), this.#log.checkpoint());
    return { [formatEntryId(this.treeId, uuid)]: entry };
  }

  async #render(
    index: number,
    body: Buffer,
    timestampMs: number,
    storedSet: Buffer | undefined,
    checkpoint: { size: number; rootHash: Buffer; text: string },
  ): Promise<LogEntryJson> {
    const bodyB64 = body.toString('base64');
    const integratedTime = integratedTimeOf(timestampMs);
    // The SET (protocols.md §6.5): JCS of exactly {body, integratedTime, logID, logIndex},
    // signed with the log key. Normally signed once at sequencing and stored; entries
    // from before SETs were stored are signed here.
    const set = storedSet ?? (await this.#signer.sign(setPayload(bodyB64, integratedTime, this.logIdHex, index)));
    return {
      body: bodyB64,
      integratedTime,
      logID: this.logIdHex,
      logIndex: index,
      verification: {
        inclusionProof: {
          checkpoint: checkpoint.text,
          hashes: this.#log.inclusionProof(index, checkpoint.size).map((h) => h.toString('hex')),
          logIndex: index,
          rootHash: checkpoint.rootHash.toString('hex'),
          treeSize: checkpoint.size,
        },
        signedEntryTimestamp: set.toString('base64'),
      },
    };
  }
}

function decodeBase64Strict(s: string, field: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw new RekorError('INVALID_QUERY', `${field}: invalid base64`);
  return Buffer.from(s, 'base64');
}
