import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { retryAfterSeconds, signerUnavailableReply } from '@sigstack/core';
import { FulcioError } from '../errors.js';
import type { FulcioService } from '../service/fulcio-service.js';
import { assertRequestBody, bearerToken, parseJsonObject, V1_REQUEST_SCHEMA, V2_REQUEST_SCHEMA, v1KeyProof, v2KeyProof, v2Token } from './request-body.js';
import { FULCIO_STATUS, GRPC_CODE } from './status.js';

export interface FulcioRoutesOptions {
  fulcio: FulcioService;
  /** The body of GET /api/v2/configuration (`{"issuers":[...]}`), from the identity side. */
  configuration: () => unknown;
  /** Largest accepted request body, in bytes (413 above). Default DEFAULT_FULCIO_BODY_LIMIT. */
  bodyLimit?: number;
}

/**
 * Default request body limit. The largest legitimate request is an RSA-4096 CSR or
 * key plus a signature plus a JWT (a few KiB, GitHub and GitLab tokens included);
 * 64 KiB leaves ample room and bounds the work per request.
 */
export const DEFAULT_FULCIO_BODY_LIMIT = 64 * 1024;

export const PEM_CHAIN_TYPE = 'application/pem-certificate-chain';

const PATHS = ['/api/v2/signingCert', '/api/v1/signingCert', '/api/v2/trustBundle', '/api/v1/rootCert', '/api/v2/configuration'];

const errorSchema = {
  type: 'object',
  properties: { code: { type: 'integer' }, message: { type: 'string' }, details: { type: 'array', items: {} } },
  required: ['code', 'message', 'details'],
} as const;

const chainSchema = {
  type: 'object',
  properties: { certificates: { type: 'array', items: { type: 'string' } } },
  required: ['certificates'],
} as const;

const signingCertificateSchema = {
  type: 'object',
  properties: { signedCertificateEmbeddedSct: { type: 'object', properties: { chain: chainSchema }, required: ['chain'] } },
  required: ['signedCertificateEmbeddedSct'],
} as const;

const trustBundleSchema = {
  type: 'object',
  properties: { chains: { type: 'array', items: chainSchema } },
  required: ['chains'],
} as const;

/**
 * The Fulcio HTTP API (protocols.md §4.1–§4.4), mounted at the origin root:
 *
 * - `POST /api/v2/signingCert` → 200 `{"signedCertificateEmbeddedSct":{"chain":{"certificates":[leaf, intermediate, root]}}}`
 *   (PEM strings); token from `credentials.oidcIdentityToken`, else `Authorization: Bearer`.
 * - `POST /api/v1/signingCert` (cosign 2.x, gitsign) → **201** `application/pem-certificate-chain`,
 *   the PEM blocks leaf first joined as upstream does; token from `Authorization` only.
 * - `GET /api/v2/trustBundle`, `GET /api/v1/rootCert`, `GET /api/v2/configuration`.
 *
 * Errors are grpc-gateway's `{"code": <gRPC code>, "message": "...", "details": []}`
 * with the HTTP status of FULCIO_STATUS. CORS as upstream's (rs/cors defaults: any
 * origin, simple methods, Accept/Content-Type/X-Requested-With). The plugin is encapsulated: its content-type parsers, error
 * handler and CORS hook apply to its own routes only.
 */
export const fulcioRoutes: FastifyPluginAsync<FulcioRoutesOptions> = async (app: FastifyInstance, opts) => {
  const fulcio = opts.fulcio;
  const bodyLimit = opts.bodyLimit ?? DEFAULT_FULCIO_BODY_LIMIT;
  // Answers built once per CA: a key rotation replaces the CA while the routes serve.
  let answersOf = fulcio.ca;
  let answers = chainAnswers(answersOf);
  const current = () => {
    if (fulcio.ca !== answersOf) answers = chainAnswers((answersOf = fulcio.ca));
    return answers;
  };

  app.setErrorHandler((err: FastifyError, req, reply) => sendFulcioError(err, reply, req.log, bodyLimit));

  // JSON only; bodies are parsed here so a syntax error is MALFORMED_REQUEST in the upstream shape.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseJsonObject(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  // CORS as upstream Fulcio (rs/cors `cors.Default()`): any origin, the simple
  // methods, and only the headers Accept, Content-Type and X-Requested-With; no
  // Max-Age. A preflight asking for anything else gets 204 without CORS headers, so
  // the browser refuses the request: the requested headers are never reflected
  // (issue 10: they were, for any origin, cached for a day). Browser clients send the
  // token in the v2 body (sigstore-js), which needs no Authorization header.
  // Actual responses allow every origin (a public API with no cookies), as before.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'OPTIONS') reply.header('Access-Control-Allow-Origin', '*');
  });
  for (const path of PATHS) {
    app.options(path, async (req, reply) => {
      reply.code(204).header('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
      const method = req.headers['access-control-request-method'];
      const requested = corsRequestedHeaders(req.headers['access-control-request-headers']);
      if (req.headers.origin === undefined || typeof method !== 'string' || !CORS_METHODS.has(method) || requested === undefined) return reply.send();
      reply.header('Access-Control-Allow-Origin', '*').header('Access-Control-Allow-Methods', method);
      if (requested.length > 0) reply.header('Access-Control-Allow-Headers', requested.join(', '));
      return reply.send();
    });
  }

  app.post(
    '/api/v2/signingCert',
    { bodyLimit, schema: { response: { 200: signingCertificateSchema, '4xx': errorSchema, '5xx': errorSchema } } },
    async (req, reply) => {
      const body = jsonBody(req);
      assertRequestBody(V2_REQUEST_SCHEMA, body);
      const token = v2Token(body) || bearerToken(req.headers.authorization);
      requireToken(token);
      const cert = await fulcio.createSigningCertificate({ token, key: v2KeyProof(body) });
      return reply.code(200).send({ signedCertificateEmbeddedSct: { chain: { certificates: cert.chainPem } } });
    },
  );

  app.post('/api/v1/signingCert', { bodyLimit, schema: { response: { '4xx': errorSchema, '5xx': errorSchema } } }, async (req, reply) => {
    const body = jsonBody(req);
    assertRequestBody(V1_REQUEST_SCHEMA, body);
    const token = bearerToken(req.headers.authorization);
    requireToken(token);
    const cert = await fulcio.createSigningCertificate({ token, key: v1KeyProof(body) });
    // 201, as upstream's legacy handler: cosign 2.x and gitsign refuse any other status.
    return reply.code(201).header('Content-Type', PEM_CHAIN_TYPE).send(joinPem(cert.chainPem));
  });

  app.get('/api/v2/trustBundle', { schema: { response: { 200: trustBundleSchema } } }, async () => current().trustBundle);
  app.get('/api/v1/rootCert', async (_req, reply) => reply.header('Content-Type', PEM_CHAIN_TYPE).send(current().rootCertPem));
  app.get('/api/v2/configuration', async (_req, reply) => reply.header('Content-Type', 'application/json').send(JSON.stringify(opts.configuration())));
};

/** rs/cors defaults, which upstream Fulcio uses. */
const CORS_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'HEAD']);
const CORS_HEADERS: ReadonlySet<string> = new Set(['accept', 'content-type', 'x-requested-with']);

/** The requested headers, lower-cased, if every one is allowed; [] for none; undefined if any is not. */
function corsRequestedHeaders(header: string | string[] | undefined): string[] | undefined {
  if (header === undefined) return [];
  const names = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  return names.every((h) => CORS_HEADERS.has(h)) ? names : undefined;
}

/** Upstream's legacy encoding: every PEM block followed by "\n", the whole trimmed. */
function joinPem(pems: readonly string[]): string {
  return pems.map((p) => p + '\n').join('').trim();
}

function jsonBody(req: FastifyRequest): Parameters<typeof v2KeyProof>[0] {
  const body = req.body;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    throw new FulcioError('MALFORMED_REQUEST', 'the request needs a JSON object body (Content-Type: application/json)');
  return body as Parameters<typeof v2KeyProof>[0];
}

function requireToken(token: string | undefined): asserts token is string {
  if (!token) throw new FulcioError('TOKEN_MISSING', 'no OIDC identity token was presented (Authorization: Bearer <token>)');
}

/** Maps an error to grpc-gateway's body with our status table; unknown errors are 500 and logged. */
export function sendFulcioError(
  err: FastifyError | Error,
  reply: FastifyReply,
  log: { error: (o: object, m: string) => void },
  bodyLimit = DEFAULT_FULCIO_BODY_LIMIT,
): FastifyReply {
  let status = 500;
  let grpc: number = GRPC_CODE.INTERNAL;
  let message = 'internal server error';
  const fe = err as FastifyError;
  const unavailable = signerUnavailableReply(err);
  if (unavailable) {
    // The CA key (or the CT log's) on an HSM that went away: 503 UNAVAILABLE + Retry-After.
    log.error({ err }, 'signing key unavailable');
    reply.header('Retry-After', retryAfterSeconds());
    status = unavailable.status;
    grpc = GRPC_CODE.UNAVAILABLE;
    message = unavailable.message;
  } else if (err instanceof FulcioError) {
    const entry = FULCIO_STATUS[err.code] ?? { status: 500, grpc: GRPC_CODE.INTERNAL, message: 'internal server error' };
    ({ status, grpc } = entry);
    message = `${entry.message}: ${err.message}`;
    if (err.code === 'CT_LOG_BUSY') reply.header('Retry-After', retryAfterSeconds());
    else if (status >= 500) log.error({ err, fulcioCode: err.code }, `Fulcio failure ${err.code}`);
  } else if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    status = 413;
    grpc = GRPC_CODE.RESOURCE_EXHAUSTED;
    message = `request body exceeds the ${bodyLimit}-byte limit`;
  } else if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    status = 415;
    grpc = GRPC_CODE.INVALID_ARGUMENT;
    message = 'unsupported Content-Type: send application/json';
  } else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    status = fe.statusCode;
    grpc = status === 401 ? GRPC_CODE.UNAUTHENTICATED : GRPC_CODE.INVALID_ARGUMENT;
    message = err.message;
  } else {
    log.error({ err }, 'unhandled error');
  }
  return reply.code(status).type('application/json').send({ code: grpc, message, details: [] });
}

/** `/api/v2/trustBundle` and `/api/v1/rootCert` for a CA: its chain, intermediate first. */
function chainAnswers(ca: { chainPem: readonly string[] }): { trustBundle: { chains: { certificates: string[] }[] }; rootCertPem: string } {
  return { trustBundle: { chains: [{ certificates: [...ca.chainPem] }] }, rootCertPem: joinPem(ca.chainPem) };
}
