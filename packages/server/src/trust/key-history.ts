import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '@sigstack/core';
import type { CertificateAuthorityJson, TransparencyLogInstance, TrustedRootJson } from './trusted-root.js';

/** The trusted_root.json lists a rotation adds entries to. */
export type HistoryKind = 'tlogs' | 'ctlogs' | 'certificateAuthorities' | 'timestampAuthorities';

export type HistoryEntries = {
  [K in HistoryKind]: K extends 'tlogs' | 'ctlogs' ? TransparencyLogInstance[] : CertificateAuthorityJson[];
};

/**
 * The trusted_root.json entries of keys that are not the services' current ones:
 * a rotation's next key, listed before it signs (no `validFor.end`), and every
 * retired key with the `validFor.end` set when it stopped, so that what it signed
 * keeps verifying. Kept in `<dataDir>/trust/key-history.json`; buildTrustMaterial
 * lists these beside the current keys.
 *
 * Each change is one atomic file write: a crash leaves the history before or after
 * the change, never half of it (stack/rotate-keys.ts orders the steps around that).
 */
export class KeyHistory {
  readonly #path: string;
  #entries: HistoryEntries;

  constructor(path: string) {
    this.#path = path;
    const empty: HistoryEntries = { tlogs: [], ctlogs: [], certificateAuthorities: [], timestampAuthorities: [] };
    this.#entries = existsSync(path) ? { ...empty, ...(JSON.parse(readFileSync(path, 'utf8')) as Partial<HistoryEntries>) } : empty;
  }

  get entries(): Readonly<HistoryEntries> {
    return this.#entries;
  }

  /**
   * Adds or replaces (same key: identityOf) entries and removes others, in one write.
   */
  update(kind: HistoryKind, o: { put?: (TransparencyLogInstance | CertificateAuthorityJson)[]; remove?: string[] }): void {
    const drop = new Set([...(o.remove ?? []), ...(o.put ?? []).map(identityOf)]);
    const kept = (this.#entries[kind] as (TransparencyLogInstance | CertificateAuthorityJson)[]).filter((e) => !drop.has(identityOf(e)));
    const next = { ...this.#entries, [kind]: [...kept, ...(o.put ?? [])] } as HistoryEntries;
    writeFileAtomic(this.#path, JSON.stringify(next, null, 2) + '\n');
    this.#entries = next;
  }
}

/** What names an entry's key: a log's ID, a CA's or TSA's first certificate (intermediate / leaf). */
export function identityOf(e: TransparencyLogInstance | CertificateAuthorityJson): string {
  return 'logId' in e ? `log:${e.logId.keyId}` : `cert:${e.certChain.certificates[0]?.rawBytes ?? ''}`;
}

/**
 * The current entries with the history's beside them, each list ordered by
 * `validFor.start` (the proto's guidance). A history entry for a key that is also
 * current is left out: the current one is what the services sign with.
 */
export function withHistory(current: Omit<TrustedRootJson, 'mediaType'>, history: Readonly<HistoryEntries> | undefined): Omit<TrustedRootJson, 'mediaType'> {
  if (!history) return current;
  const merge = <T extends TransparencyLogInstance | CertificateAuthorityJson>(cur: T[], past: T[]): T[] => {
    const have = new Set(cur.map(identityOf));
    return [...past.filter((e) => !have.has(identityOf(e))), ...cur].sort((a, b) => Date.parse(startOf(a)) - Date.parse(startOf(b)));
  };
  return {
    tlogs: merge(current.tlogs, history.tlogs),
    ctlogs: merge(current.ctlogs, history.ctlogs),
    certificateAuthorities: merge(current.certificateAuthorities, history.certificateAuthorities),
    timestampAuthorities: merge(current.timestampAuthorities, history.timestampAuthorities),
  };
}

function startOf(e: TransparencyLogInstance | CertificateAuthorityJson): string {
  return 'logId' in e ? e.publicKey.validFor.start : e.validFor.start;
}
