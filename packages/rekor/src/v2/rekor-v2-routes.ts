import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { RekorError } from '../errors.js';
import { sendRekorError } from '../routes/rekor-routes.js';
import type { RekorV2Service } from './rekor-v2-service.js';

export interface RekorV2RoutesOptions {
  rekorV2: RekorV2Service;
  /** Largest accepted request body, in bytes (413 above). */
  bodyLimit?: number;
}

/**
 * Default request body limit: a hashedrekord request is a digest, a signature and a
 * certificate (a few KiB); a dsse request carries the whole envelope, base64 in JSON,
 * up to the 1 MiB envelope limit (DEFAULT_ENTRY_LIMITS.maxEnvelopeBytes).
 */
export const DEFAULT_REKOR_V2_BODY_LIMIT = 2 * 1024 * 1024;

/** The one write path of the Rekor v2 API (rekor-tiles api/proto/rekor/v2/rekor_service.proto). */
export const REKOR_V2_ENTRIES_PATH = '/api/v2/log/entries';

const tleSchema = {
  type: 'object',
  properties: {
    logIndex: { type: 'string' },
    logId: { type: 'object', properties: { keyId: { type: 'string' } } },
    kindVersion: { type: 'object', properties: { kind: { type: 'string' }, version: { type: 'string' } } },
    integratedTime: { type: 'string' },
    inclusionPromise: { type: 'null' },
    inclusionProof: {
      type: 'object',
      properties: {
        logIndex: { type: 'string' },
        rootHash: { type: 'string' },
        treeSize: { type: 'string' },
        hashes: { type: 'array', items: { type: 'string' } },
        checkpoint: { type: 'object', properties: { envelope: { type: 'string' } } },
      },
    },
    canonicalizedBody: { type: 'string' },
  },
} as const;

const errorSchema = { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' } } } as const;

/**
 * `POST /api/v2/log/entries` (protocols.md §7.1): 201 with the TransparencyLogEntry
 * (protobuf-JSON); 400 naming what is wrong; 409 with `x-log-index` for a
 * duplicate; 413 above the body limit; 503 + Retry-After when the log pushes back, or
 * (NOT_WITNESSED, with `x-log-index`) when the entry is logged but the witnesses did not
 * cosign its checkpoint in time (a retry of the same request gets 409).
 * Errors are `{code: <status>, message}` as everywhere in the stack (upstream's
 * grpc-gateway writes the gRPC code there; clients only read the status). The
 * checkpoint and tiles are served by the tile read API, not here.
 */
export const rekorV2Routes: FastifyPluginAsync<RekorV2RoutesOptions> = async (app: FastifyInstance, opts) => {
  const service = opts.rekorV2;
  app.setErrorHandler((err: FastifyError, req, reply) => {
    // A duplicate, and an entry logged whose checkpoint the witnesses did not cosign in time, name the entry.
    if (err instanceof RekorError && (err.code === 'ENTRY_EXISTS' || err.code === 'NOT_WITNESSED') && err.logIndex !== undefined)
      reply.header('x-log-index', String(err.logIndex));
    return sendRekorError(err, reply, req.log);
  });
  app.post(
    REKOR_V2_ENTRIES_PATH,
    // The body's fields are read by create-entry-request.ts, which names the field at fault;
    // the schema only keeps out what is not an object.
    { bodyLimit: opts.bodyLimit ?? DEFAULT_REKOR_V2_BODY_LIMIT, schema: { body: { type: 'object' }, response: { 201: tleSchema, '4xx': errorSchema } } },
    async (req, reply) => {
      const tle = await service.createEntry(req.body);
      // Serialised here, field for field as TransparencyLogEntryJson (a string is sent as is).
      return reply.code(201).type('application/json; charset=utf-8').send(JSON.stringify(tle));
    },
  );
};
