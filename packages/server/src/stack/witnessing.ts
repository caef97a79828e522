import { Gauge, type Registry } from 'prom-client';
import type { Signer } from '@sigstack/core';
import { createEcdsaNoteSigner, createEd25519NoteSigner, parseNote, type Log } from '@sigstack/merkle';
import type { CosignCheckpoint } from '@sigstack/rekor';
import { createCheckpointCosigner, type CheckpointCosigner, type CosignerLogger } from '@sigstack/witness';
import type { StackConfig, WitnessingConfig } from '../config.js';

/** The logs of a stack that can be witnessed, by their config section. */
export type WitnessedLogName = 'rekor' | 'rekorV2' | 'ctlog';

/** What witnessing reads of a log: its latest checkpoint and consistency proofs. */
export type WitnessedLogSource = Pick<Log, 'checkpoint' | 'consistencyProof'>;

/** The file in `<dataDir>/trust/` a witness reads (`sigstack witness --logs-file`): one `<origin> <vkey>` per log. */
export const WITNESS_LOGS_FILE = 'witness-logs.txt';

/**
 * Witness cosigning for the stack's logs (config `<log>.witnessing`, C2SP
 * tlog-witness). Per log with witnesses, one cosigner (@sigstack/witness) that polls
 * the log's checkpoint and offers each new one to the witnesses in the background,
 * with the consistency proof from the size each witness holds. What the log serves
 * is only ever its own signed checkpoint plus cosignatures that verified with the
 * configured witness keys: a witness that lies, hangs or is down can withhold its
 * cosignature, never change what is served.
 *
 * - The tiles checkpoint (`checkpointText`) carries the cosignatures collected
 *   (fail open: the latest checkpoint is served when the quorum lags).
 * - Rekor v2 with `waitForWitnesses` answers a write only with a checkpoint that has
 *   its quorum (`cosignHook`); the service turns a timeout into 503 NOT_WITNESSED.
 *
 * Made before the logs open (the Rekor v2 hook is an open option), attached to each
 * log once it is open; the logger arrives with the app.
 */
export class StackWitnessing {
  readonly #config: StackConfig;
  readonly #cosigners = new Map<WitnessedLogName, CheckpointCosigner>();
  #logger: CosignerLogger | undefined;

  constructor(config: StackConfig) {
    this.#config = config;
  }

  #settings(name: WitnessedLogName): WitnessingConfig {
    return this.#config[name].witnessing;
  }

  /** The Rekor v2 write hook when the write waits for the witnesses; undefined when it does not. */
  cosignHook(name: WitnessedLogName): CosignCheckpoint | undefined {
    if (!this.#settings(name).waitForWitnesses) return undefined;
    return (cp) => {
      const c = this.#cosigners.get(name);
      // Attached right after the log opens, before the app serves: only a bug gets here.
      if (!c) return Promise.reject(new Error(`witnessing of ${name} is not attached to its log`));
      return c.cosign(cp);
    };
  }

  /** Starts witnessing `log` if its config names witnesses. */
  attach(name: WitnessedLogName, log: WitnessedLogSource): void {
    const w = this.#settings(name);
    if (w.witnesses.length === 0) return;
    const cosigner = createCheckpointCosigner({
      witnesses: w.witnesses.map((x) => ({ name: x.name, url: x.url, verifierKey: x.key })),
      quorum: w.quorum ?? w.witnesses.length,
      timeoutMs: w.timeoutMs,
      consistencyProof: (a, b) => log.consistencyProof(a, b),
      latest: () => log.checkpoint(),
      logger: {
        warn: (o, m) => this.#logger?.warn({ log: name, ...o }, m),
        error: (o, m) => this.#logger?.error({ log: name, ...o }, m),
      },
    });
    this.#cosigners.set(name, cosigner);
  }

  /** Where cosigner trouble is reported (the app's logger, once it exists). */
  setLogger(logger: CosignerLogger): void {
    this.#logger = logger;
  }

  /** The checkpoint the tiles view of `log` serves: with the cosignatures collected. Undefined without witnesses. */
  checkpointText(name: WitnessedLogName, log: WitnessedLogSource): (() => string) | undefined {
    const c = this.#cosigners.get(name);
    return c ? () => c.served(log.checkpoint()) : undefined;
  }

  /**
   * Per witness, read at scrape time: the size it last cosigned, its consecutive
   * failures (0 while healthy), and when it last cosigned. Alert on failures > 0 for
   * long, or on a cosigned size far behind the log's.
   */
  observe(registry: Registry): void {
    if (this.#cosigners.size === 0) return;
    const each = (f: (log: WitnessedLogName, s: ReturnType<CheckpointCosigner['status']>[number]) => void) => {
      for (const [log, c] of this.#cosigners) for (const s of c.status()) f(log, s);
    };
    const labelNames = ['log', 'witness'] as const;
    new Gauge({
      name: 'sigstack_witness_cosigned_size',
      help: 'The tree size each witness last cosigned, as far as the log knows (0: none yet)',
      labelNames,
      registers: [registry],
      collect() {
        each((log, s) => this.set({ log, witness: s.name }, s.size));
      },
    });
    new Gauge({
      name: 'sigstack_witness_consecutive_failures',
      help: 'Requests to each witness that failed in a row (timeouts, refusals, invalid cosignatures); 0 while it cosigns',
      labelNames,
      registers: [registry],
      collect() {
        each((log, s) => this.set({ log, witness: s.name }, s.failures));
      },
    });
    new Gauge({
      name: 'sigstack_witness_last_cosigned_timestamp_seconds',
      help: 'When each witness last returned a valid cosignature (0: never since start)',
      labelNames,
      registers: [registry],
      collect() {
        each((log, s) => this.set({ log, witness: s.name }, (s.lastCosignedMs ?? 0) / 1000));
      },
    });
  }

  async close(): Promise<void> {
    for (const c of this.#cosigners.values()) await c.close();
    this.#cosigners.clear();
  }
}

/**
 * The C2SP verifier key of a log's checkpoint signature, `<name>+<hint>+<base64>`:
 * what a witness is given for the log. The key name is read from the log's own
 * signed checkpoint (Rekor v1 and v2 sign as the host name, the CT log as its origin)
 * and the hint checked against it.
 */
export function logVerifierKey(log: WitnessedLogSource, signer: Signer): string {
  const note = parseNote(log.checkpoint().text);
  const sig = note.signatures[0];
  if (!sig) throw new Error('the log checkpoint carries no signature');
  const s = signer.algorithm === 'ed25519' ? createEd25519NoteSigner(sig.name, signer) : createEcdsaNoteSigner(sig.name, signer);
  if (!s.keyHint.equals(sig.keyHint)) throw new Error(`the log checkpoint is signed by ${sig.name}+${sig.keyHint.toString('hex')}, not by this key`);
  return s.verifierKey;
}

/** The `--logs-file` lines for a witness of this stack's logs: `<origin> <vkey>`, one per log. */
export function witnessLogsText(logs: readonly { log: WitnessedLogSource; signer: Signer }[]): string {
  return logs.map(({ log, signer }) => `${log.checkpoint().origin} ${logVerifierKey(log, signer)}\n`).join('');
}
