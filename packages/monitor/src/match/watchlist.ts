import type { MonitoredValues } from '../config/monitor-config.js';
import type { EntryIdentity } from './entry-identities.js';

/** Which monitored value matched, and what in the entry matched it (the alert's body). */
export interface IdentityMatch {
  /** The configured value, as written: `certSubject` (+ `issuers`), `subject` or `fingerprint`. */
  monitored: { certSubject?: string; issuers?: string[]; subject?: string; fingerprint?: string; objectIdentifier?: string; extensionValues?: string[] };
  /** The entry's identity that matched. */
  found: { kind: EntryIdentity['kind']; subject?: string; issuer?: string; fingerprint?: string; objectIdentifier?: string; extensionValue?: string };
}

/**
 * Matches an entry's identities against the watch list, as rekor-monitor does:
 * certIdentities match a certificate SAN against `certSubject` and, when `issuers` is
 * given, the certificate's OIDC issuer against one of them; `subjects` match any SAN;
 * `fingerprints` match a certificate's or key's SHA-256 exactly; `oidMatchers` match a
 * certificate extension equal to one of the listed values.
 */
export function matchIdentities(values: MonitoredValues, ids: readonly EntryIdentity[]): IdentityMatch[] {
  const out: IdentityMatch[] = [];
  for (const id of ids) {
    for (const c of values.certIdentities) {
      if (id.kind === 'publicKey') continue;
      const issuerOk = c.issuers.length === 0 || (id.issuer !== undefined && c.issuers.some((r) => r.test(id.issuer!)));
      if (!issuerOk) continue;
      const san = id.sans.find((s) => c.certSubject.test(s));
      if (san === undefined) continue;
      out.push({
        monitored: { certSubject: patternOf(c.certSubject), ...(c.issuers.length ? { issuers: c.issuers.map(patternOf) } : {}) },
        found: { kind: id.kind, subject: san, ...(id.issuer !== undefined ? { issuer: id.issuer } : {}) },
      });
    }
    for (const s of values.subjects) {
      const san = id.sans.find((x) => s.test(x));
      if (san !== undefined) out.push({ monitored: { subject: patternOf(s) }, found: { kind: id.kind, subject: san, ...(id.issuer !== undefined ? { issuer: id.issuer } : {}) } });
    }
    for (const f of values.fingerprints) {
      if (id.fingerprints.includes(f)) out.push({ monitored: { fingerprint: f }, found: { kind: id.kind, fingerprint: f, ...(id.sans[0] !== undefined ? { subject: id.sans[0] } : {}) } });
    }
    for (const m of values.oidExtensions) {
      const v = id.extensions?.[m.objectIdentifier];
      if (v === undefined || !m.extensionValues.includes(v)) continue;
      out.push({
        monitored: { objectIdentifier: m.objectIdentifier, extensionValues: m.extensionValues },
        found: { kind: id.kind, objectIdentifier: m.objectIdentifier, extensionValue: v, ...(id.sans[0] !== undefined ? { subject: id.sans[0] } : {}) },
      });
    }
  }
  return out;
}

/** The pattern as the config wrote it: RegExp.source escapes every "/" as "\/". */
function patternOf(r: RegExp): string {
  return r.source.replace(/\\\//g, '/');
}
