import { leafHash, type Checkpoint, type Log } from '@sigstack/merkle';
import { RekorError } from '../errors.js';
import type { EntryLimits } from '../types/entry.types.js';
import { CanonicalizerPool } from '../service/canonicalizer-pool.js';
import type { TransparencyLogEntryJson } from './transparency-log-entry.js';

/**
 * Turns the log's own signed checkpoint into the text served with an entry, e.g. the
 * checkpoint with witness cosignatures appended (C2SP tlog-witness). It must return
 * a signed note whose body is the checkpoint's, still carrying the log's signature.
 * If it rejects, the write is answered NOT_WITNESSED (503 + Retry-After, with the
 * entry's index): the entry is logged all the same.
 */
export type CosignCheckpoint = (checkpoint: Checkpoint) => Promise<string>;

export interface RekorV2ServiceOptions {
  /** The merkle log holding canonical v2 entries as leaves; origin = the log's host name. */
  log: Log;
  /** The full 32-byte checkpoint key ID: `logId.keyId` in entries and in the trusted root. */
  keyId: Buffer;
  limits?: Partial<EntryLimits>;
  /**
   * Where requests are validated, verified and canonicalised (default: in process).
   * openRekorV2 passes a worker pool, the stack the one it shares with Rekor v1.
   */
  canonicalizer?: CanonicalizerPool;
  /** Optional: what the 201 answer carries as `inclusionProof.checkpoint.envelope` (default: the log's signed checkpoint). */
  cosignCheckpoint?: CosignCheckpoint;
}

/**
 * The Rekor v2 personality over the merkle engine (protocols.md §7): validates a
 * CreateEntryRequest, appends the canonical entry, and answers with the
 * TransparencyLogEntry (inclusion proof against a checkpoint that covers it).
 * Unlike upstream, which answers after its next periodic checkpoint (up to 10 s),
 * the answer comes as soon as the entry's batch is durable: the engine signs a
 * checkpoint per batch and add() returns it. Knows nothing about HTTP.
 */
export class RekorV2Service {
  readonly log: Log;
  readonly keyId: Buffer;
  readonly #limits: Partial<EntryLimits>;
  readonly #cosign: CosignCheckpoint | undefined;
  readonly #keyIdBase64: string;
  readonly #canonicalizer: CanonicalizerPool;

  constructor(opts: RekorV2ServiceOptions) {
    if (opts.keyId.length !== 32) throw new TypeError('the Rekor v2 key ID is the full 32-byte checkpoint key ID');
    this.log = opts.log;
    this.keyId = opts.keyId;
    this.#keyIdBase64 = opts.keyId.toString('base64');
    this.#limits = opts.limits ?? {};
    this.#cosign = opts.cosignCheckpoint;
    this.#canonicalizer = opts.canonicalizer ?? new CanonicalizerPool({ workers: 0 });
  }

  /** The checkpoint origin, which is also the note signature's key name (the log's host name). */
  get origin(): string {
    return this.log.checkpoint().origin;
  }

  /** The latest signed checkpoint. */
  checkpoint(): Checkpoint {
    return this.log.checkpoint();
  }

  /** Validates and appends one entry; ENTRY_EXISTS with `logIndex` for a duplicate. */
  async createEntry(body: unknown): Promise<TransparencyLogEntryJson> {
    // Off the main thread with a worker pool: the signature check is most of an append's CPU.
    const entry = await this.#canonicalizer.canonicalizeV2(body, this.#limits);
    const r = await this.log.add({ identity: leafHash(entry.body), leaf: entry.body });
    if (r.duplicate)
      throw new RekorError('ENTRY_EXISTS', `an equivalent entry already exists in the transparency log at index ${r.index}`, { logIndex: r.index });
    const cp = r.checkpoint;
    let envelope = cp.text;
    if (this.#cosign) {
      try {
        envelope = await this.#cosign(cp);
      } catch (cause) {
        // The entry is durable either way; only the answer waits on the witnesses.
        throw new RekorError(
          'NOT_WITNESSED',
          `the entry is logged at index ${r.index}, but its checkpoint was not cosigned by the witnesses in time (${(cause as Error).message}); ` +
            'a retry of this request gets 409 with x-log-index',
          { cause, logIndex: r.index },
        );
      }
    }
    const index = String(r.index);
    return {
      logIndex: index,
      logId: { keyId: this.#keyIdBase64 },
      kindVersion: { kind: entry.kind, version: entry.version },
      integratedTime: '0',
      inclusionPromise: null,
      inclusionProof: {
        logIndex: index,
        rootHash: cp.rootHash.toString('base64'),
        treeSize: String(cp.size),
        hashes: this.log.inclusionProof(r.index, cp.size).map((h) => h.toString('base64')),
        checkpoint: { envelope },
      },
      canonicalizedBody: entry.body.toString('base64'),
    };
  }
}
