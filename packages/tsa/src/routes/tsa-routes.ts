import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { retryAfterSeconds, signerUnavailableReply } from '@sigstack/core';
import { TsaError, type TsaErrorCode } from '../errors.js';
import type { RequestFormat } from '../service/timestamp-request.js';
import type { TimestampAuthority } from '../service/timestamp-authority.js';
import { TSA_STATUS } from './status.js';

export interface TsaRoutesOptions {
  /**
   * The TSA, or a function giving the current one: a key rotation swaps the TSA
   * while the routes serve, and each request signs with the one current when it
   * arrives.
   */
  tsa: TimestampAuthority | (() => TimestampAuthority);
  /** Largest accepted request body, in bytes (413 above). Default DEFAULT_TSA_BODY_LIMIT. */
  bodyLimit?: number;
}

/**
 * Default request body limit. A TimeStampReq with a SHA-512 imprint, a policy and
 * a 64-byte nonce is under 200 bytes; the JSON form is smaller than upstream's
 * 1 KiB cap. 10 KiB leaves room and bounds the work per request.
 */
export const DEFAULT_TSA_BODY_LIMIT = 10 * 1024;

/** The reply media type. gitsign compares it as a string: no parameters. */
export const TIMESTAMP_REPLY_TYPE = 'application/timestamp-reply';

const MEDIA_TYPES: Readonly<Record<string, RequestFormat>> = {
  'application/timestamp-query': 'der',
  'application/json': 'json',
};

const errorSchema = {
  type: 'object',
  properties: { code: { type: 'integer' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

/**
 * The TSA's HTTP API (protocols.md §8.1), mounted at the origin root:
 *
 * - `POST /api/v1/timestamp`, body a DER TimeStampReq (`application/timestamp-query`)
 *   or the JSON form (`application/json`; sigstore-js). 200 with
 *   `Content-Type: application/timestamp-reply` and a granted TimeStampResp.
 *   A well-formed DER request we refuse (hash, digest length, policy, extensions,
 *   version) gets 400 with an RFC 3161 rejection TimeStampResp (status 2, failInfo,
 *   statusString naming the problem) in the same media type, which
 *   `openssl ts -reply -text` prints and Go clients report. Anything else that
 *   fails is `{ "code": <status>, "message": "..." }`: 400 malformed body, 413 too
 *   large, 415 other Content-Type, 5xx ours.
 * - `GET /api/v1/timestamp/certchain`: the PEM chain, leaf first.
 *
 * The plugin is encapsulated: it replaces the content-type parsers and error
 * handler in its own scope only.
 */
export const tsaRoutes: FastifyPluginAsync<TsaRoutesOptions> = async (app: FastifyInstance, opts) => {
  const current = typeof opts.tsa === 'function' ? opts.tsa : ((tsa) => () => tsa)(opts.tsa);
  const bodyLimit = opts.bodyLimit ?? DEFAULT_TSA_BODY_LIMIT;

  app.setErrorHandler((err: FastifyError, req, reply) => sendTsaError(err, reply, req.log, bodyLimit));

  // Bodies arrive as raw bytes: the service parses both forms itself (strict DER,
  // exact JSON fields), so nothing is decoded twice.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(Object.keys(MEDIA_TYPES), { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', (req, _payload, done) =>
    done(unsupportedMediaType(req.headers['content-type']), undefined),
  );

  app.post<{ Body: Buffer }>(
    '/api/v1/timestamp',
    { bodyLimit, schema: { response: { '4xx': errorSchema, '5xx': errorSchema } } },
    async (req, reply) => {
      const format = MEDIA_TYPES[mediaType(req.headers['content-type'])];
      if (!format || !Buffer.isBuffer(req.body)) throw unsupportedMediaType(req.headers['content-type']);
      const res = await current().respond(req.body, format);
      if (!res.granted) req.log.info({ tsaCode: res.error.code }, `timestamp request rejected: ${res.error.message}`);
      return reply.code(res.granted ? 200 : 400).header('Content-Type', TIMESTAMP_REPLY_TYPE).send(res.der);
    },
  );

  app.get('/api/v1/timestamp/certchain', async (_req, reply) =>
    reply.header('Content-Type', 'application/pem-certificate-chain').send(current().chainPem),
  );
};

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function unsupportedMediaType(header: string | undefined): TsaError {
  const got = header ? `Content-Type ${JSON.stringify(header.slice(0, 80))}` : 'no Content-Type';
  return new TsaError('UNSUPPORTED_MEDIA_TYPE', `${got}: send application/timestamp-query (DER TimeStampReq) or application/json`);
}

/** Maps an error to `{ code: <status>, message }`. Unknown errors are 500 and logged. */
export function sendTsaError(
  err: FastifyError | Error,
  reply: FastifyReply,
  log: { error: (o: object, m: string) => void },
  bodyLimit = DEFAULT_TSA_BODY_LIMIT,
): FastifyReply {
  let status = 500;
  let message = 'internal server error';
  const fe = err as FastifyError;
  const unavailable = signerUnavailableReply(err);
  if (unavailable) {
    // The TSA key on an HSM that went away: come back later, no timestamp was issued.
    log.error({ err }, 'TSA key unavailable');
    reply.header('Retry-After', retryAfterSeconds());
    status = unavailable.status;
    message = unavailable.message;
  } else if (err instanceof TsaError) {
    status = TSA_STATUS[err.code as TsaErrorCode] ?? 500;
    message = err.message;
    if (status >= 500) log.error({ err }, `TSA failure ${err.code}`);
  } else if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    status = TSA_STATUS.REQUEST_TOO_LARGE;
    message = `request body exceeds the ${bodyLimit}-byte limit`;
  } else if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    status = TSA_STATUS.UNSUPPORTED_MEDIA_TYPE;
    message = unsupportedMediaType(undefined).message;
  } else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    status = fe.statusCode;
    message = err.message;
  } else {
    log.error({ err }, 'unhandled error');
  }
  return reply.code(status).type('application/json').send({ code: status, message });
}
