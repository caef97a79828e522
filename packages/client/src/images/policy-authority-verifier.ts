import { createPublicKey } from 'node:crypto';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { ClientError } from '../errors.js';
import { verifyImage, verifyImageAttestations } from '../oci/image-verification.js';
import type { RegistryClient } from '../oci/registry-client.js';
import type { AuthorityVerifier, PolicyImage, VerifiedAttestationSummary, VerifiedSignatureSummary } from '../policy/evaluate-policy.js';
import type { KeyAuthority, KeylessAuthority } from '../policy/cluster-image-policy.js';
import { keylessIdentityMatches } from '../policy/keyless-identity.js';
import { BundleVerifier } from '../verify/bundle-verifier.js';
import { imageBundleVerifier } from './image-verifier-bridge.js';

/**
 * Image verification per policy authority, for the deploy gate: every signature or
 * attestation is verified in full with the gate's trusted root (chain, SCT, log or
 * timestamp, the image digest in the signed payload), then kept only if this authority
 * accepts it: a key authority's key signed it, or a keyless authority's identity (any
 * one of them) matches the certificate. "No acceptable signature" is an empty answer;
 * a registry that cannot be read is an error (the gate must not admit on it).
 */
export function policyAuthorityVerifier(trustedRoot: TrustedRoot, registry?: RegistryClient): AuthorityVerifier {
  const verifierFor = (authority: KeyAuthority | KeylessAuthority): BundleVerifier => {
    if (authority.source) throw new ClientError('POLICY_INVALID', `authority ${authority.name}: signatures in another repository (source) are not supported yet`);
    if (authority.kind === 'key') return new BundleVerifier({ trustedRoot, key: createPublicKey(authority.publicKeyPem) });
    // Any identity verifies here; the authority's identities are matched below, so that
    // one verification serves all of them.
    return new BundleVerifier({ trustedRoot, identity: { subjectRegExp: '', issuerRegExp: '' } });
  };
  const accepts = (authority: KeyAuthority | KeylessAuthority, identity: { subjectAlternativeName?: string; issuer?: string } | undefined): boolean => {
    if (authority.kind === 'key') return true;
    if (!identity?.issuer || !identity.subjectAlternativeName) return false;
    const cert = { issuer: identity.issuer, subjects: [identity.subjectAlternativeName] };
    return authority.identities.some((id) => keylessIdentityMatches(id, cert));
  };
  const summary = (authority: KeyAuthority | KeylessAuthority, identity?: { subjectAlternativeName?: string; issuer?: string }): VerifiedSignatureSummary =>
    authority.kind === 'key'
      ? { keyId: authority.keyId }
      : { ...(identity?.issuer ? { issuer: identity.issuer } : {}), ...(identity?.subjectAlternativeName ? { subject: identity.subjectAlternativeName } : {}) };
  const layoutOf = (authority: KeyAuthority | KeylessAuthority) =>
    authority.signatureFormat === 'legacy' ? ('cosign2' as const) : authority.signatureFormat === 'bundle' ? ('cosign3' as const) : ('both' as const);
  const ref = (image: PolicyImage) => {
    const at = image.reference.indexOf('@');
    const base = at >= 0 ? image.reference.slice(0, at) : image.reference.replace(/:[^/:]+$/, '');
    return `${base}@${image.digest}`;
  };

  return {
    async signatures(image, authority) {
      try {
        const r = await verifyImage(ref(image), { verifier: imageBundleVerifier(verifierFor(authority)), layout: layoutOf(authority), ...(registry ? { registry } : {}) });
        return r.verified.filter((v) => accepts(authority, v.identity)).map((v) => summary(authority, v.identity));
      } catch (e) {
        if (isNoAcceptableSignature(e)) return [];
        throw e;
      }
    },
    async attestations(image, authority, predicateTypeUri) {
      try {
        const r = await verifyImageAttestations(ref(image), { verifier: imageBundleVerifier(verifierFor(authority)), layout: layoutOf(authority), predicateType: predicateTypeUri, ...(registry ? { registry } : {}) });
        return r.verified.filter((v) => accepts(authority, v.identity)).map((v): VerifiedAttestationSummary => ({ ...summary(authority, v.identity), predicateType: v.predicateType }));
      } catch (e) {
        if (isNoAcceptableSignature(e)) return [];
        throw e;
      }
    },
  };
}

function isNoAcceptableSignature(e: unknown): boolean {
  return e instanceof ClientError && (e.code === 'NOT_FOUND' || e.code.startsWith('VERIFY_'));
}
