/**
 * The Rekor v1 `LogEntry` wire object (protocols.md §6.2). The response is a map
 * with exactly one key, the 80-hex entry ID.
 */
export interface InclusionProofJson {
  checkpoint: string;
  hashes: string[];
  logIndex: number;
  rootHash: string;
  treeSize: number;
}

export interface LogEntryJson {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    inclusionProof: InclusionProofJson;
    signedEntryTimestamp: string;
  };
}

export type LogEntryMap = Record<string, LogEntryJson>;

export interface LogInfoJson {
  rootHash: string;
  treeSize: number;
  signedTreeHead: string;
  treeID: string;
  inactiveShards: never[];
}

export interface ConsistencyProofJson {
  rootHash: string;
  hashes: string[];
}

/** POST /api/v1/log/entries/retrieve */
export interface SearchLogQuery {
  entryUUIDs?: string[] | null;
  logIndexes?: number[] | null;
  entries?: unknown[] | null;
}

/** POST /api/v1/index/retrieve */
export interface SearchIndexQuery {
  publicKey?: { format: string; content?: string; url?: string };
  hash?: string;
  email?: string;
  subject?: string;
  operator?: 'and' | 'or';
}
