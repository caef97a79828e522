import { canonicalize, type Signer } from '@sigstack/core';
import type { SequencedEntry } from '@sigstack/merkle';

/**
 * The signed entry timestamp (SET, protocols.md §6.5) signs JCS of exactly
 * {body, integratedTime, logID, logIndex}: all four are fixed when the entry is
 * sequenced, so the SET is made once, in the batch, and stored beside the entry
 * instead of being re-signed on every read (upstream re-signs per read; either SET
 * verifies the same way, clients only check the signature).
 */
export function setPayload(bodyB64: string, integratedTime: number, logIdHex: string, logIndex: number): Buffer {
  // A single-tree log's global index equals its tree-local index.
  return Buffer.from(canonicalize({ body: bodyB64, integratedTime, logID: logIdHex, logIndex }));
}

/** Rekor v1 integratedTime: whole seconds of the batch timestamp. */
export function integratedTimeOf(timestampMs: number): number {
  return Math.floor(timestampMs / 1000);
}

/**
 * The merkle log's `attach` hook: signs the SET of every entry of a batch after
 * sequencing and before the commit; the engine hands each SET to onSequenced (which
 * stores it with RekorIndexStore.putSet, in the same transaction as the leaf) and to the entry's add() caller.
 *
 * A file key signs synchronously on the event loop (~20 µs per P-256 SET): the
 * asynchronous path queues one thread-pool job per SET, and under load those jobs
 * contend for the key's lock with the main thread, which costs the event loop more
 * than signing itself (measured: ~25 µs of main-thread time per async SET). Remote
 * signers (no signSync) sign the batch concurrently.
 */
export function makeSetSigner(signer: Signer, logIdHex: string): (entries: readonly SequencedEntry[]) => Buffer[] | Promise<Buffer[]> {
  const payloadOf = (e: SequencedEntry) =>
    setPayload(Buffer.from(e.leaf.buffer, e.leaf.byteOffset, e.leaf.byteLength).toString('base64'), integratedTimeOf(e.timestampMs), logIdHex, e.index);
  const signSync = signer.signSync?.bind(signer);
  if (signSync) return (entries) => entries.map((e) => signSync(payloadOf(e)));
  return (entries) => Promise.all(entries.map((e) => signer.sign(payloadOf(e))));
}
