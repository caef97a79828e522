import { challengeClaimOf, type FulcioConfig, type IssuerType } from './fulcio-config.js';

/**
 * One entry of `GET /api/v2/configuration` (protocols.md §4.4; fulcio.proto
 * OIDCIssuer in protojson camelCase). Exactly one of issuerUrl / wildcardIssuerUrl.
 */
export interface IssuerDescription {
  issuerUrl?: string;
  wildcardIssuerUrl?: string;
  audience: string;
  challengeClaim: string;
  spiffeTrustDomain: string;
  issuerType: IssuerType;
  subjectDomain?: string;
}

export interface ConfigurationResponse {
  issuers: IssuerDescription[];
}

/** The `GET /api/v2/configuration` body: exact issuers first, then meta-issuers, in config order. */
export function describeIssuers(config: FulcioConfig): ConfigurationResponse {
  const issuers: IssuerDescription[] = [];
  for (const iss of config.oidcIssuers.values()) {
    issuers.push({
      issuerUrl: iss.issuerUrl,
      audience: iss.clientId,
      challengeClaim: challengeClaimOf(iss),
      spiffeTrustDomain: iss.spiffeTrustDomain ?? '',
      issuerType: iss.type,
      ...(iss.subjectDomain ? { subjectDomain: iss.subjectDomain } : {}),
    });
  }
  for (const meta of config.metaIssuers.values()) {
    issuers.push({
      wildcardIssuerUrl: meta.pattern,
      audience: meta.clientId,
      challengeClaim: challengeClaimOf(meta),
      spiffeTrustDomain: meta.spiffeTrustDomain ?? '',
      issuerType: meta.type,
      ...(meta.subjectDomain ? { subjectDomain: meta.subjectDomain } : {}),
    });
  }
  return { issuers };
}
