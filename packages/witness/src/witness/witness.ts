import { systemClock, type Clock } from '@sigstack/core';
import {
  EMPTY_ROOT,
  formatNote,
  LogError,
  parseCheckpointBody,
  parseNote,
  verifyConsistency,
  verifyNote,
  type CheckpointBody,
  type Note,
  type NoteSigner,
  type NoteVerifier,
} from '@sigstack/merkle';
import { WitnessError } from '../errors.js';
import { parseAddCheckpointRequest } from './add-checkpoint-request.js';
import type { WitnessState, WitnessedCheckpoint } from './witness-state.js';

/** A log this witness follows: its origin line and the keys that sign its checkpoints. */
export interface WitnessedLog {
  origin: string;
  verifiers: readonly NoteVerifier[];
}

export interface WitnessOptions {
  state: WitnessState;
  /** The witness's cosignature/v1 signer (createCosignatureV1Signer). */
  cosigner: NoteSigner;
  logs: readonly WitnessedLog[];
  clock?: Clock;
  /** Told about every fork seen (also kept in the state's fork records). */
  onFork?: (origin: string, stored: WitnessedCheckpoint, seen: string) => void;
}

/**
 * The witness (C2SP tlog-witness add-checkpoint): verifies a log's checkpoint and its
 * consistency with the last one it cosigned for that origin, advances its state, and
 * returns its cosignature. It never cosigns two different trees of one size, nor a
 * tree smaller than one it cosigned; a fork is refused for as long as the state
 * holds, which is for good (nothing here rolls a log back).
 */
export class Witness {
  readonly name: string;
  readonly #state: WitnessState;
  readonly #cosigner: NoteSigner;
  readonly #logs: Map<string, WitnessedLog>;
  readonly #clock: Clock;
  readonly #onFork: WitnessOptions['onFork'];

  constructor(opts: WitnessOptions) {
    this.name = opts.cosigner.name;
    this.#state = opts.state;
    this.#cosigner = opts.cosigner;
    this.#clock = opts.clock ?? systemClock;
    this.#onFork = opts.onFork;
    this.#logs = new Map();
    for (const l of opts.logs) {
      if (this.#logs.has(l.origin)) throw new WitnessError('INVALID_OPTIONS', `log ${JSON.stringify(l.origin)} is configured twice`);
      if (l.verifiers.length === 0) throw new WitnessError('INVALID_OPTIONS', `log ${JSON.stringify(l.origin)} has no verifier key`);
      this.#logs.set(l.origin, l);
    }
  }

  /** The origins this witness follows. */
  get origins(): string[] {
    return [...this.#logs.keys()];
  }

  /** The latest cosigned checkpoint of `origin` (the monitoring endpoint), if any. */
  latest(origin: string): WitnessedCheckpoint | undefined {
    return this.#logs.has(origin) ? this.#state.latest(origin) : undefined;
  }

  /**
   * Handles one add-checkpoint body; returns the response body (one cosignature line).
   * Throws WitnessError with the code that decides the status (WITNESS_STATUS).
   */
  async addCheckpoint(body: Uint8Array): Promise<string> {
    const req = parseAddCheckpointRequest(body);
    const { note, cp, log } = this.#readCheckpoint(req.checkpoint);
    if (req.oldSize > cp.size) throw new WitnessError('OLD_SIZE_TOO_LARGE', `old size ${req.oldSize} is larger than the checkpoint size ${cp.size}`);
    const verified = this.#verify(note, log);

    const prev = this.#state.latest(log.origin);
    this.#checkAgainst(prev, req.oldSize, req.proof, cp, req.checkpoint, log.origin);

    // Sign, then store only if the state is still the one checked (compare-and-swap).
    const sig = await this.#cosigner.sign(Buffer.from(note.text, 'utf8'));
    const own = { name: this.#cosigner.name, keyHint: this.#cosigner.keyHint, signature: sig };
    const checkpoint = formatNote({ text: note.text, signatures: [...verified, own] });
    if (!this.#state.advance(log.origin, prev, { size: cp.size, rootHash: cp.rootHash, checkpoint, updatedMs: this.#clock.now() })) {
      const now = this.#state.latest(log.origin)?.size ?? 0;
      throw new WitnessError('OLD_SIZE_MISMATCH', `another request moved ${log.origin} to size ${now} first`, { size: now });
    }
    return checkpoint.slice(checkpoint.lastIndexOf('\n\u2014 ') + 1);
  }

  /** Parses the note and its checkpoint body and finds the log; 400 / 404. */
  #readCheckpoint(text: string): { note: Note; cp: CheckpointBody; log: WitnessedLog } {
    let note: Note;
    let cp: CheckpointBody;
    try {
      note = parseNote(text);
      cp = parseCheckpointBody(note.text);
    } catch (cause) {
      throw new WitnessError('MALFORMED_REQUEST', `the checkpoint is malformed: ${(cause as Error).message}`, { cause });
    }
    const log = this.#logs.get(cp.origin);
    if (!log) throw new WitnessError('UNKNOWN_LOG', `this witness does not follow the log ${JSON.stringify(cp.origin.slice(0, 200))}`);
    return { note, cp, log };
  }

  /** The log's signatures that verify; 403 if none does or a known one fails (C2SP signed-note). */
  #verify(note: Note, log: WitnessedLog) {
    try {
      return verifyNote(formatNote(note), log.verifiers).verified;
    } catch (cause) {
      const m = cause instanceof LogError ? cause.message : 'signature check failed';
      throw new WitnessError('BAD_SIGNATURE', `checkpoint of ${log.origin} is not signed by its key: ${m}`, { cause });
    }
  }

  /** The consistency rules of tlog-witness, against what this witness last cosigned. */
  #checkAgainst(prev: WitnessedCheckpoint | undefined, oldSize: number, proof: Buffer[], cp: CheckpointBody, seen: string, origin: string): void {
    const stored = prev?.size ?? 0;
    if (oldSize !== stored) throw new WitnessError('OLD_SIZE_MISMATCH', `old size ${oldSize} is not ${stored}, the size this witness holds for ${origin}`, { size: stored });
    if (cp.size === 0 && !cp.rootHash.equals(EMPTY_ROOT)) throw new WitnessError('INVALID_PROOF', 'a checkpoint of size 0 must have the root hash of the empty tree');
    if (prev && cp.size === prev.size) {
      if (cp.rootHash.equals(prev.rootHash)) {
        if (proof.length > 0) throw new WitnessError('INVALID_PROOF', 'the consistency proof between equal sizes must be empty');
        return; // the same tree again: cosign it anew (a fresher timestamp)
      }
      // Evidence of misbehaviour (C2SP: the witness MAY log it): the log's signed note as received.
      this.#state.recordFork(origin, cp.size, seen, this.#clock.now());
      this.#onFork?.(origin, prev, seen);
      throw new WitnessError(
        'FORK',
        `fork: ${origin} already has a different tree of size ${cp.size} (cosigned root ${prev.rootHash.toString('base64')}, this one ${cp.rootHash.toString('base64')}); this witness will not cosign it`,
      );
    }
    if (stored === 0) {
      if (proof.length > 0) throw new WitnessError('INVALID_PROOF', 'old size 0 needs an empty consistency proof');
      return; // first checkpoint of this log (or from the empty tree): trusted on first use
    }
    try {
      verifyConsistency(prev!.size, cp.size, proof, prev!.rootHash, cp.rootHash);
    } catch (cause) {
      throw new WitnessError(
        'INVALID_PROOF',
        `the consistency proof from size ${prev!.size} to ${cp.size} does not verify: a bad proof, or a fork of ${origin} (${(cause as Error).message})`,
        { cause },
      );
    }
  }
}
