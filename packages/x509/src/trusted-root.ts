import type { DistinguishedName } from './distinguished-name.js';

/**
 * A `CertificateAuthority` message of trusted_root.json (protocols.md §9.1, §9.2): the
 * shape of both a `certificateAuthorities[]` entry (Fulcio) and a
 * `timestampAuthorities[]` entry (TSA).
 */
export interface TrustedRootAuthority {
  subject: { organization?: string; commonName?: string };
  uri: string;
  certChain: { certificates: { rawBytes: string }[] };
  validFor: { start: string; end?: string };
}

/**
 * Builds a trusted_root.json authority entry. `chainDer` is written in the order given
 * (each caller knows which order its clients expect); `subject` keeps only the fields
 * that are set, since protojson omits empty ones; `startMs` becomes an RFC 3339 UTC
 * time with whole seconds, as protojson writes a Timestamp.
 */
export function trustedRootAuthority(o: { chainDer: readonly Buffer[]; uri: string; subject: DistinguishedName; startMs: number }): TrustedRootAuthority {
  const subject: TrustedRootAuthority['subject'] = {};
  if (o.subject.organization !== undefined) subject.organization = o.subject.organization;
  if (o.subject.commonName !== undefined) subject.commonName = o.subject.commonName;
  return {
    subject,
    uri: o.uri,
    certChain: { certificates: o.chainDer.map((c) => ({ rawBytes: c.toString('base64') })) },
    validFor: { start: new Date(Math.floor(o.startMs / 1000) * 1000).toISOString().replace('.000Z', 'Z') },
  };
}
