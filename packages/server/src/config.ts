import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CoreError } from '@sigstack/core';

/**
 * The stack's configuration: one typed object, documented here, loaded from a YAML
 * or JSON file, then environment variables, then command-line flags (later wins).
 * Every field has a default, so `sigstack up` needs no file at all.
 */
export interface StackConfig {
  /** Where keys, logs and trust material live. Default `./.sigstack`. */
  dataDir: string;
  /** Address to listen on. Default 127.0.0.1. */
  host: string;
  /** Port to listen on. Default 3000; 0 picks a free port. */
  port: number;
  /**
   * The URL clients use to reach the stack. It goes into trusted_root.json
   * (`baseUrl`), and its host name becomes the Rekor checkpoint origin.
   * Default `http://<host>:<port>`.
   */
  publicUrl?: string;
  /** pino log level. Default info. */
  logLevel: string;
  /**
   * Development defaults: generate missing keys on first start. Production
   * deployments set this to false and provide keys made in a ceremony.
   */
  development: boolean;
  rekor: RekorConfig;
  tsa: TsaConfig;
  fulcio: FulcioConfig;
  ctlog: CtLogConfig;
  tuf: TufConfig;
}

export interface KeyConfig {
  /** PEM PKCS#8 private key file; relative paths are under dataDir. */
  path: string;
  /** Environment variable holding the passphrase of an encrypted key file. */
  passphraseEnv?: string;
}

export interface RekorConfig {
  enabled: boolean;
  /** Log key; default `keys/rekor.pem` (ECDSA P-256, generated in development). */
  key: KeyConfig;
  /** Checkpoint origin host name; default: the host name of publicUrl. */
  hostname?: string;
  /** Most entries committed in one transaction. */
  maxBatchSize: number;
  /** Longest an entry waits for its batch to fill, in milliseconds. */
  maxBatchWaitMs: number;
  /** Entries waiting to be sequenced beyond which writes get 503 + Retry-After. */
  maxPending: number;
  /** Largest request body, in bytes (413 above). */
  bodyLimit: number;
}

export interface TsaConfig {
  enabled: boolean;
  bodyLimit: number;
  policyOid?: string;
}

export interface FulcioConfig {
  enabled: boolean;
  /**
   * Fulcio's own config.json (or config.yaml): `OIDCIssuers`, `MetaIssuers`,
   * `CIIssuerMetadata`, read unchanged so an existing Fulcio configuration moves
   * across. Relative to the working directory.
   */
  configFile?: string;
  /**
   * Trust the stack's own development OIDC issuers (`<url>/oidc`, `<url>/oidc/ci`)
   * and serve them. Only honoured with `development: true`. Default true.
   */
  devIssuer: boolean;
  /** CA key algorithm for a generated hierarchy (P-256 is ~40x faster to sign with). */
  caAlgorithm: 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384';
  /** Leaf lifetime; Sigstore's is 600 s (10 minutes). Shorter only for tests. */
  certValiditySeconds: number;
  bodyLimit: number;
}

export interface CtLogConfig {
  enabled: boolean;
  /** The CT log's key (ECDSA P-256: Go clients accept nothing else); default `keys/ctlog.pem`. */
  key: KeyConfig;
  /** Path prefix of the RFC 6962 API (`<prefix>/ct/v1/...`). Default '' . */
  prefix: string;
  maxBatchSize: number;
  maxBatchWaitMs: number;
  maxPending: number;
  bodyLimit: number;
}

export interface TufConfig {
  enabled: boolean;
  /** Lifetime of timestamp.json; the stack re-signs it when half of it is left. */
  timestampExpiryHours: number;
  /**
   * FOR TESTS: lifetime of timestamp.json in seconds (2 or more); overrides
   * timestampExpiryHours, so a test can watch the stack re-sign an expiring timestamp.
   */
  timestampExpirySeconds?: number;
  /**
   * The repository published by the ceremony (`sigstack tuf publish --repository
   * DIR`), served at /tuf/; relative to the working directory. Required outside
   * development. In development, setting it serves that repository instead of the
   * stack's self-managed one under `<dataDir>/tuf` (e.g. to rehearse a ceremony or a
   * root rotation against a development stack).
   */
  repositoryDir?: string;
  /**
   * The online key that re-signs snapshot and timestamp of `repositoryDir` (its
   * private key, a PEM file; relative paths are under dataDir). Required with repositoryDir.
   */
  onlineKey?: KeyConfig;
}

/** Defaults that make `sigstack up` work with nothing configured. */
export const DEFAULT_CONFIG: StackConfig = {
  dataDir: './.sigstack',
  host: '127.0.0.1',
  port: 3000,
  logLevel: 'info',
  development: true,
  rekor: {
    enabled: true,
    key: { path: 'keys/rekor.pem' },
    maxBatchSize: 1024,
    maxBatchWaitMs: 2,
    maxPending: 20_000,
    bodyLimit: 4 * 1024 * 1024,
  },
  tsa: { enabled: true, bodyLimit: 10 * 1024 },
  fulcio: { enabled: true, devIssuer: true, caAlgorithm: 'ecdsa-p256-sha256', certValiditySeconds: 600, bodyLimit: 64 * 1024 },
  ctlog: {
    enabled: true,
    key: { path: 'keys/ctlog.pem' },
    prefix: '',
    maxBatchSize: 1024,
    maxBatchWaitMs: 2,
    maxPending: 20_000,
    bodyLimit: 512 * 1024,
  },
  tuf: { enabled: true, timestampExpiryHours: 24 },
};

export type ConfigOverrides = DeepPartial<StackConfig>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Reads a YAML or JSON config file. */
export function readConfigFile(path: string): ConfigOverrides {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new CoreError('CONFIG_INVALID', `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    const v = parseYaml(text) as unknown; // YAML is a superset of JSON
    if (v === null || v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error('top level must be a mapping');
    return v as ConfigOverrides;
  } catch (cause) {
    throw new CoreError('CONFIG_INVALID', `config file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** SIGSTACK_* environment variables. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  const o: ConfigOverrides = {};
  if (env.SIGSTACK_DATA_DIR) o.dataDir = env.SIGSTACK_DATA_DIR;
  if (env.SIGSTACK_HOST) o.host = env.SIGSTACK_HOST;
  if (env.SIGSTACK_PORT) o.port = Number(env.SIGSTACK_PORT);
  if (env.SIGSTACK_PUBLIC_URL) o.publicUrl = env.SIGSTACK_PUBLIC_URL;
  if (env.SIGSTACK_LOG_LEVEL) o.logLevel = env.SIGSTACK_LOG_LEVEL;
  if (env.SIGSTACK_FULCIO_CONFIG) o.fulcio = { configFile: env.SIGSTACK_FULCIO_CONFIG };
  return o;
}

/** Merges layers over the defaults and validates the result; refuses dangerous states. */
export function resolveConfig(...layers: ConfigOverrides[]): StackConfig {
  let c = structuredClone(DEFAULT_CONFIG) as unknown as Record<string, unknown>;
  for (const l of layers) c = merge(c, l as Record<string, unknown>, '');
  const cfg = c as unknown as StackConfig;
  validate(cfg);
  cfg.dataDir = resolve(cfg.dataDir);
  return cfg;
}

const KNOWN: Record<string, true> = Object.fromEntries(
  [...paths(DEFAULT_CONFIG as unknown as Record<string, unknown>, ''), 'publicUrl', 'rekor.hostname', 'rekor.key.passphraseEnv', 'tsa.policyOid', 'fulcio.configFile', 'ctlog.key.passphraseEnv', 'tuf.timestampExpirySeconds', 'tuf.repositoryDir', 'tuf.onlineKey', 'tuf.onlineKey.path', 'tuf.onlineKey.passphraseEnv'].map((p) => [p, true]),
);

function* paths(o: Record<string, unknown>, prefix: string): Generator<string> {
  for (const [k, v] of Object.entries(o)) {
    const p = prefix ? `${prefix}.${k}` : k;
    yield p;
    if (v && typeof v === 'object' && !Array.isArray(v)) yield* paths(v as Record<string, unknown>, p);
  }
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === undefined) continue;
    const p = prefix ? `${prefix}.${k}` : k;
    if (!KNOWN[p]) throw new CoreError('CONFIG_INVALID', `unknown configuration key "${p}"`);
    const b = base[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? merge(b as Record<string, unknown>, v as Record<string, unknown>, p) : v;
  }
  return out;
}

function validate(c: StackConfig): void {
  const bad = (m: string): never => {
    throw new CoreError('CONFIG_INVALID', m);
  };
  if (typeof c.dataDir !== 'string' || c.dataDir === '') bad('dataDir must be a non-empty path');
  if (typeof c.host !== 'string' || c.host === '') bad('host must be a host name or address');
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) bad(`port must be an integer 0..65535, got ${String(c.port)}`);
  if (c.publicUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(c.publicUrl);
    } catch {
      return bad(`publicUrl "${c.publicUrl}" is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') bad('publicUrl must be http or https');
    if (u.pathname !== '/' || u.search || u.hash) bad('publicUrl must be an origin (no path, query or fragment)');
  }
  for (const [name, v, min, max] of [
    ['rekor.maxBatchSize', c.rekor.maxBatchSize, 1, 100_000],
    ['rekor.maxBatchWaitMs', c.rekor.maxBatchWaitMs, 0, 10_000],
    ['rekor.maxPending', c.rekor.maxPending, 1, 10_000_000],
    ['rekor.bodyLimit', c.rekor.bodyLimit, 1024, 1024 * 1024 * 1024],
    ['tsa.bodyLimit', c.tsa.bodyLimit, 64, 1024 * 1024],
    ['fulcio.certValiditySeconds', c.fulcio.certValiditySeconds, 1, 86_400],
    ['fulcio.bodyLimit', c.fulcio.bodyLimit, 1024, 1024 * 1024],
    ['ctlog.maxBatchSize', c.ctlog.maxBatchSize, 1, 100_000],
    ['ctlog.maxBatchWaitMs', c.ctlog.maxBatchWaitMs, 0, 10_000],
    ['ctlog.maxPending', c.ctlog.maxPending, 1, 10_000_000],
    ['ctlog.bodyLimit', c.ctlog.bodyLimit, 1024, 16 * 1024 * 1024],
    ['tuf.timestampExpiryHours', c.tuf.timestampExpiryHours, 1, 24 * 365],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > max) bad(`${name} must be an integer between ${min} and ${max}, got ${String(v)}`);
  }
  if (typeof c.rekor.key?.path !== 'string' || c.rekor.key.path === '') bad('rekor.key.path must be a file path');
  if (typeof c.ctlog.key?.path !== 'string' || c.ctlog.key.path === '') bad('ctlog.key.path must be a file path');
  if (c.ctlog.prefix !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(c.ctlog.prefix)) bad(`ctlog.prefix must be empty or like /2026, got "${c.ctlog.prefix}"`);
  if (c.fulcio.caAlgorithm !== 'ecdsa-p256-sha256' && c.fulcio.caAlgorithm !== 'ecdsa-p384-sha384')
    bad(`fulcio.caAlgorithm must be ecdsa-p256-sha256 or ecdsa-p384-sha384, got ${String(c.fulcio.caAlgorithm)}`);
  if (c.tuf.enabled && !c.development && (!c.tuf.repositoryDir || !c.tuf.onlineKey?.path))
    bad('outside development, tuf needs tuf.repositoryDir (published by the ceremony) and tuf.onlineKey, or tuf.enabled: false');
  if (c.tuf.enabled && c.tuf.repositoryDir && !c.tuf.onlineKey?.path) bad('tuf.repositoryDir needs tuf.onlineKey: the key that keeps its timestamp fresh');
  if (c.tuf.timestampExpirySeconds !== undefined && (!Number.isInteger(c.tuf.timestampExpirySeconds) || c.tuf.timestampExpirySeconds < 2 || c.tuf.timestampExpirySeconds > 86_400 * 365))
    bad(`tuf.timestampExpirySeconds must be an integer between 2 and ${86_400 * 365}, got ${String(c.tuf.timestampExpirySeconds)}`);
  if (c.fulcio.enabled && !c.ctlog.enabled) bad('fulcio needs the CT log (ctlog.enabled): clients refuse certificates without an embedded SCT');
  if (c.fulcio.enabled && !c.development && !c.fulcio.configFile) bad('fulcio.configFile is required outside development: say which identity providers the CA trusts');
}

/** The public URL, defaulting to the listen address (with the port actually bound). */
export function publicUrlOf(c: StackConfig, boundPort: number): string {
  if (c.publicUrl) return c.publicUrl.replace(/\/$/, '');
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host.includes(':') ? `[${c.host}]` : c.host;
  return `http://${host}:${boundPort}`;
}
