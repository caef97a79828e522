import { join } from 'node:path';
import type { Clock } from '@sigstack/core';
import { openWitnessIdentity, WITNESS_STATE_FILE } from './witness-identity.js';
import { WitnessState } from './witness-state.js';
import { Witness, type WitnessedLog, type WitnessOptions } from './witness.js';

export interface OpenWitnessOptions {
  /** Key, name and state live here (created on first start). */
  dataDir: string;
  /** The witness's key name; fixed at first start (default `<host name>/witness`). */
  name?: string;
  logs: readonly WitnessedLog[];
  clock?: Clock;
  /** Passphrase of the key file (a key made on first start is encrypted with it). */
  passphrase?: string;
  onFork?: WitnessOptions['onFork'];
}

export interface WitnessInstance {
  witness: Witness;
  name: string;
  verifierKey: string;
  close(): void;
}

/** Opens the witness over `dataDir`: identity (key + name), durable state, the logs it follows. */
export function openWitness(opts: OpenWitnessOptions): WitnessInstance {
  const id = openWitnessIdentity({
    dataDir: opts.dataDir,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
  });
  const state = WitnessState.open(join(opts.dataDir, WITNESS_STATE_FILE));
  try {
    const witness = new Witness({
      state,
      cosigner: id.cosigner,
      logs: opts.logs,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.onFork ? { onFork: opts.onFork } : {}),
    });
    return { witness, name: id.name, verifierKey: id.verifierKey, close: () => state.close() };
  } catch (e) {
    state.close();
    throw e;
  }
}
