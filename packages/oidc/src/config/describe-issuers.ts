import { challengeClaimOf, type FulcioConfig, type IssuerConfig, type IssuerType, type MetaIssuerConfig } from './fulcio-config.js';

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
  const common = (i: IssuerConfig | MetaIssuerConfig) => ({
    audience: i.clientId,
    challengeClaim: challengeClaimOf(i),
    spiffeTrustDomain: i.spiffeTrustDomain ?? '',
    issuerType: i.type,
    ...(i.subjectDomain ? { subjectDomain: i.subjectDomain } : {}),
  });
  return {
    issuers: [
      ...[...config.oidcIssuers.values()].map((i): IssuerDescription => ({ issuerUrl: i.issuerUrl, ...common(i) })),
      ...[...config.metaIssuers.values()].map((m): IssuerDescription => ({ wildcardIssuerUrl: m.pattern, ...common(m) })),
    ],
  };
}
