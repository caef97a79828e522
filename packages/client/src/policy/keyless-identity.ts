/**
 * One keyless identity of a policy authority, as policy-controller's `identities[]`: an
 * issuer (exact, or a regular expression) and a subject (exact, or a regular expression).
 * Exactly one of each pair is set (the parser guarantees it).
 */
export interface KeylessIdentity {
  issuer?: string;
  issuerRegExp?: string;
  subject?: string;
  subjectRegExp?: string;
}

/** What a Fulcio certificate says about its signer. */
export interface CertificateIdentity {
  /** The OIDC issuer extension (1.3.6.1.4.1.57264.1.8, or .1.1 in older certificates). */
  issuer: string;
  /** Every subject alternative name of the certificate (email, URI, ...). */
  subjects: readonly string[];
}

/**
 * Compiles a policy regular expression. policy-controller and cosign use Go's RE2 with
 * `MatchString`, which is a search, not an anchored match: a policy that wants an exact
 * match writes `^…$` itself, so we do not add anchors. A leading flag group such as
 * `(?i)` (RE2) becomes the JavaScript flag; any other syntax JavaScript does not accept
 * throws a plain Error that the parser reports under the field's name.
 */
export function compileIdentityRegExp(source: string): RegExp {
  if (source.length > 4096) throw new Error('longer than 4096 characters');
  const flagGroup = /^\(\?([ims]+)\)/.exec(source);
  const flags = flagGroup ? [...new Set(flagGroup[1])].join('') : '';
  const body = flagGroup ? source.slice(flagGroup[0].length) : source;
  try {
    return new RegExp(body, flags);
  } catch (cause) {
    throw new Error(`not a regular expression we can run: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Whether a certificate's identity satisfies this policy identity: the issuer equals (or
 * the issuer expression finds a match in) the certificate's issuer, and some subject
 * alternative name equals (or is matched by) the subject. This is cosign's
 * `--certificate-identity[-regexp]` / `--certificate-oidc-issuer[-regexp]` check, which
 * the image verifier applies for a keyless authority (accepting a signature when any
 * identity of the authority matches).
 */
export function keylessIdentityMatches(identity: KeylessIdentity, cert: CertificateIdentity): boolean {
  const issuerOk =
    identity.issuer !== undefined
      ? cert.issuer === identity.issuer
      : identity.issuerRegExp !== undefined && compileIdentityRegExp(identity.issuerRegExp).test(cert.issuer);
  if (!issuerOk) return false;
  if (identity.subject !== undefined) return cert.subjects.includes(identity.subject);
  if (identity.subjectRegExp === undefined) return false;
  const re = compileIdentityRegExp(identity.subjectRegExp);
  return cert.subjects.some((s) => re.test(s));
}

/** `issuer=… subject=…` with `~` for an expression, as denials print an identity. */
export function describeKeylessIdentity(identity: KeylessIdentity): string {
  const issuer = identity.issuer !== undefined ? `issuer=${identity.issuer}` : `issuer~/${identity.issuerRegExp ?? ''}/`;
  const subject = identity.subject !== undefined ? `subject=${identity.subject}` : `subject~/${identity.subjectRegExp ?? ''}/`;
  return `${issuer} ${subject}`;
}
