import { createPublicKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { ClientError } from '../../errors.js';
import { parseBundle } from '../bundle-reader.js';
import { BundleVerifier, type VerifierOptions } from '../bundle-verifier.js';
import type { WireChunk, WireDone, WireResult, WorkerInit } from './batch-protocol.js';
import { FastBundleVerifier } from './fast-verifier.js';

/**
 * A verification worker: builds the fast verifier (and the sigstore-js one, made on
 * first need, for shapes the fast path does not implement) once for its trust root,
 * then verifies the chunks it is sent, in order, and answers each with its results.
 */
const init = workerData as WorkerInit;
const opts: VerifierOptions = {
  trustedRoot: TrustedRoot.fromJSON(init.trustedRoot),
  ...(init.keySpki ? { key: createPublicKey({ key: Buffer.from(init.keySpki), format: 'der', type: 'spki' }) } : {}),
  ...(init.identity ? { identity: init.identity } : {}),
};
const fast = new FastBundleVerifier(opts);
let slow: BundleVerifier | undefined;

async function verifyOne(item: WireChunk['items'][number]): Promise<WireResult> {
  try {
    const bundle = parseBundle(item.bundle);
    const fallback = !fast.supports(bundle);
    const v = fallback ? await (slow ??= new BundleVerifier(opts)).verify(bundle, item.artifact) : await fast.verify(bundle, item.artifact);
    const r: WireResult = { ok: true, fallback, timestamps: v.timestamps.map((d) => d.getTime()) };
    if (v.identity) r.identity = v.identity;
    if (v.payloadType !== undefined) r.payloadType = v.payloadType;
    return r;
  } catch (e) {
    if (e instanceof ClientError) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: 'INTERNAL', message: (e as Error).message ?? String(e) };
  }
}

parentPort!.on('message', (chunk: WireChunk) => {
  void (async () => {
    const results: WireResult[] = [];
    for (const item of chunk.items) results.push(await verifyOne(item));
    parentPort!.postMessage({ id: chunk.id, results } satisfies WireDone);
  })();
});
