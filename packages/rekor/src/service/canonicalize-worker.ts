// Runs in a worker thread: validates, verifies and canonicalises proposed entries
// (Rekor v1) and CreateEntryRequests (Rekor v2) sent by CanonicalizerPool, so that signature verification uses every core.
import { parentPort } from 'node:worker_threads';
import { RekorError } from '../errors.js';
import { canonicalizeProposedEntry } from '../types/index.js';
import { canonicalizeCreateEntryRequest } from '../v2/create-entry-request.js';
import type { CanonicalizeReply, CanonicalizeRequest } from './canonicalizer-pool.js';

// v2 entries come back in the same reply shape (version as apiVersion, no index keys).
const canonicalize = (msg: CanonicalizeRequest): Promise<{ kind: string; apiVersion: string; body: Uint8Array; indexKeys: string[] }> =>
  msg.api === 'v2'
    ? canonicalizeCreateEntryRequest(msg.proposed, msg.limits).then((e) => ({ kind: e.kind, apiVersion: e.version, body: e.body, indexKeys: [] }))
    : canonicalizeProposedEntry(msg.proposed, msg.limits);

parentPort!.on('message', (msg: CanonicalizeRequest) => {
  canonicalize(msg).then(
    (e) => {
      const reply: CanonicalizeReply = { id: msg.id, ok: true, kind: e.kind, apiVersion: e.apiVersion, body: e.body, indexKeys: e.indexKeys };
      parentPort!.postMessage(reply);
    },
    (err: unknown) => {
      const reply: CanonicalizeReply =
        err instanceof RekorError
          ? { id: msg.id, ok: false, code: err.code, message: err.message }
          : { id: msg.id, ok: false, message: err instanceof Error ? err.message : String(err) };
      parentPort!.postMessage(reply);
    },
  );
});
