import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { CoreError } from '@sigstack/core';
import { parseMonitorConfig } from '@sigstack/monitor';

/*
 * The stack's configuration: one schema (TypeBox, i.e. JSON Schema) that validates
 * it, types it (StackConfig is derived from it) and documents it (every field's
 * `description` and `default`; `sigstackConfigJsonSchema()` is the JSON Schema of
 * the config file, checked in as deploy/sigstack.schema.json). Loaded from a YAML or
 * JSON file, then environment variables, then command-line flags (later wins).
 * Every field has a default, so `sigstack up` needs no file at all.
 */

const int = (minimum: number, maximum: number, def: number, description: string) => Type.Integer({ minimum, maximum, default: def, description });
const section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });

/**
 * A private key: a file, or a key on an HSM named by an RFC 7512 `pkcs11:` URI in the
 * same field (README "Keys in an HSM"); `def` gives the path (and the whole key) a
 * default, for keys the stack makes in development. Keys on a token are never made at
 * start: `sigstack hsm generate` makes them.
 */
const KeySchema = (def: string | undefined, description: string) =>
  Type.Object(
    {
      path: Type.String({
        minLength: 1,
        ...(def !== undefined ? { default: def } : {}),
        description:
          'PEM PKCS#8 private key file (relative paths are under dataDir), or a key on an HSM: pkcs11:token=<label>;object=<key label>?module-path=<PKCS#11 module>&pin-source=file:<PIN file> (RFC 7512; the PIN may also come from pin-source=env:<VAR> or $SIGSTACK_PKCS11_PIN, the module from $SIGSTACK_PKCS11_MODULE).',
      }),
      passphraseEnv: Type.Optional(Type.String({ minLength: 1, description: 'Environment variable holding the passphrase of an encrypted key file.' })),
    },
    { additionalProperties: false, ...(def !== undefined ? { default: {} } : {}), description },
  );

/**
 * Witness cosigning of one log's checkpoints (C2SP tlog-witness). The default policy
 * is fail-open (waitForWitnesses: false): a private log's availability should not
 * hang on third parties, and no client requires cosignatures today (cosign 3.1,
 * sigstore-go and sigstore-js verify the log's own signature and ignore the rest);
 * upstream Rekor v2 does not wait for witnesses either. Cosignatures are collected
 * in the background and served on the log's tile checkpoint.
 */
const WitnessingSchema = section(
  {
    witnesses: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, description: 'For logs and metrics.' }),
          url: Type.String({ pattern: '^https?://', description: "The witness's submission prefix: the log POSTs to <url>/add-checkpoint." }),
          key: Type.String({
            pattern: '^[^+\\s]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]+={0,2}$',
            description: "The witness's C2SP verifier key (cosignature/v1, type 0x04), as `sigstack witness key` prints it.",
          }),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 32, description: 'The witnesses asked to cosign each new checkpoint. Empty: no witnessing.' },
    ),
    quorum: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 32, description: 'k of k-of-n: cosignatures a checkpoint needs to count as witnessed. Default: every witness.' }),
    ),
    waitForWitnesses: Type.Boolean({
      default: false,
      description:
        "Rekor v2 only: answer a write only with a checkpoint that has its quorum of cosignatures, and 503 if it has not arrived within timeoutMs (the entry is logged all the same; a retry gets 409). Off (default): answer at once with the log's checkpoint; cosignatures are collected in the background and served on the tile checkpoint.",
    }),
    timeoutMs: int(100, 120_000, 5000, 'How long a write waits for the quorum, and the limit on each witness request, in milliseconds.'),
  },
  'Witness cosigning of this log\'s checkpoints (C2SP tlog-witness): see README "Operators → Witnesses".',
);

const RekorSchema = section(
  {
    enabled: Type.Boolean({ default: true }),
    key: KeySchema('keys/rekor.pem', 'The log key (ECDSA P-256, generated in development).'),
    hostname: Type.Optional(Type.String({ minLength: 1, description: 'Checkpoint origin host name; default: the host name of publicUrl.' })),
    maxBatchSize: int(1, 100_000, 1024, 'Most entries committed in one transaction.'),
    maxBatchWaitMs: int(0, 10_000, 2, 'Longest an entry waits for its batch to fill, in milliseconds.'),
    maxPending: int(1, 10_000_000, 20_000, 'Entries waiting to be sequenced beyond which writes get 503 + Retry-After.'),
    bodyLimit: int(1024, 1024 * 1024 * 1024, 4 * 1024 * 1024, 'Largest request body, in bytes (413 above).'),
    witnessing: WitnessingSchema,
  },
  'The transparency log (Rekor v1 API).',
);

const RekorV2Schema = section(
  {
    enabled: Type.Optional(
      Type.Boolean({
        description:
          'Serve the Rekor v2 API (POST /api/v2/log/entries) over its own log, and list that log in trusted_root.json. Default: the value of development (a production log needs a key made in the ceremony and a trusted root that lists it).',
      }),
    ),
    key: KeySchema('keys/rekor-v2.pem', 'The Rekor v2 log key: Ed25519 (generated in development) or ECDSA P-256. It signs checkpoints only.'),
    hostname: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^[^\\s+/:]+$|^\\[[0-9A-Fa-f:.]+\\]$',
        description:
          "The log's name: checkpoint origin and signature key name, and the host name of its baseUrl in trusted_root.json (sigstore-go requires them equal). Default: the host name of publicUrl. Fixed for the life of the log.",
      }),
    ),
    offerInSigningConfig: Type.Boolean({
      default: false,
      description:
        'List the Rekor v2 log in signing_config.v0.2.json (before the v1 log). Clients that read the signing config and speak v2 (cosign 3, sigstore-go, the sigstack client) then sign to Rekor v2: sigstore-go picks the highest API version it supports, whatever the order. Off: the signing config lists Rekor v1 only, and v2 is used only by clients pointed at it explicitly.',
    }),
    maxBatchSize: int(1, 100_000, 1024, 'Most entries committed in one transaction.'),
    maxBatchWaitMs: int(0, 10_000, 2, 'Longest an entry waits for its batch to fill, in milliseconds.'),
    maxPending: int(1, 10_000_000, 20_000, 'Entries waiting to be sequenced beyond which writes get 503 + Retry-After.'),
    bodyLimit: int(1024, 64 * 1024 * 1024, 2 * 1024 * 1024, 'Largest request body, in bytes (413 above).'),
    witnessing: WitnessingSchema,
  },
  'The Rekor v2 transparency log (tile-backed API, protocols.md §7): a second log with its own key and origin, served beside Rekor v1.',
);

const TsaSchema = section(
  {
    enabled: Type.Boolean({ default: true }),
    bodyLimit: int(64, 1024 * 1024, 10 * 1024, 'Largest request body, in bytes (413 above).'),
    policyOid: Type.Optional(Type.String({ pattern: '^[0-2](\\.(0|[1-9][0-9]*))+$', description: 'TSTInfo policy OID; default Sigstore\'s 1.3.6.1.4.1.57264.2.' })),
    key: Type.Optional(
      KeySchema(
        undefined,
        'The TSA signing (leaf) key, ECDSA P-256, when it is not <dataDir>/tsa/keys/tsa-leaf.pem: e.g. a pkcs11: URI. The chain in <dataDir>/tsa must certify it (sigstack tsa init --key, or made on first start in development).',
      ),
    ),
  },
  'The RFC 3161 timestamp authority.',
);

const FulcioSchema = section(
  {
    enabled: Type.Boolean({ default: true }),
    configFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Fulcio's own config.json (or config.yaml): OIDCIssuers, MetaIssuers, CIIssuerMetadata, read unchanged so an existing Fulcio configuration moves across. Relative to the working directory. Required outside development.",
      }),
    ),
    devIssuer: Type.Boolean({
      default: true,
      description: "Trust the stack's own development OIDC issuers (<url>/oidc, <url>/oidc/ci) and serve them. Only honoured with development: true.",
    }),
    caAlgorithm: Type.Union([Type.Literal('ecdsa-p256-sha256'), Type.Literal('ecdsa-p384-sha384')], {
      default: 'ecdsa-p256-sha256',
      description: 'CA key algorithm for a generated hierarchy (P-256 is ~40x faster to sign with).',
    }),
    certValiditySeconds: int(1, 86_400, 600, "Leaf lifetime; Sigstore's is 600 s (10 minutes). Shorter only for tests."),
    key: Type.Optional(
      KeySchema(
        undefined,
        'The CA intermediate (issuing) key, of caAlgorithm, when it is not <dataDir>/fulcio/keys/fulcio-intermediate.pem: e.g. a pkcs11: URI. The chain in <dataDir>/fulcio must certify it (sigstack ca init --key, or made on first start in development).',
      ),
    ),
    bodyLimit: int(1024, 1024 * 1024, 64 * 1024, 'Largest request body, in bytes (413 above).'),
  },
  'The Fulcio-compatible CA.',
);

const CtLogSchema = section(
  {
    enabled: Type.Boolean({ default: true }),
    key: KeySchema('keys/ctlog.pem', "The CT log's key (ECDSA P-256: Go clients accept nothing else)."),
    prefix: Type.String({ default: '', pattern: '^((/[A-Za-z0-9._~-]+)+)?$', description: "Path prefix of the RFC 6962 API (<prefix>/ct/v1/...), e.g. /2026 for a yearly shard; '' for none." }),
    maxBatchSize: int(1, 100_000, 1024, 'Most entries committed in one transaction.'),
    maxBatchWaitMs: int(0, 10_000, 2, 'Longest an entry waits for its batch to fill, in milliseconds.'),
    maxPending: int(1, 10_000_000, 20_000, 'Entries waiting to be sequenced beyond which submissions get 503 + Retry-After.'),
    bodyLimit: int(1024, 16 * 1024 * 1024, 512 * 1024, 'Largest request body, in bytes (413 above).'),
    witnessing: WitnessingSchema,
  },
  'The certificate-transparency log the CA embeds SCTs from (RFC 6962).',
);

const TufSchema = section(
  {
    enabled: Type.Boolean({ default: true }),
    timestampExpiryHours: int(1, 24 * 365, 24, 'Lifetime of timestamp.json; the stack re-signs it when half of it is left.'),
    timestampExpirySeconds: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 86_400 * 365, description: 'FOR TESTS: lifetime of timestamp.json in seconds; overrides timestampExpiryHours.' }),
    ),
    repositoryDir: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The repository published by the ceremony (sigstack tuf publish --repository DIR), served at /tuf/; relative to the working directory. Required outside development; in development it replaces the stack's self-managed repository.",
      }),
    ),
    onlineKey: Type.Optional(KeySchema(undefined, 'The online key that re-signs snapshot and timestamp of repositoryDir. Required with repositoryDir.')),
  },
  'The TUF repository clients initialise from (cosign initialize --mirror <url>/tuf).',
);

const QueueBoundSchema = (def: number, what: string) =>
  section(
    {
      maxQueueAgeMs: int(
        1,
        600_000,
        def,
        `A new ${what} request is refused (503 + Retry-After) while the oldest ${what} request in progress has been in progress longer than this, in milliseconds.`,
      ),
    },
    `Bounds for ${what} requests.`,
  );

const SheddingSchema = section(
  {
    enabled: Type.Boolean({ default: true, description: 'Refuse work past the bounds below instead of queueing it without limit.' }),
    maxEventLoopDelayMs: int(
      1,
      600_000,
      250,
      'Every request (but /healthz, /readyz, /metrics) is refused while the event loop runs this late, in milliseconds: the process is behind on everything.',
    ),
    writes: QueueBoundSchema(250, 'write'),
    reads: QueueBoundSchema(250, 'read'),
    retryAfterMinSeconds: int(0, 3600, 1, 'Retry-After of a refused request is drawn at random between this and retryAfterMaxSeconds.'),
    retryAfterMaxSeconds: int(0, 3600, 3, 'See retryAfterMinSeconds.'),
  },
  'Load shedding: past a bound on queueing, answer 503 with a jittered Retry-After at once, before reading the body, so that the requests accepted keep a bounded latency. Writes are the POSTs that create something (entries, certificates, timestamps); searches and everything else are reads.',
);

/**
 * The transparency-log monitor run inside the stack (@sigstack/monitor, as `sigstack
 * monitor` runs it alone): it follows the stack's own logs (their C2SP tiles, over
 * the stack's own listen address, with the keys of its trusted_root.json) and any
 * external ones, verifies every checkpoint and consistency proof, and matches new
 * entries against the watch list. Alerts go to the stack's log (level warn, msg
 * "monitor alert") and the webhook; metrics to the stack's /metrics. It never takes
 * the stack down: a failed poll is logged and counted, and retried next interval.
 */
const MonitorSchema = section(
  {
    enabled: Type.Boolean({ default: false }),
    intervalSeconds: int(1, 86_400, 60, 'Seconds between polls of each log.'),
    ownLogs: Type.Array(Type.Union([Type.Literal('rekor'), Type.Literal('rekorV2'), Type.Literal('ctlog')]), {
      default: ['rekor', 'rekorV2', 'ctlog'],
      maxItems: 3,
      uniqueItems: true,
      description: "Which of the stack's own logs to follow (those that are enabled).",
    }),
    externalLogs: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'The `log` label of its metrics and the name of its state file.' }),
          url: Type.String({ pattern: '^https?://', description: 'As `sigstack monitor --url`: a Rekor v1 server, a C2SP tlog-tiles prefix or a CT log prefix.' }),
          kind: Type.Union([Type.Literal('rekor-v1'), Type.Literal('tiles'), Type.Literal('ct')]),
          publicKeyFile: Type.Optional(Type.String({ minLength: 1, description: "The log's PEM public key (relative to the working directory)." })),
          trustedRoot: Type.Optional(Type.String({ minLength: 1, description: 'Or take the log keys from this trusted_root.json.' })),
          origin: Type.Optional(Type.String({ minLength: 1, description: 'Require this checkpoint origin.' })),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 16, description: 'Other logs to follow, each with its own key.' },
    ),
    monitoredValues: Type.Object(
      {
        certIdentities: Type.Optional(
          Type.Array(
            Type.Object({ certSubject: Type.String({ minLength: 1 }), issuers: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) }, { additionalProperties: false }),
          ),
        ),
        subjects: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        fingerprints: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        oidMatchers: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          "The watch list, in rekor-monitor's format (packages/monitor/README.md \"Identities\"): certIdentities (certSubject + issuers regexps), subjects, fingerprints, oidMatchers. Regexps are unanchored: anchor them.",
      },
    ),
    webhook: Type.Optional(Type.String({ pattern: '^https?://', description: 'POST every alert there as JSON (after it is logged).' })),
    stateDir: Type.String({
      minLength: 1,
      default: 'monitor',
      description: 'Where the last verified tree head of each log is kept (relative paths are under dataDir), so a restart resumes and never trusts a new head blindly.',
    }),
  },
  'The built-in transparency-log monitor (README "Monitoring a log").',
);

/** The JSON Schema of the configuration file (and of the resolved configuration). */
export const StackConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: './.sigstack', description: 'Where keys, logs and trust material live.' }),
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to listen on.' }),
    port: int(0, 65535, 3000, 'Port to listen on; 0 picks a free port.'),
    publicUrl: Type.Optional(
      Type.String({
        description:
          'The URL clients use to reach the stack (an http or https origin). It goes into trusted_root.json, and its host name becomes the Rekor checkpoint origin, so it must not change during a log\'s life. Default http://<host>:<port>.',
      }),
    ),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'pino log level.' }),
    development: Type.Boolean({
      default: true,
      description: 'Development defaults: generate missing keys on first start. Production deployments set this to false and provide keys made in a ceremony.',
    }),
    rekor: RekorSchema,
    rekorV2: RekorV2Schema,
    tsa: TsaSchema,
    fulcio: FulcioSchema,
    ctlog: CtLogSchema,
    tuf: TufSchema,
    shedding: SheddingSchema,
    monitor: MonitorSchema,
  },
  { additionalProperties: false, title: 'sigstack configuration' },
);

export type StackConfig = Static<typeof StackConfigSchema>;
export type KeyConfig = Static<ReturnType<typeof KeySchema>>;
export type RekorConfig = Static<typeof RekorSchema>;
export type RekorV2Config = Static<typeof RekorV2Schema>;
export type TsaConfig = Static<typeof TsaSchema>;
export type FulcioConfig = Static<typeof FulcioSchema>;
export type CtLogConfig = Static<typeof CtLogSchema>;
export type TufConfig = Static<typeof TufSchema>;
export type SheddingConfig = Static<typeof SheddingSchema>;
export type WitnessingConfig = Static<typeof WitnessingSchema>;
export type StackMonitorConfig = Static<typeof MonitorSchema>;

/** Defaults that make `sigstack up` work with nothing configured: the schema's `default`s. */
export const DEFAULT_CONFIG: StackConfig = Object.freeze(Value.Default(StackConfigSchema, {}) as StackConfig);

/**
 * The JSON Schema of the config file, for editors and readers (deploy/sigstack.schema.json
 * is this). A file may leave out any key that has a default, so those are not
 * `required` here, as they are in the resolved configuration.
 */
export function sigstackConfigJsonSchema(): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!isPlainObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = strip(v);
    const props = out.properties as Record<string, { default?: unknown }> | undefined;
    if (Array.isArray(out.required) && props) {
      const required = (out.required as string[]).filter((k) => props[k]?.default === undefined);
      if (required.length > 0) out.required = required;
      else delete out.required;
    }
    return out;
  };
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(strip(JSON.parse(JSON.stringify(StackConfigSchema))) as Record<string, unknown>) };
}

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
  if (env.SIGSTACK_LOG_LEVEL) o.logLevel = env.SIGSTACK_LOG_LEVEL as StackConfig['logLevel']; // checked by the schema
  if (env.SIGSTACK_FULCIO_CONFIG) o.fulcio = { configFile: env.SIGSTACK_FULCIO_CONFIG };
  return o;
}

/**
 * Merges layers over the defaults and validates the result against the schema, then
 * the rules no schema states (cross-field, URL semantics); refuses dangerous states
 * instead of "fixing" them. Every error names the field.
 */
export function resolveConfig(...layers: ConfigOverrides[]): StackConfig {
  let c: Record<string, unknown> = {};
  for (const l of layers) c = merge(c, l as Record<string, unknown>);
  const cfg = Value.Default(StackConfigSchema, c) as StackConfig;
  const first = Value.Errors(StackConfigSchema, cfg).First();
  if (first) throw new CoreError('CONFIG_INVALID', describeError(first));
  validateRules(cfg);
  cfg.dataDir = resolve(cfg.dataDir);
  return cfg;
}

/** Deep merge of plain objects (later wins); arrays and scalars replace; undefined is absent. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === undefined) continue;
    const b = base[k];
    out[k] = isPlainObject(v) && isPlainObject(b) ? merge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `rekor.maxBatchSize: must be an integer between 1 and 100000, got 0` from a schema error. */
function describeError(e: ValueError): string {
  const field = e.path.replace(/^\//, '').replaceAll('/', '.') || '(top level)';
  const schema = e.schema as TSchema & { minimum?: number; maximum?: number; anyOf?: { const?: unknown }[]; pattern?: string };
  const got = e.value === undefined ? 'nothing' : JSON.stringify(e.value)?.slice(0, 80);
  if (e.message === 'Unexpected property') return `unknown configuration key "${field}"`;
  if (schema.type === 'integer' && schema.minimum !== undefined && schema.maximum !== undefined)
    return `${field} must be an integer between ${schema.minimum} and ${schema.maximum}, got ${got}`;
  if (schema.anyOf?.every((a) => a.const !== undefined)) return `${field} must be one of ${schema.anyOf.map((a) => String(a.const)).join(', ')}, got ${got}`;
  if (schema.type === 'string' && schema.pattern) return `${field} must match ${schema.pattern}, got ${got}`;
  return `${field}: ${e.message.toLowerCase()}, got ${got}`;
}

function validateRules(c: StackConfig): void {
  const bad = (m: string): never => {
    throw new CoreError('CONFIG_INVALID', m);
  };
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
  if (c.tuf.enabled && !c.development && (!c.tuf.repositoryDir || !c.tuf.onlineKey?.path))
    bad('outside development, tuf needs tuf.repositoryDir (published by the ceremony) and tuf.onlineKey, or tuf.enabled: false');
  if (c.tuf.enabled && c.tuf.repositoryDir && !c.tuf.onlineKey?.path) bad('tuf.repositoryDir needs tuf.onlineKey: the key that keeps its timestamp fresh');
  if (c.fulcio.enabled && !c.ctlog.enabled) bad('fulcio needs the CT log (ctlog.enabled): clients refuse certificates without an embedded SCT');
  if (c.fulcio.enabled && !c.development && !c.fulcio.configFile) bad('fulcio.configFile is required outside development: say which identity providers the CA trusts');
  if (c.rekorV2.offerInSigningConfig && !isRekorV2Enabled(c)) bad('rekorV2.offerInSigningConfig needs the Rekor v2 log (rekorV2.enabled)');
  // cosign 3 refuses keyless signing to Rekor v2 unless the signing config names a TSA:
  // v2 has no signed entry timestamps, so the signing time comes from the TSA.
  if (c.rekorV2.offerInSigningConfig && c.fulcio.enabled && !c.tsa.enabled)
    bad('rekorV2.offerInSigningConfig needs the TSA (tsa.enabled): keyless signatures logged to Rekor v2 take their signing time from a timestamp');
  for (const [log, w] of [['rekor', c.rekor.witnessing], ['rekorV2', c.rekorV2.witnessing], ['ctlog', c.ctlog.witnessing]] as const) {
    if (w.quorum !== undefined && w.quorum > w.witnesses.length)
      bad(`${log}.witnessing.quorum (${w.quorum}) is more than the ${w.witnesses.length} witnesses configured`);
    if (w.waitForWitnesses && w.witnesses.length === 0) bad(`${log}.witnessing.waitForWitnesses needs witnesses`);
    if (w.waitForWitnesses && log !== 'rekorV2') bad(`${log}.witnessing.waitForWitnesses: only Rekor v2 answers writes with a checkpoint note; this log's witnessing is fail-open`);
  }
  if (c.monitor.enabled) {
    // The watch list's regexps, fingerprints and OID matchers, checked by the monitor's own parser.
    try {
      parseMonitorConfig(JSON.stringify({ monitoredValues: c.monitor.monitoredValues }));
    } catch (e) {
      bad(`monitor.${(e as Error).message}`);
    }
    for (const l of c.monitor.externalLogs)
      if ((l.publicKeyFile === undefined) === (l.trustedRoot === undefined)) bad(`monitor.externalLogs ${l.name}: give its key, publicKeyFile or trustedRoot (one of them)`);
    const names = c.monitor.externalLogs.map((l) => l.name);
    if (new Set(names).size !== names.length || names.some((n) => ['rekor', 'rekorV2', 'ctlog'].includes(n)))
      bad('monitor.externalLogs: names must be unique and not rekor, rekorV2 or ctlog');
  }
  if (c.shedding.retryAfterMaxSeconds < c.shedding.retryAfterMinSeconds)
    bad(`shedding.retryAfterMaxSeconds (${c.shedding.retryAfterMaxSeconds}) must not be below shedding.retryAfterMinSeconds (${c.shedding.retryAfterMinSeconds})`);
}

/** Whether the Rekor v2 log is on: `rekorV2.enabled`, which defaults to `development`. */
export function isRekorV2Enabled(c: StackConfig): boolean {
  return c.rekorV2.enabled ?? c.development;
}

/** The public URL, defaulting to the listen address (with the port actually bound). */
export function publicUrlOf(c: StackConfig, boundPort: number): string {
  if (c.publicUrl) return c.publicUrl.replace(/\/$/, '');
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host.includes(':') ? `[${c.host}]` : c.host;
  return `http://${host}:${boundPort}`;
}
