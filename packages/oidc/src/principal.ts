/**
 * The contract between authentication (@sigstack/oidc: OIDC token → principal) and
 * issuance (@sigstack/fulcio: principal + public key → certificate). The CA never
 * looks at a token; the identity side never builds a certificate. The CA depends on
 * these types; this package knows nothing of the CA.
 */

/** The one SubjectAltName of a Fulcio leaf (protocols.md §4.6). */
export type SubjectAltName =
  | { type: 'email'; value: string } // rfc822Name
  | { type: 'uri'; value: string } // uniformResourceIdentifier
  | { type: 'otherName'; value: string }; // otherName, type-id 1.3.6.1.4.1.57264.1.7, UTF8String (username issuers)

/**
 * One Sigstore certificate extension (protocols.md §4.7), by OID under
 * 1.3.6.1.4.1.57264.1. `raw` = the UTF-8 bytes directly in extnValue (1.1–1.6);
 * `utf8` = a DER UTF8String in extnValue (1.8–1.24). Empty values are never emitted.
 */
export interface CertificateExtensionValue {
  oid: string;
  encoding: 'raw' | 'utf8';
  value: string;
}

/** An authenticated caller, ready for issuance. */
export interface Principal {
  /**
   * The exact string the caller must have signed as proof of possession
   * (protocols.md §3.4): the email for email issuers, otherwise `sub` (or the
   * issuer's configured ChallengeClaim).
   */
  challenge: string;
  /** The certificate's only SAN. */
  san: SubjectAltName;
  /**
   * Every Sigstore extension to embed, in emission order: 1.1 (raw issuer) first,
   * then 1.2–1.6 (raw), 1.8 (issuer), 1.9–1.24, non-empty values only.
   */
  extensions: CertificateExtensionValue[];
  /** For logs and metrics only. */
  issuer: string;
  subject: string;
}

/** Turns a bearer token into a principal, or throws OidcError (TOKEN_INVALID, ...). */
export interface IdentityVerifier {
  verify(token: string): Promise<Principal>;
}
