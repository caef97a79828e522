import { OidcError } from '../errors.js';
import { parseClaimTemplate } from '../identity/claim-template.js';
import { BUILTIN_CI_PROVIDERS } from './builtin-ci-providers.js';
import { EXTENSION_FIELDS, type ExtensionField } from './extension-fields.js';

/**
 * Fulcio's own identity configuration (sigstore/fulcio pkg/config/config.go),
 * accepted unchanged in either spelling:
 *
 *   JSON (config.json):  { "OIDCIssuers": { "<url>": { "IssuerURL", "ClientID", "Type", ... } },
 *                          "MetaIssuers": { "<pattern>": {...} }, "CIIssuerMetadata": { "<name>": {...} } }
 *   YAML (config.yaml):  oidc-issuers / meta-issuers / ci-issuer-metadata, issuer-url, client-id, ...
 *
 * Keys are compared the way Go's encoding/json matches struct fields (case-insensitive),
 * and additionally with `-` and `_` ignored so the YAML kebab-case names land on the
 * same fields. Parse YAML yourself and hand the resulting object to parseFulcioConfig.
 * Unknown keys are refused: a misspelt `SubjectDomian` silently ignored would widen
 * what the CA certifies.
 */

export const ISSUER_TYPES = [
  'email',
  'username',
  'uri',
  'spiffe',
  'kubernetes',
  'ci-provider',
  'github-workflow',
  'gitlab-pipeline',
  'buildkite-job',
  'codefresh-workflow',
  'chainguard-identity',
] as const;
export type IssuerType = (typeof ISSUER_TYPES)[number];

/** One trusted OIDC issuer (an `OIDCIssuers` entry, or a meta-issuer matched at runtime). */
export interface IssuerConfig {
  /** The exact `iss` value, and the base URL for discovery. */
  readonly issuerUrl: string;
  /** The audience tokens must carry (normally `sigstore`). */
  readonly clientId: string;
  readonly type: IssuerType;
  /** Key into ciIssuerMetadata (type `ci-provider`). */
  readonly ciProvider?: string;
  /** JSONPath (`$.a.b`) of the claim to certify as issuer instead of `iss` (email only; Dex federation). */
  readonly issuerClaim?: string;
  /** `uri`: scheme://host the subject must live under; `username`: the domain appended after `!`. */
  readonly subjectDomain?: string;
  /** `spiffe`: the only trust domain accepted in the subject. */
  readonly spiffeTrustDomain?: string;
  /** The claim the caller must sign instead of the type's default (email/sub). */
  readonly challengeClaim?: string;
  /** PEM CA certificate(s) for TLS to this IdP (discovery and JWKS). */
  readonly caCert?: string;
  /** email: accept tokens without `email_verified: true`. */
  readonly skipEmailVerification: boolean;
  readonly description?: string;
  readonly contact?: string;
}

/** A `MetaIssuers` entry: a URL pattern where each `*` stands for `[-_a-zA-Z0-9]+`. */
export interface MetaIssuerConfig extends Omit<IssuerConfig, 'issuerUrl'> {
  readonly pattern: string;
  /** The pattern compiled: anchored, everything but `*` literal. */
  readonly regex: RegExp;
}

/** `CIIssuerMetadata.<name>`: templates for the `ci-provider` type (protocols.md §3.6). */
export interface CIIssuerMetadata {
  readonly defaultTemplateValues: Readonly<Record<string, string>>;
  readonly extensionTemplates: Readonly<Partial<Record<ExtensionField, string>>>;
  readonly subjectAlternativeNameTemplate: string;
}

export interface FulcioConfig {
  readonly oidcIssuers: ReadonlyMap<string, IssuerConfig>;
  readonly metaIssuers: ReadonlyMap<string, MetaIssuerConfig>;
  /** Built-in providers overlaid by the config's own entries (same name replaces). */
  readonly ciIssuerMetadata: ReadonlyMap<string, CIIssuerMetadata>;
}

// ---------------------------------------------------------------------------

const norm = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');

function fail(message: string): never {
  throw new OidcError('CONFIG_INVALID', `invalid Fulcio config: ${message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads an object's keys onto a fixed set of normalized names; refuses unknown and
 * duplicated (e.g. both `ClientID` and `client-id`) keys.
 */
function pick(obj: unknown, where: string, known: readonly string[], ignored: readonly string[] = []): Map<string, unknown> {
  if (!isPlainObject(obj)) fail(`${where} must be an object`);
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const n = norm(k);
    if (ignored.includes(n)) continue;
    if (!known.includes(n)) fail(`${where}: unknown field ${JSON.stringify(k)}`);
    if (out.has(n)) fail(`${where}: field ${JSON.stringify(k)} is given twice (in two spellings)`);
    out.set(n, v);
  }
  return out;
}

function optString(m: Map<string, unknown>, key: string, where: string): string | undefined {
  const v = m.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`${where}: ${key} must be a string`);
  return v === '' ? undefined : v;
}

function entries(v: unknown, where: string): [string, unknown][] {
  if (v === undefined || v === null) return [];
  if (!isPlainObject(v)) fail(`${where} must be an object keyed by URL/name`);
  return Object.entries(v);
}

const ISSUER_FIELDS = [
  'issuerurl',
  'clientid',
  'type',
  'ciprovider',
  'issuerclaim',
  'subjectdomain',
  'spiffetrustdomain',
  'challengeclaim',
  'cacert',
  'skipemailverification',
  'description',
  'contact',
  'environment',
] as const;

/** `$.a.b` / `$.a["b.c"]`: the JSONPath forms IssuerClaim is used with (Dex `$.federated_claims.connector_id`). */
export function parseIssuerClaimPath(path: string): string[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const parts: string[] = [];
  let rest = path.slice(1);
  while (rest.length) {
    let m = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest);
    if (!m) m = /^\[["']([^"'\]]+)["']\]/.exec(rest);
    if (!m) return undefined;
    parts.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return parts.length ? parts : undefined;
}

/** SPIFFE trust domain syntax (spiffe-id spec §2.1): lowercase letters, digits, `.`, `-`, `_`. */
export function isValidTrustDomain(td: string): boolean {
  return /^[a-z0-9._-]+$/.test(td) && td.length <= 255;
}

/**
 * Upstream's ownership heuristic (validateAllowedDomain): the subject's hostname must
 * equal the issuer's, or share its last two DNS labels, so an IdP cannot mint
 * identities under someone else's domain.
 */
function checkAllowedDomain(subjectHost: string, issuerHost: string, where: string): void {
  if (subjectHost === issuerHost) return;
  const s = subjectHost.split('.');
  const i = issuerHost.split('.');
  if (s.length < 2) fail(`${where}: subject domain hostname ${subjectHost} is too short (needs at least two labels)`);
  if (i.length < 2) fail(`${where}: issuer hostname ${issuerHost} is too short (needs at least two labels)`);
  if (s.at(-1) !== i.at(-1) || s.at(-2) !== i.at(-2)) {
    fail(`${where}: subject domain ${subjectHost} and issuer ${issuerHost} do not share their top-level and second-level domains`);
  }
}

function parseUrl(s: string, where: string): URL {
  try {
    return new URL(s);
  } catch {
    return fail(`${where}: ${JSON.stringify(s)} is not a URL`);
  }
}

function parseIssuerFields(raw: unknown, where: string, ciNames: ReadonlySet<string>): Omit<IssuerConfig, 'issuerUrl'> & { issuerUrl?: string } {
  const m = pick(raw, where, ISSUER_FIELDS);
  const clientId = optString(m, 'clientid', where);
  if (!clientId) fail(`${where}: ClientID (client-id) is required (the audience tokens must carry, normally "sigstore")`);
  const typeRaw = optString(m, 'type', where);
  if (!typeRaw) fail(`${where}: Type is required (one of ${ISSUER_TYPES.join(', ')})`);
  if (!(ISSUER_TYPES as readonly string[]).includes(typeRaw)) {
    fail(`${where}: unknown issuer type ${JSON.stringify(typeRaw)} (expected one of ${ISSUER_TYPES.join(', ')})`);
  }
  const type = typeRaw as IssuerType;
  const skip = m.get('skipemailverification');
  if (skip !== undefined && skip !== null && typeof skip !== 'boolean') fail(`${where}: SkipEmailVerification must be a boolean`);
  const cfg = {
    issuerUrl: optString(m, 'issuerurl', where),
    clientId,
    type,
    ciProvider: optString(m, 'ciprovider', where),
    issuerClaim: optString(m, 'issuerclaim', where),
    subjectDomain: optString(m, 'subjectdomain', where),
    spiffeTrustDomain: optString(m, 'spiffetrustdomain', where),
    challengeClaim: optString(m, 'challengeclaim', where),
    caCert: optString(m, 'cacert', where),
    skipEmailVerification: skip === true,
    description: optString(m, 'description', where),
    contact: optString(m, 'contact', where),
  };
  optString(m, 'environment', where); // informational; type-checked only

  if (cfg.issuerClaim !== undefined) {
    if (type !== 'email') fail(`${where}: IssuerClaim is only allowed for email issuers (type is ${type})`);
    if (!parseIssuerClaimPath(cfg.issuerClaim)) fail(`${where}: IssuerClaim ${JSON.stringify(cfg.issuerClaim)} is not a JSONPath like $.federated_claims.connector_id`);
  }
  if (cfg.skipEmailVerification && type !== 'email') fail(`${where}: SkipEmailVerification only applies to email issuers (type is ${type})`);
  if (type === 'ci-provider') {
    if (!cfg.ciProvider) fail(`${where}: type ci-provider needs CIProvider naming a CIIssuerMetadata entry`);
    if (!ciNames.has(cfg.ciProvider)) {
      fail(`${where}: CIProvider ${JSON.stringify(cfg.ciProvider)} names no CIIssuerMetadata entry (known: ${[...ciNames].join(', ')})`);
    }
  } else if (cfg.ciProvider !== undefined) {
    fail(`${where}: CIProvider is only meaningful with type ci-provider (type is ${type})`);
  }
  if (cfg.caCert !== undefined && !cfg.caCert.includes('-----BEGIN CERTIFICATE-----')) fail(`${where}: CACert must be PEM certificate text`);
  if (cfg.challengeClaim !== undefined && !/^[A-Za-z0-9_.:/-]+$/.test(cfg.challengeClaim)) fail(`${where}: ChallengeClaim must be a claim name`);
  return cfg;
}

function checkIssuerUrl(u: string, where: string): URL {
  const url = parseUrl(u, where);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`${where}: issuer URL must be https:// (or http:// for development), got ${url.protocol}`);
  if (url.search || url.hash || u.includes('?') || u.includes('#')) fail(`${where}: an issuer URL has no query or fragment (OIDC Core §2)`);
  if (url.username || url.password) fail(`${where}: an issuer URL carries no credentials`);
  return url;
}

/** Type-specific requirements that depend on the issuer URL (upstream validateConfig). */
function checkTypeRules(cfg: Omit<IssuerConfig, 'issuerUrl'>, issuerUrl: URL, where: string): void {
  if (cfg.type === 'uri') {
    if (!cfg.subjectDomain) fail(`${where}: type uri needs SubjectDomain (a URL with scheme, e.g. https://example.com)`);
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(cfg.subjectDomain)) fail(`${where}: SubjectDomain for uri must contain a scheme (e.g. https://example.com)`);
    const sd = parseUrl(cfg.subjectDomain, where);
    if (sd.protocol !== issuerUrl.protocol) fail(`${where}: SubjectDomain scheme ${sd.protocol} does not match the issuer's ${issuerUrl.protocol}`);
    checkAllowedDomain(sd.hostname, issuerUrl.hostname, where);
  }
  if (cfg.type === 'username') {
    if (!cfg.subjectDomain) fail(`${where}: type username needs SubjectDomain (a domain without scheme, e.g. example.com)`);
    if (cfg.subjectDomain.includes('://') || /^[a-z][a-z0-9+.-]*:/i.test(cfg.subjectDomain)) fail(`${where}: SubjectDomain for username must not contain a scheme`);
    if (!/^[A-Za-z0-9.-]+$/.test(cfg.subjectDomain)) fail(`${where}: SubjectDomain ${JSON.stringify(cfg.subjectDomain)} is not a domain name`);
    checkAllowedDomain(cfg.subjectDomain, issuerUrl.hostname, where);
  }
  if (cfg.type === 'spiffe') {
    if (!cfg.spiffeTrustDomain) fail(`${where}: type spiffe needs SPIFFETrustDomain`);
    if (!isValidTrustDomain(cfg.spiffeTrustDomain)) fail(`${where}: SPIFFETrustDomain ${JSON.stringify(cfg.spiffeTrustDomain)} is not a valid trust domain`);
  }
}

const WILDCARD = '[-_a-zA-Z0-9]+';

/**
 * Compiles a meta-issuer pattern: every `*` matches one run of `[-_a-zA-Z0-9]`
 * (so never `.` or `/`), everything else is literal, and the match is anchored.
 * Upstream's regex is unanchored (`MatchString`), which would let
 * `https://evil.example/x?https://oidc.eks.a.amazonaws.com/id/b` through; we anchor.
 */
export function compileMetaIssuerPattern(pattern: string): RegExp {
  const quoted = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join(WILDCARD);
  return new RegExp(`^${quoted}$`);
}

function checkMetaPattern(pattern: string, where: string): RegExp {
  if (!pattern.includes('*')) fail(`${where}: a meta-issuer pattern must contain "*" (put exact issuers in OIDCIssuers)`);
  const m = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(pattern);
  if (!m) fail(`${where}: a meta-issuer pattern must start with https:// (or http://) and a host`);
  if (pattern.includes('?') || pattern.includes('#')) fail(`${where}: an issuer URL has no query or fragment`);
  const labels = m[2]!.replace(/:[^:\]]*$/, '').split('.');
  // A wildcard in the registrable part would let anyone who owns *some* domain mint
  // tokens (e.g. https://*.*/): insist the last two host labels are literal.
  if (labels.length < 2 || labels.slice(-2).some((l) => l.includes('*') || l === '')) {
    fail(`${where}: the last two host labels of a meta-issuer pattern must be literal (got ${m[2]})`);
  }
  checkIssuerUrl(pattern.replaceAll('*', 'x'), where);
  return compileMetaIssuerPattern(pattern);
}

const METADATA_FIELDS = ['defaulttemplatevalues', 'extensiontemplates', 'claimstemplates', 'subjectalternativenametemplate'] as const;
const EXTENSION_BY_NORM = new Map<string, ExtensionField>(EXTENSION_FIELDS.flatMap((f) => [[norm(f.name), f.name] as const, [norm(f.goName), f.name] as const]));

function checkTemplate(t: string, where: string): void {
  if (!t.includes('{{')) {
    if (!t.trim()) fail(`${where}: empty template`);
    return;
  }
  try {
    parseClaimTemplate(t);
  } catch (e) {
    fail(`${where}: ${(e as Error).message}`);
  }
}

function parseMetadata(raw: unknown, where: string): CIIssuerMetadata {
  const m = pick(raw, where, METADATA_FIELDS);
  const defaults: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries(m.get('defaulttemplatevalues'), `${where}.DefaultTemplateValues`)) {
    if (typeof v !== 'string') fail(`${where}.DefaultTemplateValues.${k} must be a string`);
    defaults[k] = v;
  }
  if (m.has('extensiontemplates') && m.has('claimstemplates')) fail(`${where}: give ExtensionTemplates or ClaimsTemplates, not both`);
  const templates: Partial<Record<ExtensionField, string>> = {};
  for (const [k, v] of entries(m.get('extensiontemplates') ?? m.get('claimstemplates'), `${where}.ExtensionTemplates`)) {
    if (norm(k) === 'issuer') fail(`${where}.ExtensionTemplates: Issuer cannot be templated; it is always the token's iss`);
    const field = EXTENSION_BY_NORM.get(norm(k));
    if (!field) fail(`${where}.ExtensionTemplates: unknown extension ${JSON.stringify(k)} (known: ${EXTENSION_FIELDS.map((f) => f.name).join(', ')})`);
    if (typeof v !== 'string') fail(`${where}.ExtensionTemplates.${k} must be a string`);
    if (!v.trim()) continue; // upstream skips blank templates
    if (templates[field] !== undefined) fail(`${where}.ExtensionTemplates: ${field} is given twice`);
    checkTemplate(v, `${where}.ExtensionTemplates.${k}`);
    templates[field] = v;
  }
  const san = optString(m, 'subjectalternativenametemplate', where);
  if (!san || !san.trim()) fail(`${where}: SubjectAlternativeNameTemplate is required`);
  checkTemplate(san, `${where}.SubjectAlternativeNameTemplate`);
  return { defaultTemplateValues: defaults, extensionTemplates: templates, subjectAlternativeNameTemplate: san };
}

/** Validates and normalizes a Fulcio identity config (JSON or YAML-shaped object). Throws OidcError CONFIG_INVALID. */
export function parseFulcioConfig(input: unknown): FulcioConfig {
  // `define` is the YAML anchor scratch list upstream's config.yaml starts with.
  const top = pick(input, 'config', ['oidcissuers', 'metaissuers', 'ciissuermetadata'], ['define']);

  const ciIssuerMetadata = new Map<string, CIIssuerMetadata>(Object.entries(BUILTIN_CI_PROVIDERS));
  for (const [name, raw] of entries(top.get('ciissuermetadata'), 'CIIssuerMetadata')) {
    ciIssuerMetadata.set(name, parseMetadata(raw, `CIIssuerMetadata[${JSON.stringify(name)}]`));
  }
  const ciNames = new Set(ciIssuerMetadata.keys());

  const oidcIssuers = new Map<string, IssuerConfig>();
  for (const [key, raw] of entries(top.get('oidcissuers'), 'OIDCIssuers')) {
    const where = `OIDCIssuers[${JSON.stringify(key)}]`;
    const f = parseIssuerFields(raw, where, ciNames);
    const issuerUrl = f.issuerUrl ?? key;
    // Upstream looks tokens up by the map key but verifies `iss` against IssuerURL;
    // two different values would make one of them unreachable or, worse, mixed up.
    if (issuerUrl !== key) fail(`${where}: IssuerURL ${JSON.stringify(issuerUrl)} differs from its key`);
    if (issuerUrl.includes('*')) fail(`${where}: "*" in an exact issuer URL; wildcard issuers belong in MetaIssuers`);
    const url = checkIssuerUrl(issuerUrl, where);
    checkTypeRules(f, url, where);
    oidcIssuers.set(key, { ...stripUndefined(f), issuerUrl });
  }

  const metaIssuers = new Map<string, MetaIssuerConfig>();
  for (const [pattern, raw] of entries(top.get('metaissuers'), 'MetaIssuers')) {
    const where = `MetaIssuers[${JSON.stringify(pattern)}]`;
    const f = parseIssuerFields(raw, where, ciNames);
    if (f.issuerUrl !== undefined) fail(`${where}: a meta-issuer has no IssuerURL; the pattern is the key`);
    const regex = checkMetaPattern(pattern, where);
    // One pattern would map many OIDC issuers onto one trust domain (upstream refuses too).
    if (f.type === 'spiffe') fail(`${where}: SPIFFE meta-issuers are not supported`);
    if (f.type === 'uri' || f.type === 'username') fail(`${where}: type ${f.type} needs a fixed issuer to check SubjectDomain against; use OIDCIssuers`);
    const { issuerUrl: _drop, ...rest } = f;
    metaIssuers.set(pattern, { ...stripUndefined(rest), pattern, regex });
  }

  if (oidcIssuers.size === 0 && metaIssuers.size === 0) fail('no OIDCIssuers or MetaIssuers configured; the CA would accept nobody');
  return { oidcIssuers, metaIssuers, ciIssuerMetadata };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The issuer configuration for a token's (unverified) `iss`: an exact OIDCIssuers
 * entry, else the first MetaIssuers pattern that matches, instantiated for that URL.
 */
export function findIssuer(config: FulcioConfig, iss: string): IssuerConfig | undefined {
  const exact = config.oidcIssuers.get(iss);
  if (exact) return exact;
  for (const meta of config.metaIssuers.values()) {
    if (meta.regex.test(iss)) {
      const { pattern: _p, regex: _r, ...rest } = meta;
      return { ...rest, issuerUrl: iss };
    }
  }
  return undefined;
}

/** The claim a caller must sign for this issuer (upstream issuerToChallengeClaim). */
export function challengeClaimOf(issuer: Pick<IssuerConfig, 'type' | 'challengeClaim'>): string {
  if (issuer.challengeClaim) return issuer.challengeClaim;
  return issuer.type === 'email' ? 'email' : 'sub';
}
