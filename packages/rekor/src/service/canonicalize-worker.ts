// Runs in a worker thread: validates, verifies and canonicalises proposed entries
// sent by CanonicalizerPool, so that signature verification uses every core.
import { parentPort } from 'node:worker_threads';
import { RekorError } from '../errors.js';
import { canonicalizeProposedEntry } from '../types/index.js';
import type { CanonicalizeReply, CanonicalizeRequest } from './canonicalizer-pool.js';

parentPort!.on('message', (msg: CanonicalizeRequest) => {
  canonicalizeProposedEntry(msg.proposed, msg.limits).then(
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
