import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { INTERNAL_ERROR_REPLY, requestErrorReply, retryAfterSeconds, signerUnavailableReply, type ErrorReply } from '@sigstack/core';
import { logErrorReply } from '@sigstack/merkle';
import { RekorError, type RekorErrorCode } from '../errors.js';
import type { RekorService } from '../service/rekor-service.js';
import type { LogEntryMap, SearchIndexQuery, SearchLogQuery } from '../service/log-entry.js';
import { REKOR_STATUS } from './status.js';
import {
  consistencyProofSchema,
  decimal,
  errorSchema,
  logEntryMapSchema,
  logInfoSchema,
  proposedEntrySchema,
  searchIndexSchema,
  searchLogQuerySchema,
} from './schemas.js';

export interface RekorRoutesOptions {
  rekor: RekorService;
  /** Largest accepted request body, in bytes (413 above). */
  bodyLimit?: number;
}

/** Default request body limit: rekord entries carry the whole artifact, base64. */
export const DEFAULT_REKOR_BODY_LIMIT = 4 * 1024 * 1024;

const ENTRIES = '/api/v1/log/entries';

/**
 * The Rekor v1 REST API (protocols.md §6.1). Mount at the root of the origin.
 * Every failure is `{ "code": <status>, "message": "..." }` with the status from
 * routes/status.ts.
 */
export const rekorRoutes: FastifyPluginAsync<RekorRoutesOptions> = async (app: FastifyInstance, opts) => {
  const rekor = opts.rekor;
  const bodyLimit = opts.bodyLimit ?? DEFAULT_REKOR_BODY_LIMIT;

  app.setErrorHandler((err: FastifyError, req, reply) => sendRekorError(err, reply, req.log));

  app.post(
    ENTRIES,
    { bodyLimit, schema: { body: proposedEntrySchema, response: { 201: logEntryMapSchema, '4xx': errorSchema } } },
    async (req, reply) => {
      try {
        const { entryId, entry } = await rekor.createEntry(req.body);
        // sigstore-go reads the entry as payload[ETag]: the raw, unquoted entry ID.
        return sendEntryJson(reply.code(201).header('ETag', entryId).header('Location', `${ENTRIES}/${entryId}`), entry);
      } catch (e) {
        if (e instanceof RekorError && e.code === 'ENTRY_EXISTS' && e.entryId) reply.header('Location', `${ENTRIES}/${e.entryId}`);
        throw e;
      }
    },
  );

  app.get<{ Params: { entryUUID: string } }>(
    `${ENTRIES}/:entryUUID`,
    { schema: { response: { 200: logEntryMapSchema, '4xx': errorSchema } } },
    async (req, reply) => sendEntryJson(reply, await rekor.getEntry(req.params.entryUUID)),
  );

  app.get<{ Querystring: { logIndex?: string } }>(
    ENTRIES,
    { schema: { response: { 200: logEntryMapSchema, '4xx': errorSchema } } },
    async (req, reply) => {
      const raw = req.query.logIndex;
      if (raw === undefined) throw new RekorError('INVALID_QUERY', 'logIndex query parameter is required');
      return sendEntryJson(reply, await rekor.getEntryByIndex(parseIndex(raw, 'logIndex')));
    },
  );

  app.post<{ Body: SearchLogQuery }>(
    `${ENTRIES}/retrieve`,
    { bodyLimit, schema: { body: searchLogQuerySchema, response: { 200: { type: 'array', items: logEntryMapSchema }, '4xx': errorSchema } } },
    async (req) => rekor.retrieve(req.body),
  );

  app.post<{ Body: SearchIndexQuery }>(
    '/api/v1/index/retrieve',
    { bodyLimit: 256 * 1024, schema: { body: searchIndexSchema, response: { 200: { type: 'array', items: { type: 'string' } }, '4xx': errorSchema } } },
    async (req) => rekor.searchIndex(req.body),
  );

  app.get('/api/v1/log', { schema: { response: { 200: logInfoSchema } } }, async () => rekor.logInfo());

  app.get<{ Querystring: { treeID?: string } }>('/api/v1/log/publicKey', async (req, reply) => {
    checkTree(rekor, req.query.treeID);
    return reply.type('application/x-pem-file').send(rekor.publicKeyPem);
  });

  app.get<{ Querystring: { firstSize?: string; lastSize?: string; treeID?: string } }>(
    '/api/v1/log/proof',
    { schema: { response: { 200: consistencyProofSchema, '4xx': errorSchema } } },
    async (req) => {
      checkTree(rekor, req.query.treeID);
      if (req.query.lastSize === undefined) throw new RekorError('INVALID_QUERY', 'lastSize query parameter is required');
      const first = req.query.firstSize === undefined ? 1 : parseIndex(req.query.firstSize, 'firstSize');
      return rekor.consistencyProof(first, parseIndex(req.query.lastSize, 'lastSize'));
    },
  );
};

/**
 * Sends a LogEntry map already serialised. The map is built in exactly the order of
 * logEntryMapSchema with only strings and integers in it, so JSON.stringify writes
 * the same bytes the schema serialiser would, and the same Content-Type (a string
 * with a JSON type is sent as is), but escapes the ~1 KiB base64 body and the
 * checkpoint natively instead of by regular expression in JavaScript (measured:
 * the largest JavaScript cost of a read after the SET signature).
 */
function sendEntryJson(reply: FastifyReply, entry: LogEntryMap): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(entry));
}

function parseIndex(raw: string, name: string): number {
  if (!new RegExp(decimal.pattern).test(raw)) throw new RekorError('INVALID_QUERY', `${name}: "${raw.slice(0, 40)}" is not a non-negative integer`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new RekorError('INVALID_QUERY', `${name}: ${raw} is too large`);
  return n;
}

function checkTree(rekor: RekorService, treeId: string | undefined): void {
  if (!rekor.isOurTree(treeId)) throw new RekorError('UNKNOWN_TREE', `unknown treeID ${String(treeId).slice(0, 40)}`);
}

/**
 * Maps an error to the upstream-compatible JSON body: Rekor's own codes through
 * REKOR_STATUS, the engine's through @sigstack/merkle's one table, the framework's
 * refusals by shape. Unknown errors are 500 and logged.
 */
/** A Rekor refusal: its status from the one table; a 503 asks the client to come back (Retry-After). */
function rekorErrorReply(err: RekorError): ErrorReply {
  const status = REKOR_STATUS[err.code as RekorErrorCode] ?? 400;
  return { status, message: err.message, retry: status === 503 };
}

export function sendRekorError(err: FastifyError | Error, reply: FastifyReply, log: { error: (o: object, m: string) => void }): FastifyReply {
  // A log key on an HSM that went away: 503 + Retry-After, whatever wrapped it (SIGNING_FAILED).
  let r: ErrorReply | undefined =
    signerUnavailableReply(err) ?? (err instanceof RekorError ? rekorErrorReply(err) : (logErrorReply(err) ?? requestErrorReply(err)));
  if (!r) {
    log.error({ err }, 'unhandled error');
    r = INTERNAL_ERROR_REPLY;
  }
  if (r.retry) reply.header('Retry-After', retryAfterSeconds());
  return reply.code(r.status).type('application/json').send({ code: r.status, message: r.message });
}
