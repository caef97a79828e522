import { ExplorerError, fromBase64, fromUtf8 } from '../bytes.js';

/** A Rekor v1 LogEntry as the API returns it (one value of the `{uuid: entry}` map). */
export interface RekorEntry {
  uuid: string;
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification?: {
    signedEntryTimestamp?: string;
    inclusionProof?: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string };
  };
}

/** What the entry page shows of the canonical body. */
export interface DecodedBody {
  kind: string;
  apiVersion: string;
  /** `sha256:…` of the artifact (hashedrekord) or of the DSSE payload (dsse, intoto). */
  artifactHash?: string;
  /** PEM of the signing certificate or public key, when the body carries one. */
  verifierPem?: string;
  /** The DSSE envelope's payload type, when the body records it. */
  payloadType?: string;
}

/** A body larger than this is not decoded (Rekor's own entry limit is far lower). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Checks the shape of one LogEntry from the server (types at the trust boundary). */
export function toRekorEntries(json: unknown): RekorEntry[] {
  const maps = Array.isArray(json) ? json : [json];
  const out: RekorEntry[] = [];
  for (const m of maps) {
    if (typeof m !== 'object' || m === null) throw new ExplorerError('BAD_ENTRY', 'a log entry is not an object');
    for (const [uuid, e] of Object.entries(m as Record<string, unknown>)) {
      const v = e as Partial<RekorEntry>;
      if (!/^[0-9a-f]{64}(?:[0-9a-f]{16})?$/.test(uuid.length === 80 ? uuid : uuid) || typeof v?.body !== 'string' || !Number.isSafeInteger(v.logIndex) || !Number.isSafeInteger(v.integratedTime) || typeof v.logID !== 'string')
        throw new ExplorerError('BAD_ENTRY', 'a log entry lacks its UUID, body, logIndex, integratedTime or logID');
      out.push({ ...(v as RekorEntry), uuid });
    }
  }
  return out;
}

function pemOf(b64: unknown): string | undefined {
  if (typeof b64 !== 'string') return undefined;
  try {
    return fromUtf8(fromBase64(b64, 'verifier'));
  } catch {
    return undefined;
  }
}

/** Decodes the canonical body of a hashedrekord, dsse or intoto entry (others: kind and version only). */
export function decodeBody(bodyB64: string): DecodedBody {
  if (bodyB64.length > (MAX_BODY_BYTES * 4) / 3 + 4) throw new ExplorerError('TOO_LARGE', 'the entry body is too large to decode');
  let json: { kind?: unknown; apiVersion?: unknown; spec?: Record<string, any> };
  try {
    json = JSON.parse(fromUtf8(fromBase64(bodyB64, 'entry body'), 'entry body'));
  } catch (e) {
    if (e instanceof ExplorerError) throw e;
    throw new ExplorerError('BAD_ENTRY', 'the entry body is not JSON');
  }
  if (typeof json?.kind !== 'string' || typeof json.apiVersion !== 'string') throw new ExplorerError('BAD_ENTRY', 'the entry body has no kind or apiVersion');
  const out: DecodedBody = { kind: json.kind, apiVersion: json.apiVersion };
  const spec = json.spec ?? {};
  const hashOf = (h: any) => (typeof h?.algorithm === 'string' && typeof h?.value === 'string' ? `${h.algorithm}:${h.value}` : undefined);
  if (json.kind === 'hashedrekord') {
    const h = hashOf(spec.data?.hash);
    if (h) out.artifactHash = h;
    const pem = pemOf(spec.signature?.publicKey?.content);
    if (pem) out.verifierPem = pem;
  } else if (json.kind === 'dsse') {
    const h = hashOf(spec.payloadHash);
    if (h) out.artifactHash = h;
    const pem = pemOf(spec.signatures?.[0]?.verifier);
    if (pem) out.verifierPem = pem;
  } else if (json.kind === 'intoto') {
    const h = hashOf(spec.content?.payloadHash);
    if (h) out.artifactHash = h;
    const pem = pemOf(spec.content?.envelope?.signatures?.[0]?.publicKey);
    if (pem) out.verifierPem = pem;
    if (typeof spec.content?.envelope?.payloadType === 'string') out.payloadType = spec.content.envelope.payloadType;
  }
  return out;
}

/** Rekor v1's signed entry timestamp message: canonical JSON of {body, integratedTime, logID, logIndex} (keys sorted, no spaces). */
export function setPayload(e: RekorEntry): string {
  return JSON.stringify({ body: e.body, integratedTime: e.integratedTime, logID: e.logID, logIndex: e.logIndex });
}
