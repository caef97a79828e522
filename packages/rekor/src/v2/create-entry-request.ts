import { RekorError } from '../errors.js';
import { resolveEntryLimits } from '../types/entry-limits.js';
import type { EntryLimits } from '../types/entry.types.js';
import { canonicalizeDsseV002 } from './dsse-v002.js';
import type { CanonicalV2Entry } from './entry.types.js';
import { canonicalizeHashedRekordV002 } from './hashedrekord-v002.js';
import { oneof, readMessage } from './protojson.js';

/**
 * dev.sigstore.rekor.v2.CreateEntryRequest: exactly one of hashedRekordRequestV002
 * or dsseRequestV002 (protobuf-JSON, camelCase or snake_case names). Validates,
 * verifies and returns the entry to log; RekorError naming the field otherwise.
 */
export async function canonicalizeCreateEntryRequest(body: unknown, limits: Partial<EntryLimits> = {}): Promise<CanonicalV2Entry> {
  const l = resolveEntryLimits(limits);
  const msg = readMessage(body, 'request', { hashedRekordRequestV002: 'hashed_rekord_request_v002', dsseRequestV002: 'dsse_request_v002' });
  const which = oneof(msg, 'request', ['hashedRekordRequestV002', 'dsseRequestV002']);
  switch (which) {
    case 'hashedRekordRequestV002':
      return canonicalizeHashedRekordV002(msg.hashedRekordRequestV002, 'hashedRekordRequestV002', l);
    case 'dsseRequestV002':
      return canonicalizeDsseV002(msg.dsseRequestV002, 'dsseRequestV002', l);
    default:
      throw new RekorError('UNSUPPORTED_KIND', 'request: one of hashedRekordRequestV002 or dsseRequestV002 is required');
  }
}
