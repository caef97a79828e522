import { formatNote, LogError, NOTE_SIG_TYPE_COSIGNATURE_V1, parseNote, parseVerifierKey, verifyNote, type Checkpoint, type NoteSignature, type NoteVerifier } from '@sigstack/merkle';
import { WitnessError } from '../errors.js';
import { formatAddCheckpointRequest } from '../witness/add-checkpoint-request.js';
import { postAddCheckpoint } from './add-checkpoint-client.js';

/** One witness the log asks for cosignatures. */
export interface WitnessEndpoint {
  /** For logs and metrics; the signature lines carry the key's own name. */
  name: string;
  /** The witness's submission prefix: requests go to `<url>/add-checkpoint`. */
  url: string;
  /** Its C2SP verifier key, `<name>+<hex hint>+<base64(0x04 ‖ key)>` (cosignature/v1). */
  verifierKey: string;
}

/** Where the cosigner reports what goes wrong with a witness (pino-compatible). */
export interface CosignerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CheckpointCosignerOptions {
  witnesses: readonly WitnessEndpoint[];
  /** k of k-of-n: cosignatures a checkpoint needs before `cosign` resolves. 1..n. */
  quorum: number;
  /** How long `cosign` waits for the quorum, and the limit on each request. Default DEFAULT_WITNESS_TIMEOUT_MS. */
  timeoutMs?: number;
  /** RFC 6962 consistency proof between two sizes of the log (the engine's Log.consistencyProof). */
  consistencyProof: (oldSize: number, newSize: number) => Buffer[];
  /** The log's latest checkpoint; with it the cosigner polls for new ones every `pollMs`. */
  latest?: () => Checkpoint;
  /** Poll interval for `latest`; default DEFAULT_WITNESS_POLL_MS. */
  pollMs?: number;
  /** First wait before asking a failing witness again (doubles to 60 s); default DEFAULT_WITNESS_RETRY_MS. */
  retryMs?: number;
  logger?: CosignerLogger;
  /** Injected for tests; default the global fetch. */
  fetch?: typeof fetch;
  /** Injected for tests; default Date.now. */
  now?: () => number;
}

/** Five seconds: a write in waiting mode is answered within this, cosigned or 503. */
export const DEFAULT_WITNESS_TIMEOUT_MS = 5000;
/** How often the log's checkpoint is looked at for a new one to offer. */
export const DEFAULT_WITNESS_POLL_MS = 1000;
/** Back-off after a witness failed; doubles per failure up to MAX_WITNESS_RETRY_MS. */
export const DEFAULT_WITNESS_RETRY_MS = 1000;
export const MAX_WITNESS_RETRY_MS = 60_000;

/** What the cosigner knows of one witness (for /metrics and the logs). */
export interface WitnessStatus {
  name: string;
  /** The size this witness last cosigned, as far as the log knows. */
  size: number;
  inFlight: boolean;
  failures: number;
  lastError?: string;
  lastCosignedMs?: number;
}

export interface CheckpointCosigner {
  /** Hands a new checkpoint to the witnesses; they get the newest when free. Never throws. */
  offer(cp: Checkpoint): void;
  /**
   * Resolves with `cp`'s note carrying at least `quorum` valid cosignatures, or rejects
   * with QUORUM_NOT_MET when they have not arrived within `timeoutMs`.
   */
  cosign(cp: Checkpoint): Promise<string>;
  /**
   * The checkpoint note to serve, given the log's latest: the newest checkpoint that has
   * its quorum, while it lags the latest by less than `timeoutMs`; otherwise the latest
   * with whatever valid cosignatures it has (fail open). Never goes back in size.
   */
  served(latest: Checkpoint): string;
  status(): WitnessStatus[];
  close(): Promise<void>;
}

interface Waiter {
  resolve(text: string): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

interface Entry {
  cp: Checkpoint;
  /** Valid cosignatures by witness index. */
  cosigs: Map<number, NoteSignature>;
  waiters: Set<Waiter>;
  /** The note with the cosignatures, built once per change. */
  text?: string;
}

interface Peer {
  endpoint: WitnessEndpoint;
  verifier: NoteVerifier;
  /** The witness's latest cosigned size as the log knows it (0: unknown; C2SP lets the first request say 0). */
  size: number;
  inFlight: boolean;
  failures: number;
  notBefore: number;
  timer?: NodeJS.Timeout;
  lastError?: string;
  lastCosignedMs?: number;
}

/**
 * The log side of C2SP tlog-witness: asks each witness to cosign new checkpoints,
 * in parallel, and collects the cosignatures that verify.
 *
 * - **Coalescing.** At most one request per witness is in flight. A witness that is
 *   free is sent the newest checkpoint (skipping those it has not seen: a consistency
 *   proof spans them), so a slow witness never builds a queue. A checkpoint a write is
 *   waiting on (`cosign`) is sent before newer ones: the write's answer must carry
 *   that very checkpoint, since its inclusion proof is for that size.
 * - **Trust.** A cosignature is kept only if it verifies with the witness's configured
 *   key over the checkpoint sent; anything else (another key, another body, garbage)
 *   is logged and dropped, never served. A witness that times out or fails is asked
 *   again after a growing back-off; it never holds up the others.
 * - **409.** The answer names the witness's size; the request is retried once from it.
 */
export function createCheckpointCosigner(opts: CheckpointCosignerOptions): CheckpointCosigner {
  return new Cosigner(opts);
}

class Cosigner implements CheckpointCosigner {
  readonly #peers: Peer[];
  readonly #quorum: number;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #proof: (a: number, b: number) => Buffer[];
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #log: CosignerLogger | undefined;
  readonly #entries = new Map<number, Entry>();
  readonly #abort = new AbortController();
  #newest: Entry | undefined;
  #servedSize = -1;
  #poll: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: CheckpointCosignerOptions) {
    if (opts.witnesses.length === 0) throw new WitnessError('INVALID_OPTIONS', 'a cosigner needs at least one witness');
    if (!Number.isInteger(opts.quorum) || opts.quorum < 1 || opts.quorum > opts.witnesses.length)
      throw new WitnessError('INVALID_OPTIONS', `quorum must be between 1 and ${opts.witnesses.length} (the number of witnesses), got ${opts.quorum}`);
    this.#peers = opts.witnesses.map((endpoint) => ({
      endpoint,
      verifier: witnessVerifier(endpoint),
      size: 0,
      inFlight: false,
      failures: 0,
      notBefore: 0,
    }));
    const keys = new Set(this.#peers.map((p) => `${p.verifier.name}+${p.verifier.keyHint.toString('hex')}`));
    if (keys.size !== this.#peers.length) throw new WitnessError('INVALID_OPTIONS', 'two witnesses have the same verifier key');
    this.#quorum = opts.quorum;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_WITNESS_TIMEOUT_MS;
    this.#retryMs = opts.retryMs ?? DEFAULT_WITNESS_RETRY_MS;
    this.#proof = opts.consistencyProof;
    this.#fetch = opts.fetch ?? fetch;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.logger;
    if (opts.latest) {
      const latest = opts.latest;
      const tick = () => {
        try {
          this.offer(latest());
        } catch (err) {
          this.#log?.error({ err }, 'witnessing: cannot read the log checkpoint');
        }
      };
      this.#poll = setInterval(tick, opts.pollMs ?? 1000);
      this.#poll.unref();
      tick();
    }
  }

  offer(cp: Checkpoint): void {
    if (this.#closed) return;
    this.#entry(cp);
    this.#pump();
  }

  cosign(cp: Checkpoint): Promise<string> {
    if (this.#closed) return Promise.reject(new WitnessError('CLOSED', 'the cosigner is closed'));
    const e = this.#entry(cp);
    if (e.cosigs.size >= this.#quorum) return Promise.resolve(this.#text(e));
    return new Promise<string>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          e.waiters.delete(w);
          this.#prune();
          reject(
            new WitnessError(
              'QUORUM_NOT_MET',
              `${e.cosigs.size} of the ${this.#quorum} witness cosignatures needed for checkpoint ${e.cp.size} arrived within ${this.#timeoutMs} ms`,
            ),
          );
        }, this.#timeoutMs),
      };
      e.waiters.add(w);
      this.#pump();
    });
  }

  served(latest: Checkpoint): string {
    this.offer(latest);
    const head = this.#entries.get(latest.size);
    const own = head && head.cp.rootHash.equals(latest.rootHash) ? head : undefined;
    let pick: Entry | undefined;
    if (own && own.cosigs.size >= this.#quorum) pick = own;
    else {
      let best: Entry | undefined;
      for (const e of this.#entries.values()) if (e.cosigs.size >= this.#quorum && (!best || e.cp.size > best.cp.size)) best = e;
      if (best && best.cp.size >= this.#servedSize && latest.timestampMs - best.cp.timestampMs < this.#timeoutMs) pick = best;
    }
    if (pick) {
      this.#servedSize = Math.max(this.#servedSize, pick.cp.size);
      return this.#text(pick);
    }
    this.#servedSize = Math.max(this.#servedSize, latest.size);
    return own ? this.#text(own) : latest.text;
  }

  status(): WitnessStatus[] {
    return this.#peers.map((p) => ({
      name: p.endpoint.name,
      size: p.size,
      inFlight: p.inFlight,
      failures: p.failures,
      ...(p.lastError !== undefined ? { lastError: p.lastError } : {}),
      ...(p.lastCosignedMs !== undefined ? { lastCosignedMs: p.lastCosignedMs } : {}),
    }));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#poll) clearInterval(this.#poll);
    this.#abort.abort();
    for (const p of this.#peers) if (p.timer) clearTimeout(p.timer);
    for (const e of this.#entries.values())
      for (const w of e.waiters) {
        clearTimeout(w.timer);
        w.reject(new WitnessError('CLOSED', 'the cosigner closed before the witnesses answered'));
      }
    this.#entries.clear();
  }

  /** The entry for `cp`, made if new (a different root at a known size replaces nothing: the log's own checkpoints never fork). */
  #entry(cp: Checkpoint): Entry {
    let e = this.#entries.get(cp.size);
    if (!e || !e.cp.rootHash.equals(cp.rootHash)) {
      e = { cp, cosigs: new Map(), waiters: new Set() };
      this.#entries.set(cp.size, e);
    }
    if (!this.#newest || cp.size > this.#newest.cp.size) this.#newest = e;
    this.#prune();
    return e;
  }

  /** Keeps the newest entry, those waited on, and the newest with a quorum (what `served` may need). */
  #prune(): void {
    let bestQuorum = -1;
    for (const e of this.#entries.values()) if (e.cosigs.size >= this.#quorum) bestQuorum = Math.max(bestQuorum, e.cp.size);
    for (const [size, e] of this.#entries) if (e !== this.#newest && e.waiters.size === 0 && size !== bestQuorum) this.#entries.delete(size);
  }

  #text(e: Entry): string {
    if (e.text === undefined) {
      if (e.cosigs.size === 0) e.text = e.cp.text;
      else {
        const note = parseNote(e.cp.text);
        const lines = [...e.cosigs.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
        e.text = formatNote({ text: note.text, signatures: [...note.signatures, ...lines] });
      }
    }
    return e.text;
  }

  /** Starts a request on every free witness that has something to cosign. */
  #pump(): void {
    const now = this.#now();
    for (let i = 0; i < this.#peers.length; i++) {
      const p = this.#peers[i]!;
      if (p.inFlight || this.#closed) continue;
      const target = this.#targetFor(i);
      if (!target) continue;
      if (now < p.notBefore) {
        if (!p.timer) {
          p.timer = setTimeout(() => {
            p.timer = undefined;
            this.#pump();
          }, p.notBefore - now);
          p.timer.unref();
        }
        continue;
      }
      p.inFlight = true;
      void this.#ask(i, target).finally(() => {
        p.inFlight = false;
        this.#prune();
        this.#pump();
      });
    }
  }

  /** The oldest waited-on checkpoint this witness can still cosign, else the newest if it has not cosigned it. */
  #targetFor(i: number): Entry | undefined {
    const p = this.#peers[i]!;
    let waited: Entry | undefined;
    for (const e of this.#entries.values())
      if (e.waiters.size > 0 && !e.cosigs.has(i) && e.cp.size >= p.size && (!waited || e.cp.size < waited.cp.size)) waited = e;
    if (waited) return waited;
    const n = this.#newest;
    return n && !n.cosigs.has(i) && n.cp.size >= p.size && this.#entries.get(n.cp.size) === n ? n : undefined;
  }

  async #ask(i: number, e: Entry): Promise<void> {
    const p = this.#peers[i]!;
    const name = p.endpoint.name;
    try {
      let outcome = await this.#post(p, e);
      if (outcome.kind === 'conflict' && outcome.size !== undefined && outcome.size <= e.cp.size && outcome.size !== p.size) {
        p.size = outcome.size; // C2SP: retry from the size the witness holds
        outcome = await this.#post(p, e);
      }
      if (outcome.kind === 'conflict') {
        if (outcome.size !== undefined) p.size = outcome.size;
        throw new WitnessError('WITNESS_FAILED', `witness ${name} holds size ${outcome.size ?? '(not said)'}, which the log cannot prove checkpoint ${e.cp.size} from`);
      }
      if (outcome.kind === 'refused') throw new WitnessError('WITNESS_FAILED', `witness ${name} refused checkpoint ${e.cp.size} with ${outcome.status}: ${outcome.message}`);
      const sig = this.#verifyCosignature(p, e, outcome.body);
      p.size = e.cp.size;
      p.failures = 0;
      p.notBefore = 0;
      p.lastCosignedMs = this.#now();
      delete p.lastError;
      e.cosigs.set(i, sig);
      delete e.text;
      if (e.cosigs.size >= this.#quorum && e.waiters.size > 0) {
        const text = this.#text(e);
        for (const w of e.waiters) {
          clearTimeout(w.timer);
          w.resolve(text);
        }
        e.waiters.clear();
      }
    } catch (err) {
      if (this.#closed) return;
      p.failures++;
      p.lastError = (err as Error).message;
      p.notBefore = this.#now() + Math.min(MAX_WITNESS_RETRY_MS, this.#retryMs * 2 ** (p.failures - 1));
      this.#log?.warn({ witness: name, size: e.cp.size, err: p.lastError }, `witness ${name} gave no valid cosignature; retrying in ${p.notBefore - this.#now()} ms`);
    }
  }

  #post(p: Peer, e: Entry) {
    const old = p.size;
    const proof = old === 0 || old === e.cp.size ? [] : this.#proof(old, e.cp.size);
    const body = formatAddCheckpointRequest(old, proof, e.cp.text);
    return postAddCheckpoint(this.#fetch, p.endpoint.url, body, AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeoutMs)]));
  }

  /**
   * The witness's own signature line from its answer, verified over the checkpoint
   * that was sent. Lines of other keys are ignored (C2SP); a line of this witness's key
   * that does not verify, or no such line, is a lie or a fault: nothing is kept.
   */
  #verifyCosignature(p: Peer, e: Entry, body: string): NoteSignature {
    const text = parseNote(e.cp.text).text;
    try {
      const v = verifyNote(`${text}\n${body}`, [p.verifier]);
      return v.verified[0]!;
    } catch (cause) {
      const why = cause instanceof LogError ? cause.message : 'unreadable answer';
      this.#log?.error({ witness: p.endpoint.name, size: e.cp.size }, `witness ${p.endpoint.name} answered with no valid cosignature (${why}); dropped`);
      throw new WitnessError('WITNESS_FAILED', `witness ${p.endpoint.name} answered with no valid cosignature: ${why}`, { cause });
    }
  }
}

function witnessVerifier(w: WitnessEndpoint): NoteVerifier {
  let v: NoteVerifier;
  try {
    v = parseVerifierKey(w.verifierKey);
  } catch (cause) {
    throw new WitnessError('INVALID_OPTIONS', `witness ${w.name}: ${(cause as Error).message}`, { cause });
  }
  if (Buffer.from(w.verifierKey.split('+')[2] ?? '', 'base64')[0] !== NOTE_SIG_TYPE_COSIGNATURE_V1)
    throw new WitnessError('INVALID_OPTIONS', `witness ${w.name}: the verifier key must be a cosignature/v1 (type 0x04) key`);
  try {
    new URL(w.url);
  } catch (cause) {
    throw new WitnessError('INVALID_OPTIONS', `witness ${w.name}: ${JSON.stringify(w.url)} is not a URL`, { cause });
  }
  return v;
}
