// Minimal Rekor v1 REST calls for assertions the real clients cannot make
// (protocols.md §6.1). Every call fails loudly with the status and body.

export interface InclusionProof {
  checkpoint: string;
  hashes: string[];
  logIndex: number;
  rootHash: string;
  treeSize: number;
}

export interface LogEntry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: { inclusionProof: InclusionProof; signedEntryTimestamp: string };
}

export interface LogInfo {
  rootHash: string;
  treeSize: number;
  signedTreeHead: string;
  treeID: string;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function getLogInfo(url: string): Promise<LogInfo> {
  return json<LogInfo>(await fetch(`${url}/api/v1/log`), 'GET /api/v1/log');
}

/** GET /api/v1/log/entries/{uuid}: the single [entryID, entry] pair. */
export async function getEntry(url: string, uuid: string): Promise<[string, LogEntry]> {
  const map = await json<Record<string, LogEntry>>(await fetch(`${url}/api/v1/log/entries/${uuid}`), `GET entry ${uuid}`);
  const pairs = Object.entries(map);
  if (pairs.length !== 1) throw new Error(`GET entry ${uuid}: expected one entry, got ${pairs.length}`);
  return pairs[0]!;
}

export async function getConsistencyProof(url: string, firstSize: number, lastSize: number, treeID?: string): Promise<{ rootHash: string; hashes: string[] }> {
  const q = new URLSearchParams({ firstSize: String(firstSize), lastSize: String(lastSize), ...(treeID ? { treeID } : {}) });
  return json(await fetch(`${url}/api/v1/log/proof?${q}`), `GET /api/v1/log/proof?${q}`);
}

export interface PostResult {
  status: number;
  headers: Headers;
  body: string;
}

/** POST /api/v1/log/entries without interpreting the answer (the crash test counts statuses). */
export async function postEntry(url: string, proposed: unknown, signal?: AbortSignal): Promise<PostResult> {
  const res = await fetch(`${url}/api/v1/log/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(proposed),
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
