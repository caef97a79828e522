import { ExplorerError, fromBase64 } from '../bytes.js';
import type { LogKey } from './log-keys.js';

/** What the page takes from a Sigstore trusted_root.json (protobuf-specs TrustedRoot, JSON form). */
export interface TrustedLogs {
  tlogs: LogKey[];
  ctlogs: LogKey[];
}

const KEY_DETAILS: Record<string, LogKey['algorithm']> = {
  PKIX_ECDSA_P256_SHA_256: 'ecdsa-p256-sha256',
  PKIX_ED25519: 'ed25519',
};

/** Parses the log keys of a trusted root; keys of algorithms the page cannot check are left out (and said so by the caller). */
export function parseTrustedRoot(json: unknown): TrustedLogs {
  if (typeof json !== 'object' || json === null) throw new ExplorerError('BAD_TRUSTED_ROOT', 'trusted_root.json is not an object');
  const root = json as Record<string, unknown>;
  const logs = (field: 'tlogs' | 'ctlogs', kind: LogKey['kind']): LogKey[] => {
    const list = root[field] ?? [];
    if (!Array.isArray(list)) throw new ExplorerError('BAD_TRUSTED_ROOT', `${field} is not a list`);
    const out: LogKey[] = [];
    for (const item of list) {
      const l = item as { baseUrl?: unknown; publicKey?: { rawBytes?: unknown; keyDetails?: unknown }; logId?: { keyId?: unknown } };
      if (typeof l?.baseUrl !== 'string' || typeof l.publicKey?.rawBytes !== 'string' || typeof l.logId?.keyId !== 'string')
        throw new ExplorerError('BAD_TRUSTED_ROOT', `an entry of ${field} lacks baseUrl, publicKey.rawBytes or logId.keyId`);
      const algorithm = KEY_DETAILS[String(l.publicKey.keyDetails)];
      if (!algorithm) continue;
      out.push({ kind, baseUrl: l.baseUrl, algorithm, spki: fromBase64(l.publicKey.rawBytes, `${field} publicKey`), logId: fromBase64(l.logId.keyId, `${field} logId`) });
    }
    return out;
  };
  return { tlogs: logs('tlogs', 'tlog'), ctlogs: logs('ctlogs', 'ctlog') };
}
