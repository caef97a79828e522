import { createHash, createPublicKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { ClientError } from '../errors.js';
import { PREDICATE_TYPES } from '../sign/in-toto-statement.js';
import { compileImageGlob, printable } from './image-glob.js';
import { compileIdentityRegExp } from './keyless-identity.js';
import type { KeylessIdentity } from './keyless-identity.js';

/**
 * sigstore policy-controller's ClusterImagePolicy (policy.sigstore.dev v1beta1 and
 * v1alpha1, which have the same fields), read from a file so that the admission check
 * runs without a cluster. We validate as the controller's webhook does
 * (pkg/apis/policy/v1beta1/clusterimagepolicy_validation.go) and more strictly: unknown
 * fields are refused (kubectl --validate=strict), and what needs a cluster, a KMS or a
 * policy engine we do not have is refused with the reason, rather than skipped, because
 * a skipped rule in a deploy gate admits what the author meant to deny. What only changes
 * where trust comes from (URLs, trustRootRef) is accepted and listed in `notes`: sigstack
 * verifies against the trust it is given (--trusted-root, TUF, SIGSTORE_* variables).
 */

export const POLICY_API_VERSIONS = ['policy.sigstore.dev/v1beta1', 'policy.sigstore.dev/v1alpha1'] as const;
export type PolicyApiVersion = (typeof POLICY_API_VERSIONS)[number];

/** Policy files larger than this are refused before parsing (hostile input). */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** Aliases YAML may expand (the `yaml` package's default, stated here so it stays bounded). */
const MAX_YAML_ALIASES = 100;

export type PolicyMode = 'enforce' | 'warn';
export type KeyHashAlgorithm = 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Where an authority's signatures are stored instead of next to the image (`source[0]`). */
export interface SignatureSource {
  /** `registry` or `registry/repository`, as cosign's COSIGN_REPOSITORY. */
  oci?: string;
  /** Prefix of the signature and attestation tags (tag-based discovery). */
  tagPrefix?: string;
}

/** One required attestation of an authority (`attestations[]`). */
export interface AttestationRequirement {
  name: string;
  /** As written in the policy: a cosign short name (`slsaprovenance`) or a URI. */
  predicateType: string;
  /** The in-toto predicate type URI it stands for. */
  predicateTypeUri: string;
}

interface AuthorityCommon {
  /** `name`, or `authority-<index>` as the controller defaults it. */
  name: string;
  /** Position in `spec.authorities`. */
  index: number;
}

interface SigningAuthorityCommon extends AuthorityCommon {
  source?: SignatureSource;
  /** Empty: the authority checks signatures. Not empty: it checks these attestations instead (all of them). */
  attestations: AttestationRequirement[];
  /** `legacy` (cosign 2 tags) or `bundle` (OCI referrers), when the policy says. */
  signatureFormat?: 'legacy' | 'bundle';
}

/** `key.data`: signatures made with this public key. */
export interface KeyAuthority extends SigningAuthorityCommon {
  kind: 'key';
  /** The key as SPKI PEM (re-encoded from the policy's `data`). */
  publicKeyPem: string;
  /** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo: names the key in denials. */
  keyId: string;
  hashAlgorithm: KeyHashAlgorithm;
}

/** `keyless`: Fulcio certificates for any one of these identities. */
export interface KeylessAuthority extends SigningAuthorityCommon {
  kind: 'keyless';
  identities: KeylessIdentity[];
  /** `keyless.url` (informational: the Fulcio CAs come from the trusted root). */
  fulcioUrl?: string;
}

/** `static`: admits (`pass`) or refuses (`fail`) every matching image without looking at signatures. */
export interface StaticAuthority extends AuthorityCommon {
  kind: 'static';
  action: 'pass' | 'fail';
  message?: string;
}

export type PolicyAuthority = KeyAuthority | KeylessAuthority | StaticAuthority;

export interface ClusterImagePolicy {
  /** `metadata.name`. */
  name: string;
  apiVersion: PolicyApiVersion;
  /** `spec.images[].glob`. */
  globs: string[];
  /** Any one of them must pass for the policy to pass. */
  authorities: PolicyAuthority[];
  mode: PolicyMode;
  /** What the file says that sigstack accepts but does not act on as a cluster would, one sentence each. */
  notes: string[];
}

type Json = Record<string, unknown>;

/** The policy being read and where, for messages. */
interface Ctx {
  /** `policy <name>` once the name is known, `document <n>` before. */
  label: string;
  notes: string[];
}

function fail(ctx: Ctx, path: string, message: string): never {
  throw new ClientError('POLICY_INVALID', `${ctx.label}: ${path}: ${message}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `path`, refusing any member not in `allowed` by its full path. */
function object(ctx: Ctx, path: string, v: unknown, allowed: readonly string[]): Json {
  if (!isObject(v)) fail(ctx, path, `must be a mapping, not ${describeValue(v)}`);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) fail(ctx, `${path}.${printable(key, 60)}`, `unknown field (${path} takes ${allowed.join(', ')})`);
  }
  return v;
}

function array(ctx: Ctx, path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) fail(ctx, path, `must be a list, not ${describeValue(v)}`);
  return v;
}

function optionalString(ctx: Ctx, path: string, v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') fail(ctx, path, `must be a string, not ${describeValue(v)}`);
  return v;
}

function requiredString(ctx: Ctx, path: string, v: unknown): string {
  const s = optionalString(ctx, path, v);
  if (s === undefined) fail(ctx, path, 'required');
  return s;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${printable(String(v), 60)}`;
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/**
 * Reads every ClusterImagePolicy in a YAML text (one or more documents; empty documents
 * are skipped). Anything else (malformed YAML, another kind, an unknown field, a rule we
 * cannot evaluate) is POLICY_INVALID naming the document or policy and the field.
 */
export function parseClusterImagePolicies(text: string): ClusterImagePolicy[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_FILE_BYTES) {
    throw new ClientError('POLICY_INVALID', `policy file larger than ${MAX_POLICY_FILE_BYTES} bytes`);
  }
  let docs;
  try {
    docs = Array.from(parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true }));
  } catch (cause) {
    throw new ClientError('POLICY_INVALID', `policy file: not YAML: ${(cause as Error).message}`, { cause });
  }
  const policies: ClusterImagePolicy[] = [];
  const names = new Set<string>();
  docs.forEach((doc, i) => {
    const label = `document ${i + 1}`;
    const firstError = doc.errors[0];
    if (firstError) throw new ClientError('POLICY_INVALID', `${label}: not valid YAML: ${firstError.message}`, { cause: firstError });
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (cause) {
      throw new ClientError('POLICY_INVALID', `${label}: not valid YAML: ${(cause as Error).message}`, { cause });
    }
    if (value === null || value === undefined) return; // an empty document, e.g. after a trailing ---
    const policy = toClusterImagePolicy(value, { label, notes: [] });
    if (names.has(policy.name)) throw new ClientError('POLICY_INVALID', `${label}: policy ${policy.name} appears twice in the file`);
    names.add(policy.name);
    policies.push(policy);
  });
  if (policies.length === 0) throw new ClientError('POLICY_INVALID', 'policy file holds no ClusterImagePolicy');
  return policies;
}

/** Reads a policy file: as `parseClusterImagePolicies`, with the file's path in every message. */
export async function readClusterImagePolicyFile(path: string): Promise<ClusterImagePolicy[]> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ClientError('POLICY_INVALID', `policy file ${path}: not a regular file`);
    if (info.size > MAX_POLICY_FILE_BYTES) throw new ClientError('POLICY_INVALID', `policy file ${path}: larger than ${MAX_POLICY_FILE_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (cause instanceof ClientError) throw cause;
    throw new ClientError('POLICY_INVALID', `policy file ${path}: cannot read it: ${(cause as Error).message}`, { cause });
  }
  try {
    return parseClusterImagePolicies(text);
  } catch (cause) {
    if (cause instanceof ClientError) throw new ClientError('POLICY_INVALID', `policy file ${path}: ${cause.message}`, { cause });
    throw cause;
  }
}

/** One parsed YAML document as a ClusterImagePolicy. */
function toClusterImagePolicy(value: unknown, ctx: Ctx): ClusterImagePolicy {
  // status is what a cluster wrote back (kubectl get -o yaml): ignored.
  const top = object(ctx, 'document', value, ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  const kind = optionalString(ctx, 'kind', top['kind']);
  if (kind !== 'ClusterImagePolicy') fail(ctx, 'kind', `"${printable(String(kind ?? ''))}" is not ClusterImagePolicy`);
  const apiVersion = optionalString(ctx, 'apiVersion', top['apiVersion']);
  if (!POLICY_API_VERSIONS.includes(apiVersion as PolicyApiVersion)) {
    fail(ctx, 'apiVersion', `"${printable(String(apiVersion ?? ''))}" is not one of ${POLICY_API_VERSIONS.join(', ')}`);
  }
  // metadata is Kubernetes' ObjectMeta: only the name matters here, the rest (labels, annotations, uid, ...) is ignored.
  if (!isObject(top['metadata'])) fail(ctx, 'metadata', `must be a mapping with a name, not ${describeValue(top['metadata'])}`);
  const name = requiredString(ctx, 'metadata.name', top['metadata']['name']);
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) fail(ctx, 'metadata.name', `"${printable(name)}" is not a Kubernetes object name (lowercase letters, digits, - and .)`);
  ctx.label = `policy ${name}`;

  const spec = object(ctx, 'spec', top['spec'], ['images', 'authorities', 'policy', 'mode', 'match']);
  const images = array(ctx, 'spec.images', spec['images']);
  if (images.length === 0) fail(ctx, 'spec.images', 'at least one image glob is required');
  const globs = images.map((image, i) => {
    const path = `spec.images[${i}]`;
    const glob = requiredString(ctx, `${path}.glob`, object(ctx, path, image, ['glob'])['glob']);
    try {
      compileImageGlob(glob);
    } catch (cause) {
      fail(ctx, `${path}.glob`, `invalid glob: ${(cause as Error).message}`);
    }
    return glob;
  });

  // Upstream's default (fail-on-empty-authorities: true): a policy without authorities admits nothing.
  if (!present(spec['authorities'])) fail(ctx, 'spec.authorities', 'required: at least one authority (a policy without one admits no image)');
  const rawAuthorities = array(ctx, 'spec.authorities', spec['authorities']);
  if (rawAuthorities.length === 0) fail(ctx, 'spec.authorities', 'at least one authority is required (a policy without one admits no image)');
  const authorities = rawAuthorities.map((a, i) => toAuthority(ctx, `spec.authorities[${i}]`, a, i));

  const modeValue = optionalString(ctx, 'spec.mode', spec['mode']) ?? 'enforce';
  if (modeValue !== 'enforce' && modeValue !== 'warn') fail(ctx, 'spec.mode', `"${printable(modeValue)}" is not enforce or warn`);

  if (present(spec['policy'])) refusePolicyEngine(ctx, 'spec.policy', spec['policy']);

  if (present(spec['match'])) {
    const match = array(ctx, 'spec.match', spec['match']);
    match.forEach((m, i) => object(ctx, `spec.match[${i}]`, m, ['group', 'version', 'resource', 'selector']));
    if (match.length > 0) {
      ctx.notes.push('spec.match is ignored: outside a cluster there is no resource to select on, so the policy applies to every image its globs match');
    }
  }
  return { name, apiVersion: apiVersion as PolicyApiVersion, globs, authorities, mode: modeValue, notes: ctx.notes };
}

const AUTHORITY_FIELDS = ['name', 'key', 'keyless', 'static', 'source', 'ctlog', 'attestations', 'rfc3161timestamp', 'signatureFormat'] as const;

function toAuthority(ctx: Ctx, path: string, value: unknown, index: number): PolicyAuthority {
  const a = object(ctx, path, value, AUTHORITY_FIELDS);
  const name = optionalString(ctx, `${path}.name`, a['name']) ?? `authority-${index}`;
  const kinds = (['key', 'keyless', 'static'] as const).filter((k) => present(a[k]));
  if (kinds.length === 0) fail(ctx, path, 'expected exactly one of key, keyless, static: none is set');
  if (kinds.length > 1) fail(ctx, path, `expected exactly one of key, keyless, static: ${kinds.join(' and ')} are set`);

  if (kinds[0] === 'static') {
    for (const other of ['attestations', 'source', 'ctlog', 'rfc3161timestamp'] as const) {
      if (present(a[other])) fail(ctx, `${path}.${other}`, 'not allowed with static (a static authority looks at no signature)');
    }
    const s = object(ctx, `${path}.static`, a['static'], ['action', 'message']);
    const action = requiredString(ctx, `${path}.static.action`, s['action']);
    if (action !== 'pass' && action !== 'fail') fail(ctx, `${path}.static.action`, `"${printable(action)}" is not pass or fail`);
    const message = optionalString(ctx, `${path}.static.message`, s['message']);
    return { kind: 'static', name, index, action, ...(message !== undefined ? { message } : {}) };
  }

  const common: SigningAuthorityCommon = { name, index, attestations: [] };
  if (present(a['source'])) {
    const sources = array(ctx, `${path}.source`, a['source']);
    if (sources.length > 1) fail(ctx, `${path}.source`, 'only a single source is supported');
    if (sources.length === 1) common.source = toSource(ctx, `${path}.source[0]`, sources[0]);
  }
  if (present(a['attestations'])) {
    common.attestations = array(ctx, `${path}.attestations`, a['attestations']).map((att, i) => toAttestation(ctx, `${path}.attestations[${i}]`, att));
  }
  const format = optionalString(ctx, `${path}.signatureFormat`, a['signatureFormat']);
  if (format !== undefined) {
    if (format !== 'legacy' && format !== 'bundle') fail(ctx, `${path}.signatureFormat`, `"${printable(format)}" is not legacy or bundle`);
    common.signatureFormat = format;
  }
  if (present(a['ctlog'])) {
    const c = object(ctx, `${path}.ctlog`, a['ctlog'], ['url', 'trustRootRef']);
    if (present(c['url'])) validateUrl(ctx, `${path}.ctlog.url`, c['url']);
    optionalString(ctx, `${path}.ctlog.trustRootRef`, c['trustRootRef']);
    ctx.notes.push(`${path}.ctlog: the transparency log and its key come from sigstack's trusted root, not from the policy`);
  }
  if (present(a['rfc3161timestamp'])) {
    const r = object(ctx, `${path}.rfc3161timestamp`, a['rfc3161timestamp'], ['trustRootRef']);
    optionalString(ctx, `${path}.rfc3161timestamp.trustRootRef`, r['trustRootRef']);
    ctx.notes.push(`${path}.rfc3161timestamp: timestamp authorities come from sigstack's trusted root, not from the policy`);
  }

  if (kinds[0] === 'key') return { kind: 'key', ...common, ...toKey(ctx, `${path}.key`, a['key']) };
  return { kind: 'keyless', ...common, ...toKeyless(ctx, `${path}.keyless`, a['keyless']) };
}

function toKey(ctx: Ctx, path: string, value: unknown): Pick<KeyAuthority, 'publicKeyPem' | 'keyId' | 'hashAlgorithm'> {
  const k = object(ctx, path, value, ['data', 'kms', 'secretRef', 'hashAlgorithm']);
  if (present(k['kms'])) {
    fail(ctx, `${path}.kms`, 'a KMS key needs the KMS, which sigstack does not reach: put the public key PEM in key.data (cosign public-key --key <kms-uri> prints it)');
  }
  if (present(k['secretRef'])) {
    fail(ctx, `${path}.secretRef`, 'a Kubernetes secret needs a cluster: put the public key PEM in key.data');
  }
  const data = requiredString(ctx, `${path}.data`, k['data']);
  const hash = (optionalString(ctx, `${path}.hashAlgorithm`, k['hashAlgorithm']) ?? 'sha256').trim().toLowerCase();
  if (hash !== 'sha224' && hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') {
    fail(ctx, `${path}.hashAlgorithm`, `"${printable(hash)}" is not one of sha224, sha256, sha384, sha512`);
  }
  const blocks = data.match(/-----BEGIN ([A-Z0-9 ]+)-----/g) ?? [];
  if (blocks.length !== 1 || blocks[0] !== '-----BEGIN PUBLIC KEY-----') {
    fail(ctx, `${path}.data`, 'must hold exactly one PEM "PUBLIC KEY" block');
  }
  let der: Buffer;
  try {
    der = createPublicKey({ key: data, format: 'pem' }).export({ type: 'spki', format: 'der' });
  } catch (cause) {
    fail(ctx, `${path}.data`, `not a public key we can read: ${(cause as Error).message}`);
  }
  const pem = `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PUBLIC KEY-----\n`;
  return { publicKeyPem: pem, keyId: createHash('sha256').update(der).digest('hex'), hashAlgorithm: hash };
}

function toKeyless(ctx: Ctx, path: string, value: unknown): Pick<KeylessAuthority, 'identities' | 'fulcioUrl'> {
  const k = object(ctx, path, value, ['url', 'identities', 'ca-cert', 'trustRootRef', 'insecureIgnoreSCT']);
  if (present(k['ca-cert'])) {
    fail(ctx, `${path}.ca-cert`, 'a CA given in the policy is not supported: sigstack takes the Fulcio CAs from its trusted root (--trusted-root, TUF)');
  }
  const fulcioUrl = present(k['url']) ? validateUrl(ctx, `${path}.url`, k['url']) : undefined;
  if (fulcioUrl !== undefined) ctx.notes.push(`${path}.url: informational; certificates are checked against the Fulcio CAs of sigstack's trusted root`);
  if (optionalString(ctx, `${path}.trustRootRef`, k['trustRootRef']) !== undefined) {
    ctx.notes.push(`${path}.trustRootRef: the cluster TrustRoot is not read; sigstack verifies against the trusted root it is given`);
  }
  if (present(k['insecureIgnoreSCT'])) {
    if (typeof k['insecureIgnoreSCT'] !== 'boolean') fail(ctx, `${path}.insecureIgnoreSCT`, `must be true or false, not ${describeValue(k['insecureIgnoreSCT'])}`);
    if (k['insecureIgnoreSCT']) ctx.notes.push(`${path}.insecureIgnoreSCT: ignored; sigstack always requires the certificate's SCT`);
  }
  if (!present(k['identities'])) fail(ctx, `${path}.identities`, 'required: at least one identity (issuer and subject)');
  const list = array(ctx, `${path}.identities`, k['identities']);
  if (list.length === 0) fail(ctx, `${path}.identities`, 'at least one identity (issuer and subject) is required');
  const identities = list.map((v, i) => toIdentity(ctx, `${path}.identities[${i}]`, v));
  return { identities, ...(fulcioUrl !== undefined ? { fulcioUrl } : {}) };
}

function toIdentity(ctx: Ctx, path: string, value: unknown): KeylessIdentity {
  const o = object(ctx, path, value, ['issuer', 'subject', 'issuerRegExp', 'subjectRegExp']);
  const id: KeylessIdentity = {};
  for (const [exact, re] of [
    ['issuer', 'issuerRegExp'],
    ['subject', 'subjectRegExp'],
  ] as const) {
    const e = optionalString(ctx, `${path}.${exact}`, o[exact]);
    const r = optionalString(ctx, `${path}.${re}`, o[re]);
    if (e !== undefined && r !== undefined) fail(ctx, path, `set ${exact} or ${re}, not both`);
    if (e === undefined && r === undefined) fail(ctx, path, `${exact} or ${re} is required`);
    if (r !== undefined) {
      try {
        compileIdentityRegExp(r);
      } catch (cause) {
        fail(ctx, `${path}.${re}`, (cause as Error).message);
      }
      id[re] = r;
    } else {
      id[exact] = e;
    }
  }
  return id;
}

function toSource(ctx: Ctx, path: string, value: unknown): SignatureSource {
  const s = object(ctx, path, value, ['oci', 'signaturePullSecrets', 'tagPrefix']);
  const source: SignatureSource = {};
  const oci = optionalString(ctx, `${path}.oci`, s['oci']);
  if (oci !== undefined) {
    const slash = oci.indexOf('/');
    const registry = slash < 0 ? oci : oci.slice(0, slash);
    const repository = slash < 0 ? '' : oci.slice(slash + 1);
    if (!/^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(registry) || (slash >= 0 && !/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(repository))) {
      fail(ctx, `${path}.oci`, `"${printable(oci)}" is not a registry or registry/repository`);
    }
    source.oci = oci;
  }
  if (present(s['signaturePullSecrets'])) {
    array(ctx, `${path}.signaturePullSecrets`, s['signaturePullSecrets']).forEach((p, i) =>
      requiredString(ctx, `${path}.signaturePullSecrets[${i}].name`, object(ctx, `${path}.signaturePullSecrets[${i}]`, p, ['name'])['name']),
    );
    ctx.notes.push(`${path}.signaturePullSecrets: ignored; registry credentials come from the docker config, as for cosign`);
  }
  if (present(s['tagPrefix'])) {
    if (typeof s['tagPrefix'] !== 'string' || !/^[A-Za-z0-9_.-]{0,100}$/.test(s['tagPrefix'])) fail(ctx, `${path}.tagPrefix`, 'must be a string of tag characters (A-Z a-z 0-9 _ . -)');
    source.tagPrefix = s['tagPrefix'];
  }
  return source;
}

function toAttestation(ctx: Ctx, path: string, value: unknown): AttestationRequirement {
  const o = object(ctx, path, value, ['name', 'predicateType', 'policy']);
  const name = requiredString(ctx, `${path}.name`, o['name']);
  const predicateType = requiredString(ctx, `${path}.predicateType`, o['predicateType']);
  const known = PREDICATE_TYPES[predicateType];
  let predicateTypeUri: string;
  if (known !== undefined) {
    predicateTypeUri = known;
  } else if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(predicateType)) {
    predicateTypeUri = predicateType;
  } else {
    // Upstream only warns, but no cosign attestation can carry such a type: the requirement could never be met.
    fail(ctx, `${path}.predicateType`, `"${printable(predicateType)}" is neither a cosign predicate type name (${Object.keys(PREDICATE_TYPES).join(', ')}) nor a URI`);
  }
  if (present(o['policy'])) refusePolicyEngine(ctx, `${path}.policy`, o['policy']);
  return { name, predicateType, predicateTypeUri };
}

/** cue and rego policies need their engine; skipping one would admit what it denies. */
function refusePolicyEngine(ctx: Ctx, path: string, value: unknown): never {
  const type = isObject(value) ? value['type'] : undefined;
  if (type === 'cue' || type === 'rego') {
    fail(ctx, path, `a ${type} policy cannot be evaluated by sigstack (it has no ${type === 'cue' ? 'CUE' : 'Rego'} engine): remove it from the file used with --policy, or enforce it in the cluster`);
  }
  fail(ctx, `${path}.type`, `"${printable(String(type ?? ''))}" is not a policy type (upstream knows cue and rego, and sigstack evaluates neither)`);
}

function validateUrl(ctx: Ctx, path: string, v: unknown): string {
  const s = requiredString(ctx, path, v);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    fail(ctx, path, `"${printable(s)}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') fail(ctx, path, `"${printable(s)}" is not an http(s) URL`);
  return s;
}
