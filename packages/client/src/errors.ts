import { SigstackError } from '@sigstack/core';

/**
 * What went wrong in the client, as a closed set of codes. The CLI prints the message
 * (which names what failed) and exits non-zero; it never prints a stack trace for a
 * ClientError. Lower-level failures (sigstore-js errors, fetch errors, OpenSSL errors)
 * are wrapped into `cause`, never re-thrown raw.
 */
export type ClientErrorCode =
  // keys
  | 'KEY_INVALID' // a key file that is not a key we read
  | 'KEY_PASSWORD' // wrong password for an encrypted private key
  | 'KEY_UNSUPPORTED' // a key type or KDF/cipher we do not support
  // input
  | 'ARTIFACT_INVALID' // file unreadable, digest malformed
  | 'BUNDLE_INVALID' // not a Sigstore bundle we read (malformed, truncated, oversized)
  | 'POLICY_INVALID' // a policy file we cannot read
  | 'USAGE' // flags that do not go together
  // trust and services
  | 'TRUST_INVALID' // trusted root, signing config or TUF repository unusable
  | 'SERVICE_FAILED' // Fulcio, Rekor, the TSA or the OIDC provider answered an error
  | 'IDENTITY_TOKEN' // no identity token, or the token could not be obtained
  // registries
  | 'REGISTRY_FAILED' // the registry answered an error or something we cannot read
  | 'REFERENCE_INVALID' // an image reference we cannot parse
  | 'NOT_FOUND' // no signatures / attestations for the image
  // verification: each names the check that failed
  | 'VERIFY_SIGNATURE' // signature does not match the artifact or key
  | 'VERIFY_DIGEST' // artifact digest differs from the signed one
  | 'VERIFY_IDENTITY' // certificate identity or issuer not the one asked for
  | 'VERIFY_CERTIFICATE' // chain, validity (no timestamp in it), SCT
  | 'VERIFY_TLOG' // inclusion proof, SET or checkpoint invalid, or entry missing
  | 'VERIFY_TIMESTAMP' // RFC 3161 timestamp invalid
  | 'VERIFY_ATTESTATION' // predicate type or in-toto subject not as asked
  | 'POLICY_DENIED'; // an image policy denied admission

export class ClientError extends SigstackError<ClientErrorCode> {}
