import { stat } from 'node:fs/promises';
import { ClientError } from '../errors.js';
import { MAX_TOKEN_BYTES, SIGSTORE_AUDIENCE, type AmbientProviderName } from './identity-token-options.js';
import { readTokenFile } from './explicit-token.js';

/** What an ambient provider needs from its caller. */
export interface AmbientContext {
  env: Record<string, string | undefined>;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  filesystemTokenPath: string;
  signal?: AbortSignal;
  log: (line: string) => void;
}

/**
 * A source of tokens the environment already holds (cosign's `providers.Interface`):
 * `enabled` looks only at the environment; `provide` fetches a token for the audience.
 */
export interface AmbientProvider {
  name: AmbientProviderName;
  enabled(ctx: AmbientContext): Promise<boolean>;
  provide(ctx: AmbientContext, audience: string): Promise<string>;
}

function nonEmpty(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

/** Reads a JSON body, bounded, and returns one string member of it. */
async function tokenFromJson(res: Response, member: string, who: string): Promise<string> {
  const text = await res.text();
  if (text.length > MAX_TOKEN_BYTES) throw new ClientError('IDENTITY_TOKEN', `${who} answered ${text.length} bytes: not a token response`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new ClientError('IDENTITY_TOKEN', `${who} answered something that is not JSON`, { cause: e });
  }
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[member] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw new ClientError('IDENTITY_TOKEN', `${who} answered no "${member}" in its token response`);
  }
  return value.trim();
}

function requestSignal(ctx: AmbientContext): AbortSignal {
  const timeout = AbortSignal.timeout(ctx.timeoutMs);
  return ctx.signal ? AbortSignal.any([timeout, ctx.signal]) : timeout;
}

/**
 * GitHub Actions (`permissions: id-token: write`): GET the runner's request URL with
 * `audience=sigstore`, bearer the request token, read `value`. As cosign: three tries
 * on a network error, a second apart; an HTTP error answer is not retried.
 */
export const githubActionsProvider: AmbientProvider = {
  name: 'github-actions',
  async enabled(ctx) {
    return nonEmpty(ctx.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']) && nonEmpty(ctx.env['ACTIONS_ID_TOKEN_REQUEST_URL']);
  },
  async provide(ctx, audience) {
    const who = 'the GitHub Actions token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL)';
    let url: URL;
    try {
      url = new URL(ctx.env['ACTIONS_ID_TOKEN_REQUEST_URL'] ?? '');
    } catch (e) {
      throw new ClientError('IDENTITY_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL', { cause: e });
    }
    // cosign appends "&audience=..." to the URL as given; setting the parameter is the
    // same for the runner's URL (which always has a query) and right for any other.
    url.searchParams.set('audience', audience);
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await ctx.fetch(url, {
          headers: { authorization: `bearer ${ctx.env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? ''}`, accept: 'application/json' },
          signal: requestSignal(ctx),
        });
      } catch (e) {
        if (attempt >= 3 || ctx.signal?.aborted) {
          throw new ClientError('IDENTITY_TOKEN', `${who} could not be reached: ${(e as Error).message}`, { cause: e });
        }
        ctx.log(`error fetching GitHub OIDC token (will retry): ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new ClientError('IDENTITY_TOKEN', `${who} refused: HTTP ${res.status}`);
      }
      return tokenFromJson(res, 'value', who);
    }
  },
};

/**
 * Buildkite: the agent API's `POST {endpoint}/jobs/{job}/oidc/tokens` with
 * `{"audience": ...}`, `Authorization: Token <agent access token>`, read `token`.
 */
export const buildkiteAgentProvider: AmbientProvider = {
  name: 'buildkite-agent',
  async enabled(ctx) {
    return nonEmpty(ctx.env['BUILDKITE_AGENT_ACCESS_TOKEN']);
  },
  async provide(ctx, audience) {
    const endpoint = (ctx.env['BUILDKITE_AGENT_ENDPOINT'] || 'https://agent.buildkite.com/v3').replace(/\/+$/, '');
    const job = ctx.env['BUILDKITE_JOB_ID'] ?? '';
    if (job === '') throw new ClientError('IDENTITY_TOKEN', 'the Buildkite agent provider needs BUILDKITE_JOB_ID');
    const who = `the Buildkite agent API (${endpoint})`;
    let res: Response;
    try {
      res = await ctx.fetch(`${endpoint}/jobs/${encodeURIComponent(job)}/oidc/tokens`, {
        method: 'POST',
        headers: {
          authorization: `Token ${ctx.env['BUILDKITE_AGENT_ACCESS_TOKEN'] ?? ''}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ audience }),
        signal: requestSignal(ctx),
      });
    } catch (e) {
      throw new ClientError('IDENTITY_TOKEN', `${who} could not be reached: ${(e as Error).message}`, { cause: e });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ClientError('IDENTITY_TOKEN', `${who} refused: HTTP ${res.status}`);
    }
    return tokenFromJson(res, 'token', who);
  },
};

/**
 * SIGSTORE_ID_TOKEN. In cosign this variable is one of the ambient providers (after
 * GitHub Actions and Buildkite), so `--oidc-disable-ambient-providers` ignores it too.
 * GitLab CI has no provider of its own: a job declares `id_tokens: SIGSTORE_ID_TOKEN:
 * aud: sigstore` and the token arrives here.
 */
export const envvarProvider: AmbientProvider = {
  name: 'envvar',
  async enabled(ctx) {
    return nonEmpty(ctx.env['SIGSTORE_ID_TOKEN']);
  },
  async provide(ctx) {
    const token = (ctx.env['SIGSTORE_ID_TOKEN'] ?? '').trim();
    if (token.length > MAX_TOKEN_BYTES) throw new ClientError('IDENTITY_TOKEN', `SIGSTORE_ID_TOKEN is longer than ${MAX_TOKEN_BYTES} bytes: not a token`);
    return token;
  },
};

/** cosign's filesystem provider: a token file at a well-known path (e.g. a projected Kubernetes token). */
export const filesystemProvider: AmbientProvider = {
  name: 'filesystem',
  async enabled(ctx) {
    try {
      await stat(ctx.filesystemTokenPath);
      return true;
    } catch {
      return false;
    }
  },
  async provide(ctx) {
    return readTokenFile(ctx.filesystemTokenPath, 'the filesystem provider token');
  },
};

/**
 * cosign's order: GitHub first (a self-hosted runner may run inside one of the other
 * environments, and its credentials are the ones meant), then Buildkite, the variable,
 * the file. cosign's google and spiffe providers are not implemented.
 */
export const AMBIENT_PROVIDERS: readonly AmbientProvider[] = [
  githubActionsProvider,
  buildkiteAgentProvider,
  envvarProvider,
  filesystemProvider,
];

/** cosign's provider names we know but do not implement. */
const UNSUPPORTED_PROVIDERS = new Set(['spiffe', 'google-workload-identity', 'google-impersonate']);

/**
 * The first token an enabled provider gives, in cosign's order; `only` restricts to one
 * (`--oidc-provider`). undefined when none is enabled. As cosign: a provider that fails
 * hands over to the next; when all enabled ones failed, the last failure is reported.
 */
export async function provideAmbientToken(ctx: AmbientContext, only?: string): Promise<{ token: string; provider: AmbientProviderName } | undefined> {
  let candidates = AMBIENT_PROVIDERS;
  if (only !== undefined && only !== '') {
    if (UNSUPPORTED_PROVIDERS.has(only)) throw new ClientError('IDENTITY_TOKEN', `OIDC provider ${only} is not supported by sigstack`);
    const named = AMBIENT_PROVIDERS.find((p) => p.name === only);
    if (!named) {
      throw new ClientError('IDENTITY_TOKEN', `${only} is not a valid OIDC provider (one of: ${AMBIENT_PROVIDERS.map((p) => p.name).join(', ')})`);
    }
    if (!(await named.enabled(ctx))) throw new ClientError('IDENTITY_TOKEN', `OIDC provider ${only} is not available in this environment`);
    candidates = [named];
  }
  let lastError: unknown;
  for (const p of candidates) {
    if (!(await p.enabled(ctx))) continue;
    try {
      const token = await p.provide(ctx, SIGSTORE_AUDIENCE);
      if (token !== '') return { token, provider: p.name };
    } catch (e) {
      lastError = e;
    }
  }
  if (lastError !== undefined) {
    if (lastError instanceof ClientError) throw lastError;
    throw new ClientError('IDENTITY_TOKEN', `fetching ambient OIDC credentials: ${(lastError as Error).message}`, { cause: lastError });
  }
  return undefined;
}
