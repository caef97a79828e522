import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { INTERNAL_ERROR_REPLY, requestErrorReply, retryAfterSeconds, signerUnavailableReply, type ErrorReply } from '@sigstack/core';
import { logErrorReply } from '@sigstack/merkle';
import { CtLogError } from '../errors.js';
import { MAX_CHAIN_LENGTH } from '../service/chain-validator.js';
import { toAddChainResponse, type CtLogService } from '../service/ctlog-service.js';
import { CTLOG_STATUS } from './status.js';
import {
  addChainResponseSchema,
  consistencySchema,
  entriesSchema,
  errorSchema,
  proofByHashSchema,
  rootsSchema,
  sthSchema,
} from './schemas.js';

export interface CtLogRoutesOptions {
  ctlog: CtLogService;
  /**
   * The log prefix (e.g. '/2026'). Applied by fastify's `register`, which consumes
   * this option itself: routes are `{prefix}/ct/v1/...`. Default '' (`/ct/v1/...`).
   */
  prefix?: string;
  /** Largest accepted request body, in bytes (413 above). */
  bodyLimit?: number;
}

/** Default body limit: a chain of MAX_CHAIN_LENGTH certificates of a few KiB each, base64. */
export const DEFAULT_CTLOG_BODY_LIMIT = 256 * 1024;

const V1 = '/ct/v1';

/**
 * The RFC 6962 §4 API (protocols.md §5.1). Every failure is
 * `{ "code": <status>, "message": "..." }` with the status from routes/status.ts.
 */
export const ctlogRoutes: FastifyPluginAsync<CtLogRoutesOptions> = async (app: FastifyInstance, opts) => {
  const ct = opts.ctlog;
  const bodyLimit = opts.bodyLimit ?? DEFAULT_CTLOG_BODY_LIMIT;

  app.setErrorHandler((err: FastifyError, req, reply) => sendCtLogError(err, reply, req.log));

  const submit = { bodyLimit, schema: { response: { 200: addChainResponseSchema, '4xx': errorSchema, '5xx': errorSchema } } };
  app.post(`${V1}/add-pre-chain`, submit, async (req) => toAddChainResponse(await ct.addPreChain(parseChainBody(req.body))));
  app.post(`${V1}/add-chain`, submit, async (req) => toAddChainResponse(await ct.addChain(parseChainBody(req.body))));

  app.get(`${V1}/get-sth`, { schema: { response: { 200: sthSchema } } }, async () => ct.getSth());

  app.get<{ Querystring: Record<string, unknown> }>(
    `${V1}/get-sth-consistency`,
    { schema: { response: { 200: consistencySchema, '4xx': errorSchema } } },
    async (req) => ct.getSthConsistency(parseSize(req.query, 'first'), parseSize(req.query, 'second')),
  );

  app.get<{ Querystring: Record<string, unknown> }>(
    `${V1}/get-proof-by-hash`,
    { schema: { response: { 200: proofByHashSchema, '4xx': errorSchema } } },
    async (req) => ct.getProofByHash(parseHash(req.query), parseSize(req.query, 'tree_size')),
  );

  app.get<{ Querystring: Record<string, unknown> }>(
    `${V1}/get-entries`,
    { schema: { response: { 200: entriesSchema, '4xx': errorSchema } } },
    async (req) => ct.getEntries(parseSize(req.query, 'start'), parseSize(req.query, 'end')),
  );

  app.get(`${V1}/get-roots`, { schema: { response: { 200: rootsSchema } } }, async () => ct.getRoots());
};

/** `{"chain": ["<base64 DER>", ...]}` (RFC 6962 §4.1), checked member by member. */
export function parseChainBody(body: unknown): Buffer[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CtLogError('MALFORMED_REQUEST', 'body: must be a JSON object {"chain": [...]}');
  const chain = (body as { chain?: unknown }).chain;
  if (chain === undefined) throw new CtLogError('MALFORMED_REQUEST', 'chain: required');
  if (!Array.isArray(chain)) throw new CtLogError('MALFORMED_REQUEST', 'chain: must be an array of base64 certificates');
  if (chain.length === 0) throw new CtLogError('MALFORMED_REQUEST', 'chain: must hold at least one certificate');
  if (chain.length > MAX_CHAIN_LENGTH) throw new CtLogError('MALFORMED_REQUEST', `chain: at most ${MAX_CHAIN_LENGTH} certificates, got ${chain.length}`);
  return chain.map((c: unknown, i) => {
    if (typeof c !== 'string') throw new CtLogError('MALFORMED_REQUEST', `chain[${i}]: must be a base64 string`);
    const der = decodeBase64(c);
    if (!der || der.length === 0) throw new CtLogError('MALFORMED_REQUEST', `chain[${i}]: invalid base64`);
    return der;
  });
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

function parseSize(q: Record<string, unknown>, name: string): number {
  const raw = q[name];
  if (raw === undefined) throw new CtLogError('MALFORMED_REQUEST', `${name}: query parameter is required`);
  if (typeof raw !== 'string') throw new CtLogError('MALFORMED_REQUEST', `${name}: must be given once`);
  const n = Number(raw);
  if (!DECIMAL.test(raw) || !Number.isSafeInteger(n))
    throw new CtLogError('MALFORMED_REQUEST', `${name}: "${raw.slice(0, 40)}" is not a non-negative integer`);
  return n;
}

function parseHash(q: Record<string, unknown>): Buffer {
  const raw = q.hash;
  if (raw === undefined) throw new CtLogError('MALFORMED_REQUEST', 'hash: query parameter is required');
  if (typeof raw !== 'string') throw new CtLogError('MALFORMED_REQUEST', 'hash: must be given once');
  // An unescaped '+' arrives as a space (form decoding); base64 has no spaces, so restore it.
  const h = decodeBase64(raw.replaceAll(' ', '+'));
  if (!h) throw new CtLogError('MALFORMED_REQUEST', `hash: "${raw.slice(0, 60)}" is not base64`);
  if (h.length !== 32) throw new CtLogError('MALFORMED_REQUEST', `hash: a SHA-256 leaf hash is 32 bytes, got ${h.length}`);
  return h;
}

/** Standard, padded base64 (Go's StdEncoding, which ct-go uses); undefined otherwise. */
function decodeBase64(s: string): Buffer | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  // Reject non-canonical trailing bits (e.g. "AB==" vs "AA=="), so one value has one spelling.
  return b.toString('base64') === s ? b : undefined;
}

/**
 * Maps an error to the RFC 6962-style JSON body: the CT log's own codes through
 * CTLOG_STATUS, the engine's through @sigstack/merkle's one table, the framework's
 * refusals by shape. Unknown errors are 500 and logged.
 */
export function sendCtLogError(err: FastifyError | Error, reply: FastifyReply, log: { error: (o: object, m: string) => void }): FastifyReply {
  // The log key on an HSM that went away: 503 + Retry-After, whatever wrapped it.
  let r: ErrorReply | undefined = signerUnavailableReply(err);
  if (r) log.error({ err }, 'CT log key unavailable');
  else if (err instanceof CtLogError) {
    r = { status: CTLOG_STATUS[err.code], message: err.message, retry: false };
    if (r.status >= 500) log.error({ err }, 'CT log misconfiguration');
  } else r = logErrorReply(err) ?? requestErrorReply(err);
  if (!r) {
    log.error({ err }, 'unhandled error');
    r = INTERNAL_ERROR_REPLY;
  }
  if (r.retry) reply.header('Retry-After', retryAfterSeconds());
  return reply.code(r.status).type('application/json').send({ code: r.status, message: r.message });
}
