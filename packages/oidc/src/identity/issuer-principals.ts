import { OidcError } from '../errors.js';
import { BUILTIN_CI_PROVIDERS } from '../config/builtin-ci-providers.js';
import { EXTENSION_FIELDS, OID_ISSUER_V1, OID_ISSUER_V2, OID_TOKEN_SUBJECT, type ExtensionField } from '../config/extension-fields.js';
import { isValidTrustDomain, parseIssuerClaimPath, type CIIssuerMetadata, type FulcioConfig, type IssuerConfig } from '../config/fulcio-config.js';
import { parseClaimTemplate, type ClaimTemplate, type TemplateData } from './claim-template.js';
import type { CertificateExtensionValue, Principal, SubjectAltName } from '../principal.js';

/** Verified token claims. Still attacker-influenced data: every use is type-checked. */
export type Claims = Readonly<Record<string, unknown>>;

function invalid(message: string): never {
  throw new OidcError('CLAIMS_INVALID', message);
}

function requireString(claims: Claims, name: string, what = 'the identity token'): string {
  const v = claims[name];
  if (typeof v !== 'string' || v === '') invalid(`${what} has no ${name} claim (or it is not a non-empty string)`);
  return v;
}

const EMAIL_RE = /^[\x21-\x3f\x41-\x7e]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const EMAIL_LOCAL_FORBIDDEN = /[\s<>()[\]\\,;:"]/;

function isEmailAddress(s: string): boolean {
  return s.length <= 254 && EMAIL_RE.test(s) && !EMAIL_LOCAL_FORBIDDEN.test(s.slice(0, s.lastIndexOf('@')));
}

/** A rough stand-in for Go's mail.ParseAddress succeeding: `x@y` with no spaces. */
function looksLikeEmail(s: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(s);
}

/** SAN values are IA5String: printable ASCII only (plus no spaces in URIs). */
function isAscii(s: string): boolean {
  return /^[\x21-\x7e]+$/.test(s);
}

/** Go's strconv.ParseBool for the true side: email_verified may be a boolean or a string. */
function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v));
}

// ---------------------------------------------------------------------------
// extensions

type Templated = Partial<Record<ExtensionField, string>>;

/**
 * The Sigstore extensions in emission order (protocols.md §4.7): 1.1 raw issuer,
 * 1.2–1.6 raw, 1.8 UTF8String issuer, 1.9–1.23, 1.24 token subject; empty values
 * are left out (upstream Render only emits non-empty fields).
 */
export function buildExtensions(issuerValue: string, templated: Templated, subject: string | undefined): CertificateExtensionValue[] {
  if (!issuerValue) invalid('the certificate issuer value is empty');
  const out: CertificateExtensionValue[] = [{ oid: OID_ISSUER_V1, encoding: 'raw', value: issuerValue }];
  const raw = EXTENSION_FIELDS.filter((f) => f.encoding === 'raw');
  const der = EXTENSION_FIELDS.filter((f) => f.encoding === 'utf8');
  for (const f of raw) {
    const v = templated[f.name];
    if (v) out.push({ oid: f.oid, encoding: 'raw', value: v });
  }
  out.push({ oid: OID_ISSUER_V2, encoding: 'utf8', value: issuerValue });
  for (const f of der) {
    const v = templated[f.name];
    if (v) out.push({ oid: f.oid, encoding: 'utf8', value: v });
  }
  if (subject) out.push({ oid: OID_TOKEN_SUBJECT, encoding: 'utf8', value: subject });
  return out;
}

// ---------------------------------------------------------------------------
// CI templates

/**
 * Claims as the string map templates see (upstream mapValuesToString): strings
 * verbatim, integral numbers as integers, booleans as true/false. Objects and
 * arrays are left out, so a template that needs one fails as "missing" instead
 * of certifying Go's `map[...]` rendering.
 */
export function flattenClaims(claims: Claims): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(claims)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) out[k] = Number.isInteger(v) ? BigInt(v).toString() : String(v);
    else if (typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

/** A CIIssuerMetadata entry with its templates parsed once. */
export interface CompiledCiProvider {
  defaults: Readonly<Record<string, string>>;
  san: ClaimTemplate | string;
  extensions: [ExtensionField, ClaimTemplate | string][];
}

export function compileCiProvider(meta: CIIssuerMetadata): CompiledCiProvider {
  const compile = (t: string): ClaimTemplate | string => (t.includes('{{') ? parseClaimTemplate(t) : t);
  return {
    defaults: meta.defaultTemplateValues,
    san: compile(meta.subjectAlternativeNameTemplate),
    extensions: EXTENSION_FIELDS.flatMap((f) => {
      const t = meta.extensionTemplates[f.name];
      return t ? [[f.name, compile(t)] as [ExtensionField, ClaimTemplate | string]] : [];
    }),
  };
}

function render(t: ClaimTemplate | string, data: TemplateData, what: string, issuer: string): string {
  try {
    if (typeof t !== 'string') return t.render(data);
    if (!Object.prototype.hasOwnProperty.call(data, t)) throw new Error(`claim ${JSON.stringify(t)} is not present in the token or the defaults`);
    return data[t]!;
  } catch (e) {
    return invalid(`${what} for issuer ${issuer}: ${(e as Error).message}`);
  }
}

function renderCi(provider: CompiledCiProvider, claims: Claims, iss: string, defaultsOverride: Record<string, string> = {}): { san: string; templated: Templated } {
  // Claims win over defaults (upstream applyTemplateOrReplace).
  const data: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, provider.defaults, defaultsOverride, flattenClaims(claims));
  const san = render(provider.san, data, 'the subject alternative name', iss);
  const templated: Templated = {};
  for (const [field, t] of provider.extensions) templated[field] = render(t, data, `extension ${field}`, iss);
  return { san, templated };
}

function uriSan(value: string, what: string): SubjectAltName {
  if (!isAscii(value)) invalid(`${what} ${JSON.stringify(value)} is not a printable-ASCII URI`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return invalid(`${what} ${JSON.stringify(value)} is not a URI`);
  }
  if (!u.protocol) invalid(`${what} ${JSON.stringify(value)} has no scheme`);
  return { type: 'uri', value };
}

// ---------------------------------------------------------------------------
// per-type mapping (protocols.md §3.5)

/** Claims the legacy (pre-ci-provider) principals insist on, from upstream pkg/identity/<type>/principal.go. */
const LEGACY_REQUIRED: Record<'github-workflow' | 'gitlab-pipeline' | 'buildkite-job' | 'codefresh-workflow', readonly string[]> = {
  'github-workflow': [
    'job_workflow_ref', 'sha', 'event_name', 'repository', 'workflow', 'ref', 'job_workflow_sha', 'runner_environment', 'repository_id',
    'repository_owner', 'repository_owner_id', 'repository_visibility', 'workflow_ref', 'workflow_sha', 'run_id', 'run_attempt',
  ],
  'gitlab-pipeline': [
    'project_path', 'pipeline_source', 'pipeline_id', 'ci_config_ref_uri', 'job_id', 'ref', 'ref_type', 'namespace_path', 'namespace_id',
    'project_id', 'sha', 'runner_environment', 'runner_id',
  ],
  'buildkite-job': ['organization_slug', 'pipeline_slug'],
  'codefresh-workflow': ['account_id', 'pipeline_id', 'workflow_id'],
};

export interface PrincipalContext {
  config: FulcioConfig;
  /** Compiled CI providers by name (config entries over built-ins). */
  ciProviders: ReadonlyMap<string, CompiledCiProvider>;
}

interface Mapped {
  san: SubjectAltName;
  issuerValue: string;
  templated: Templated;
  /** The type's default challenge (email or sub). */
  challenge: string;
}

/** Maps verified claims to a Principal per the issuer's type; throws CLAIMS_INVALID. */
export function principalFromClaims(issuer: IssuerConfig, claims: Claims, ctx: PrincipalContext): Principal {
  const iss = issuer.issuerUrl;
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const mapped = mapByType(issuer, claims, ctx, sub);
  let challenge = mapped.challenge;
  if (issuer.challengeClaim) challenge = requireString(claims, issuer.challengeClaim);
  if (!challenge) invalid('the identity token has no sub claim to use as the challenge');
  return {
    challenge,
    san: mapped.san,
    extensions: buildExtensions(mapped.issuerValue, mapped.templated, sub || undefined),
    issuer: iss,
    subject: sub || challenge,
  };
}

function mapByType(issuer: IssuerConfig, claims: Claims, ctx: PrincipalContext, sub: string): Mapped {
  const iss = issuer.issuerUrl;
  switch (issuer.type) {
    case 'email': {
      const email = claims.email;
      if (typeof email !== 'string' || email === '') invalid('the identity token has no email claim');
      if (!isEmailAddress(email)) invalid(`the email claim ${JSON.stringify(email)} is not a valid email address`);
      if (!issuer.skipEmailVerification && !isTrue(claims.email_verified)) invalid(`email ${email} is not verified (email_verified is not true)`);
      let issuerValue = iss;
      if (issuer.issuerClaim) {
        let v: unknown = claims;
        for (const p of parseIssuerClaimPath(issuer.issuerClaim) ?? []) {
          v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[p] : undefined;
        }
        if (typeof v !== 'string' || v === '') invalid(`the identity token has no string at ${issuer.issuerClaim} (the configured IssuerClaim)`);
        issuerValue = v;
      }
      return { san: { type: 'email', value: email }, issuerValue, templated: {}, challenge: email };
    }
    case 'username': {
      const s = requireString(claims, 'sub');
      if (s.includes('!')) invalid(`username ${JSON.stringify(s)} must not contain "!"`);
      if (looksLikeEmail(s)) invalid(`username ${JSON.stringify(s)} looks like an email address; use an email issuer`);
      if (/[\s\x00-\x1f\x7f]/.test(s)) invalid(`username ${JSON.stringify(s)} contains whitespace or control characters`);
      return { san: { type: 'otherName', value: `${s}!${issuer.subjectDomain!}` }, issuerValue: iss, templated: {}, challenge: s };
    }
    case 'uri': {
      const s = requireString(claims, 'sub');
      if (looksLikeEmail(s)) invalid(`uri subject ${JSON.stringify(s)} must not be an email address`);
      const san = uriSan(s, 'uri subject');
      const u = new URL(s);
      const domain = new URL(issuer.subjectDomain!);
      if (u.protocol !== domain.protocol) invalid(`uri subject ${s} has scheme ${u.protocol}, expected ${domain.protocol}`);
      if (u.hostname !== domain.hostname) invalid(`uri subject ${s} has hostname ${u.hostname}, expected ${domain.hostname}`);
      return { san, issuerValue: iss, templated: {}, challenge: s };
    }
    case 'spiffe': {
      const s = requireString(claims, 'sub');
      const m = /^spiffe:\/\/([^/]+)((?:\/[A-Za-z0-9._-]+)*)$/.exec(s);
      if (!m || !isValidTrustDomain(m[1]!) || m[2]!.split('/').some((seg) => seg === '.' || seg === '..')) {
        invalid(`sub ${JSON.stringify(s)} is not a valid SPIFFE ID`);
      }
      if (m[1] !== issuer.spiffeTrustDomain) invalid(`SPIFFE ID ${s} is not in trust domain ${issuer.spiffeTrustDomain!}`);
      return { san: { type: 'uri', value: s }, issuerValue: iss, templated: {}, challenge: s };
    }
    case 'kubernetes': {
      const k = claims['kubernetes.io'];
      const obj = typeof k === 'object' && k !== null && !Array.isArray(k) ? (k as Record<string, unknown>) : undefined;
      const ns = obj?.namespace;
      const saObj = obj?.serviceaccount;
      const sa = typeof saObj === 'object' && saObj !== null ? (saObj as Record<string, unknown>).name : undefined;
      if (typeof ns !== 'string' || ns === '') invalid('the identity token has no kubernetes.io.namespace claim');
      if (typeof sa !== 'string' || sa === '') invalid('the identity token has no kubernetes.io.serviceaccount.name claim');
      const san = uriSan(`https://kubernetes.io/namespaces/${ns}/serviceaccounts/${sa}`, 'kubernetes identity');
      return { san, issuerValue: iss, templated: {}, challenge: requireString(claims, 'sub') };
    }
    case 'chainguard-identity': {
      const s = requireString(claims, 'sub');
      const email = typeof claims.email === 'string' && claims.email ? claims.email : undefined;
      return { san: uriSan(`${iss.replace(/\/$/, '')}/${s}`, 'chainguard identity'), issuerValue: iss, templated: {}, challenge: email ?? s };
    }
    case 'ci-provider': {
      const provider = ctx.ciProviders.get(issuer.ciProvider!);
      if (!provider) invalid(`no CI provider metadata named ${issuer.ciProvider!}`);
      const s = requireString(claims, 'sub');
      const { san, templated } = renderCi(provider, claims, iss);
      return { san: uriSan(san, 'the rendered subject alternative name'), issuerValue: iss, templated, challenge: s };
    }
    case 'github-workflow':
    case 'gitlab-pipeline':
    case 'buildkite-job':
    case 'codefresh-workflow':
      return legacyCi(issuer.type, iss, claims, sub);
  }
}

const LEGACY_COMPILED = new Map<string, CompiledCiProvider>();
function legacyProvider(name: string, strip = false): CompiledCiProvider {
  const key = `${name}${strip ? '#noext' : ''}`;
  let p = LEGACY_COMPILED.get(key);
  if (!p) {
    const meta = BUILTIN_CI_PROVIDERS[name]!;
    p = compileCiProvider(strip ? { ...meta, extensionTemplates: {} } : meta);
    LEGACY_COMPILED.set(key, p);
  }
  return p;
}

/**
 * The pre-ci-provider types. Each is the corresponding built-in template set plus
 * the upstream principal's required-claim list, so the legacy `github-workflow`
 * type yields exactly the extensions `ci-provider`/`github-workflow` does
 * (cosign's --certificate-github-workflow-* flags read the raw 1.2–1.6 ones).
 */
function legacyCi(type: keyof typeof LEGACY_REQUIRED, iss: string, claims: Claims, sub: string): Mapped {
  const flat = flattenClaims(claims);
  for (const c of LEGACY_REQUIRED[type]) {
    if (flat[c] === undefined || flat[c] === '') invalid(`the ${type} identity token has no ${c} claim`);
  }
  if (!sub) invalid(`the ${type} identity token has no sub claim`);
  if (type === 'gitlab-pipeline') {
    if (flat.ref_type !== 'branch' && flat.ref_type !== 'tag') invalid(`ref_type ${JSON.stringify(flat.ref_type)} is neither branch nor tag`);
    // Legacy GitLab takes its base URL from the issuer (self-hosted instances), and
    // copies the issuer's scheme onto ci_config_ref_uri URLs on the same host.
    const base = iss.replace(/\/$/, '');
    const { san, templated } = renderCi(legacyProvider('gitlab-pipeline'), claims, iss, { url: base });
    const fixScheme = (v: string | undefined): string | undefined => {
      if (!v) return v;
      const u = new URL(v);
      const b = new URL(base);
      if (u.host === b.host && u.protocol !== b.protocol) return b.protocol + v.slice(u.protocol.length);
      return v;
    };
    templated['build-signer-uri'] = fixScheme(templated['build-signer-uri']);
    templated['build-config-uri'] = fixScheme(templated['build-config-uri']);
    return { san: uriSan(fixScheme(san)!, 'the GitLab subject alternative name'), issuerValue: iss, templated, challenge: sub };
  }
  const provider = type === 'buildkite-job' ? legacyProvider('buildkite-job', true) : legacyProvider(type);
  const { san, templated } = renderCi(provider, claims, iss);
  return { san: uriSan(san, `the ${type} subject alternative name`), issuerValue: iss, templated, challenge: sub };
}
