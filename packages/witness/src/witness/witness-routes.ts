import { createHash } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { INTERNAL_ERROR_REPLY, requestErrorReply, type ErrorReply } from '@sigstack/core';
import { WITNESS_STATUS, WitnessError } from '../errors.js';
import type { Witness } from './witness.js';

export interface WitnessRoutesOptions {
  witness: Witness;
  /** Largest add-checkpoint body, in bytes (413 above); default DEFAULT_WITNESS_BODY_LIMIT. */
  bodyLimit?: number;
}

/**
 * 16 KiB, as transparency-dev/witness: 63 proof lines are under 3 KiB, a checkpoint
 * with a handful of signatures well under 1 KiB.
 */
export const DEFAULT_WITNESS_BODY_LIMIT = 16 * 1024;

/** C2SP tlog-witness: the 409 body is the size, with this media type. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/**
 * The witness's HTTP API (C2SP tlog-witness), mounted under the submission prefix:
 *
 *     POST <prefix>/add-checkpoint           200 cosignature line(s), text/plain
 *     GET  <prefix>/<sha256(origin) hex>/checkpoint   the latest cosigned checkpoint (monitoring)
 *
 * Refusals: 400 malformed or `old` > size, 403 not signed by the log's key, 404
 * unknown origin, 409 `old` is not the size held (body `<size>\n`, text/x.tlog.size),
 * 413 too large, 422 bad consistency proof or a fork. Every other refusal body is
 * JSON `{code, message}`. The body is read as bytes whatever the content type
 * (the protocol names none).
 */
export const witnessRoutes: FastifyPluginCallback<WitnessRoutesOptions> = (app: FastifyInstance, opts, done) => {
  const witness = opts.witness;
  const bodyLimit = opts.bodyLimit ?? DEFAULT_WITNESS_BODY_LIMIT;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, next) => next(null, body));
  app.setErrorHandler((err: FastifyError, req, reply) => sendWitnessError(err, req, reply));

  app.post('/add-checkpoint', { bodyLimit }, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const lines = await witness.addCheckpoint(body);
    return reply.code(200).type('text/plain; charset=utf-8').send(lines);
  });

  const byHash = new Map(witness.origins.map((o) => [createHash('sha256').update(o).digest('hex'), o]));
  app.get<{ Params: { hash: string } }>('/:hash/checkpoint', async (req, reply) => {
    const origin = byHash.get(req.params.hash);
    const cp = origin === undefined ? undefined : witness.latest(origin);
    if (!cp) return reply.code(404).type('application/json').send({ code: 404, message: 'this witness has cosigned no checkpoint of that log' });
    return reply.header('cache-control', 'no-cache').type('text/plain; charset=utf-8').send(cp.checkpoint);
  });
  done();
};

function sendWitnessError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof WitnessError && err.code === 'OLD_SIZE_MISMATCH' && err.size !== undefined)
    return reply.code(409).type(TLOG_SIZE_CONTENT_TYPE).send(`${err.size}\n`);
  let r: ErrorReply | undefined =
    err instanceof WitnessError && WITNESS_STATUS[err.code] < 500 ? { status: WITNESS_STATUS[err.code], message: err.message, retry: false } : requestErrorReply(err);
  if (!r) {
    req.log.error({ err }, 'witness: unhandled error');
    r = INTERNAL_ERROR_REPLY;
  }
  // A fork is evidence against the log; a proof that does not verify is a fork or a broken log: both for the operator.
  if (err instanceof WitnessError && err.code === 'FORK') req.log.error({ code: err.code }, err.message);
  if (err instanceof WitnessError && err.code === 'INVALID_PROOF') req.log.warn({ code: err.code }, err.message);
  return reply.code(r.status).type('application/json').send({ code: r.status, message: r.message });
}
