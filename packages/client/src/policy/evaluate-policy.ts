import { ClientError } from '../errors.js';
import type { ClusterImagePolicy, KeyAuthority, KeylessAuthority, PolicyAuthority } from './cluster-image-policy.js';
import { compileImageGlob, printable, toImageName } from './image-glob.js';
import { describeKeylessIdentity } from './keyless-identity.js';

/**
 * The admission decision for one image, as policy-controller's webhook makes it
 * (pkg/webhook/validator.go), without a cluster:
 *
 * - every policy with a glob matching the image applies, and ALL of them must pass;
 * - a policy passes when ANY ONE of its authorities passes (authorities are tried in
 *   order and the first that passes ends the policy; the others are not asked);
 * - an authority without attestations passes when the image has at least one signature
 *   it accepts (key: made with its key; keyless: a certificate for any of its
 *   identities); an authority with attestations checks those instead of signatures and
 *   passes when EVERY listed attestation is present and accepted by it;
 * - `static: {action: pass}` passes, `static: {action: fail}` fails, looking at nothing;
 * - a failing policy in `mode: warn` adds warnings, not denials;
 * - an error from the verifier (registry down) fails that authority with the error as
 *   the reason: the gate fails closed, but another authority may still pass the policy.
 *
 * An image no policy matches: policy-controller applies `no-match-policy` from its
 * config, whose default is `deny` (and it only looks at namespaces that opted in). A gate
 * has no namespaces, so we keep the controller's default: no matching policy is a denial,
 * unless `noMatchingPolicy` says `allow` or `warn`.
 */

/** The image under evaluation: the reference as given and the digest it resolved to. */
export interface PolicyImage {
  reference: string;
  /** `sha256:<hex>`. */
  digest: string;
}

/** One accepted signature, described for the decision (every field optional). */
export interface VerifiedSignatureSummary {
  /** Key authorities: the key id (hex SHA-256 of the SPKI). */
  keyId?: string;
  /** Keyless authorities: the certificate's OIDC issuer and the subject that matched. */
  issuer?: string;
  subject?: string;
}

export interface VerifiedAttestationSummary extends VerifiedSignatureSummary {
  predicateType: string;
}

/**
 * What the policy needs from image verification, per authority. Both methods verify
 * fully (signature, certificate chain and SCT, transparency log or timestamp, the
 * image's digest in the signed payload or in-toto subject) with the trust sigstack was
 * given, and return only what this authority accepts: for a KeyAuthority what verifies
 * with `publicKeyPem` (and `hashAlgorithm`); for a KeylessAuthority what has a Fulcio
 * certificate matching ANY of `identities` (see `keylessIdentityMatches`). Signatures are
 * looked up where `authority.source` says when it is set (cosign's COSIGN_REPOSITORY),
 * else next to the image.
 */
export interface AuthorityVerifier {
  /** Signatures on the image this authority accepts; [] when none. Throws only for operational errors (registry down). */
  signatures(image: PolicyImage, authority: KeyAuthority | KeylessAuthority): Promise<VerifiedSignatureSummary[]>;
  /** Attestations on the image with this predicate type URI that this authority accepts; [] when none. */
  attestations(image: PolicyImage, authority: KeyAuthority | KeylessAuthority, predicateTypeUri: string): Promise<VerifiedAttestationSummary[]>;
}

/** What to do with an image that no policy matches. */
export type NoMatchingPolicyAction = 'deny' | 'allow' | 'warn';

/** policy-controller's default `no-match-policy`: an image no policy covers is not admitted. */
export const DEFAULT_NO_MATCHING_POLICY: NoMatchingPolicyAction = 'deny';

export interface EvaluatePolicyOptions {
  /** Default DEFAULT_NO_MATCHING_POLICY (`deny`). */
  noMatchingPolicy?: NoMatchingPolicyAction;
}

/** One rule that failed, named down to the attestation. */
export interface PolicyViolation {
  /** The image reference as given. */
  image: string;
  /** Absent only for "no matching policy". */
  policy?: string;
  authority?: string;
  /** Position of the authority in spec.authorities. */
  authorityIndex?: number;
  /** The attestation's name in the policy, for a missing attestation. */
  attestation?: string;
  /** The rule, e.g. `no signature by key sha256:1a2b…`, `attestation provenance (slsaprovenance) missing`, `static fail`. */
  rule: string;
  /** One line naming all of the above, for people. */
  message: string;
  /** The verifier's error, when the rule failed on one. */
  cause?: unknown;
}

/** How a matching policy was satisfied. */
export interface PolicyPass {
  policy: string;
  authority: string;
  authorityIndex: number;
  static: boolean;
  signatures: VerifiedSignatureSummary[];
  /** By attestation name. */
  attestations: Record<string, VerifiedAttestationSummary[]>;
}

export interface PolicyDecision {
  allowed: boolean;
  image: string;
  digest: string;
  /** The normalised name policies were matched against. */
  name: string;
  /** Names of the policies whose globs match the image, in file order. */
  matchedPolicies: string[];
  /** One per matching policy that passed. */
  passed: PolicyPass[];
  /** From enforcing policies (or no matching policy): any one denies the image. */
  denials: PolicyViolation[];
  /** From `mode: warn` policies (or no matching policy with `warn`): the image is admitted. */
  warnings: PolicyViolation[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The policies whose globs match the image, in the order given. */
export function matchingPolicies(image: PolicyImage, policies: readonly ClusterImagePolicy[]): ClusterImagePolicy[] {
  const parsed = toImageName(image.reference);
  const candidates = [parsed.name, image.reference, `${parsed.registry}/${parsed.repository}@${image.digest}`];
  return policies.filter((p) => p.globs.some((g) => {
    const re = compileImageGlob(g);
    return candidates.some((c) => re.test(c));
  }));
}

/** Evaluates every policy against one image. Never throws for a denial; see verifyImagePolicies. */
export async function evaluateImagePolicies(
  imageRef: string,
  digest: string,
  policies: readonly ClusterImagePolicy[],
  verifier: AuthorityVerifier,
  options: EvaluatePolicyOptions = {},
): Promise<PolicyDecision> {
  if (!DIGEST.test(digest)) throw new ClientError('REFERENCE_INVALID', `image ${printable(imageRef)}: digest "${printable(digest)}" is not sha256: and 64 lowercase hex digits`);
  const seen = new Set<string>();
  for (const p of policies) {
    if (seen.has(p.name)) throw new ClientError('POLICY_INVALID', `policy ${p.name} is given twice`);
    seen.add(p.name);
  }
  const image: PolicyImage = { reference: imageRef, digest };
  const name = toImageName(imageRef).name;
  const matched = matchingPolicies(image, policies);
  const decision: PolicyDecision = { allowed: false, image: imageRef, digest, name, matchedPolicies: matched.map((p) => p.name), passed: [], denials: [], warnings: [] };

  if (matched.length === 0) {
    const action = options.noMatchingPolicy ?? DEFAULT_NO_MATCHING_POLICY;
    const v: PolicyViolation = { image: imageRef, rule: 'no matching policy', message: `image ${imageRef}: no policy matches ${name}` };
    if (action === 'deny') decision.denials.push(v);
    if (action === 'warn') decision.warnings.push(v);
    decision.allowed = action !== 'deny';
    return decision;
  }

  for (const policy of matched) {
    const outcome = await evaluatePolicy(image, policy, verifier);
    if ('pass' in outcome) decision.passed.push(outcome.pass);
    else (policy.mode === 'warn' ? decision.warnings : decision.denials).push(...outcome.failures);
  }
  decision.allowed = decision.denials.length === 0;
  return decision;
}

/**
 * As evaluateImagePolicies, and a denial throws POLICY_DENIED whose message lists every
 * failed rule, one per line. Returns the decision (with its warnings) when allowed.
 */
export async function verifyImagePolicies(
  imageRef: string,
  digest: string,
  policies: readonly ClusterImagePolicy[],
  verifier: AuthorityVerifier,
  options: EvaluatePolicyOptions = {},
): Promise<PolicyDecision> {
  const decision = await evaluateImagePolicies(imageRef, digest, policies, verifier, options);
  if (!decision.allowed) {
    throw new ClientError('POLICY_DENIED', decision.denials.map((d) => d.message).join('\n'));
  }
  return decision;
}

type PolicyOutcome = { pass: PolicyPass } | { failures: PolicyViolation[] };

async function evaluatePolicy(image: PolicyImage, policy: ClusterImagePolicy, verifier: AuthorityVerifier): Promise<PolicyOutcome> {
  const failures: PolicyViolation[] = [];
  for (const authority of policy.authorities) {
    const violation = (rule: string, extra: Partial<PolicyViolation> = {}): PolicyViolation => ({
      image: image.reference,
      policy: policy.name,
      authority: authority.name,
      authorityIndex: authority.index,
      rule,
      message: `image ${image.reference}: policy ${policy.name}${policy.mode === 'warn' ? ' (mode: warn)' : ''}: authority ${authority.name} (spec.authorities[${authority.index}]): ${rule}`,
      ...extra,
    });
    const pass: PolicyPass = { policy: policy.name, authority: authority.name, authorityIndex: authority.index, static: false, signatures: [], attestations: {} };

    if (authority.kind === 'static') {
      if (authority.action === 'pass') return { pass: { ...pass, static: true } };
      failures.push(violation(authority.message ? `static fail: ${authority.message}` : 'static fail'));
      continue;
    }

    const signer = describeSigner(authority);
    if (authority.attestations.length === 0) {
      try {
        const sigs = await verifier.signatures(image, authority);
        if (sigs.length > 0) return { pass: { ...pass, signatures: sigs } };
        failures.push(violation(`no signature ${signer}`));
      } catch (cause) {
        failures.push(violation(`verification failed: ${errorMessage(cause)}`, { cause }));
      }
      continue;
    }

    // Every listed attestation must be there; all are checked so that a denial names each missing one.
    const missing: PolicyViolation[] = [];
    for (const att of authority.attestations) {
      const label = att.predicateType === att.predicateTypeUri ? att.predicateType : `${att.predicateType}, ${att.predicateTypeUri}`;
      try {
        const found = await verifier.attestations(image, authority, att.predicateTypeUri);
        if (found.length > 0) pass.attestations[att.name] = found;
        else missing.push(violation(`attestation ${att.name} (${label}) missing: none ${signer}`, { attestation: att.name }));
      } catch (cause) {
        missing.push(violation(`attestation ${att.name} (${label}): verification failed: ${errorMessage(cause)}`, { attestation: att.name, cause }));
      }
    }
    if (missing.length === 0) return { pass };
    failures.push(...missing);
  }
  return { failures };
}

/** `by key sha256:1a2b…` or `from identity issuer=… subject=…`, as denials name the signer. */
function describeSigner(authority: Exclude<PolicyAuthority, { kind: 'static' }>): string {
  if (authority.kind === 'key') return `by key sha256:${authority.keyId.slice(0, 16)}…`;
  const ids = authority.identities.map(describeKeylessIdentity);
  return `from identity ${ids.join(' or ')}`;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
