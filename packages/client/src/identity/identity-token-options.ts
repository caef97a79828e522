/**
 * Options of `resolveIdentityToken`, one field per cosign flag or variable it stands
 * for, plus the injected environment, fetch, log and browser (no hidden global state:
 * the CLI passes the process's, tests pass their own).
 */

/** cosign's `--fulcio-auth-flow`: the interactive flow for a person. */
export type OidcAuthFlow = 'normal' | 'device';

/** The ambient providers we implement, under cosign's names (`--oidc-provider`). */
export type AmbientProviderName = 'github-actions' | 'buildkite-agent' | 'envvar' | 'filesystem';

export interface IdentityTokenOptions {
  /** `--identity-token`: a token, or the path of a file holding one. */
  identityToken?: string;
  /** `--oidc-issuer`: the OpenID provider a person signs in with (no default: we never send people to the public Sigstore). */
  oidcIssuer?: string;
  /** `--oidc-client-id`; default DEFAULT_OIDC_CLIENT_ID. */
  oidcClientId?: string;
  /** `--oidc-client-secret-file`: a file holding the client secret (UTF-8, surrounding whitespace trimmed, as cosign). */
  oidcClientSecretFile?: string;
  /** `--oidc-redirect-url`: the loopback redirect; default DEFAULT_OIDC_REDIRECT_URL (port 0: a free port). */
  oidcRedirectUrl?: string;
  /** `--oidc-provider`: use only this ambient provider (cosign's names; spiffe and google are not implemented). */
  oidcProvider?: string;
  /** `--oidc-disable-ambient-providers`: read no ambient credentials (as cosign, this includes SIGSTORE_ID_TOKEN). */
  oidcDisableAmbientProviders?: boolean;
  /** `--fulcio-auth-flow normal|device`; unset: `normal` on a terminal, `device` otherwise (cosign's rule). */
  authFlow?: OidcAuthFlow;
  /** Whether a person sits at a terminal (cosign: stdin is a terminal); default `process.stdin.isTTY`. */
  interactive?: boolean;
  /** Environment variables; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** HTTP client for every request made here; default the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Status lines for the person (the CLI sends them to stderr); default stderr. */
  log?: (line: string) => void;
  /**
   * Opens the sign-in URL in a browser. Unset: `$BROWSER <url>` when BROWSER is set,
   * otherwise nothing (the URL is printed either way; a failure to open is only logged).
   */
  openBrowser?: (url: string) => Promise<void> | void;
  /** How long a person has to sign in (loopback and device flows); default DEFAULT_PERSON_TIMEOUT_MS. */
  personTimeoutMs?: number;
  /** Timeout of each request to an ambient provider; default DEFAULT_AMBIENT_TIMEOUT_MS. */
  ambientTimeoutMs?: number;
  /** The filesystem provider's token file; default FILESYSTEM_TOKEN_PATH (tests point it elsewhere). */
  filesystemTokenPath?: string;
  /** Cancels whatever is in progress. */
  signal?: AbortSignal;
}

/** cosign's default `--oidc-client-id`. */
export const DEFAULT_OIDC_CLIENT_ID = 'sigstore';

/**
 * The loopback redirect when none is given: RFC 8252 §7.3's literal 127.0.0.1 (cosign
 * uses localhost), port 0 for a free port, cosign's path.
 */
export const DEFAULT_OIDC_REDIRECT_URL = 'http://127.0.0.1:0/auth/callback';

/** The audience cosign asks ambient providers for. */
export const SIGSTORE_AUDIENCE = 'sigstore';

/** cosign's filesystem provider reads the token here when the file exists. */
export const FILESYSTEM_TOKEN_PATH = '/var/run/sigstore/cosign/oidc-token';

/** A person gets five minutes to sign in. */
export const DEFAULT_PERSON_TIMEOUT_MS = 5 * 60_000;

/** Each ambient provider request gets 30 seconds. */
export const DEFAULT_AMBIENT_TIMEOUT_MS = 30_000;

/**
 * The largest token we accept from a file, a variable or a provider: real ID tokens are
 * a few KiB; anything this large is not one, and we refuse it instead of reading it whole.
 */
export const MAX_TOKEN_BYTES = 256 * 1024;

/** The scopes cosign asks for. */
export const OIDC_SCOPES = 'openid email';
