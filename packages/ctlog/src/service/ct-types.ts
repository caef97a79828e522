/** The RFC 6962 §4 JSON bodies (protocols.md §5.1), as served. Binary fields are standard base64. */

/** add-chain / add-pre-chain response (RFC 6962 §4.1; ct-go AddChainResponse). */
export interface AddChainResponse {
  sct_version: number;
  id: string;
  timestamp: number;
  extensions: string;
  signature: string;
}

/** get-sth (RFC 6962 §4.3). */
export interface SthResponse {
  tree_size: number;
  timestamp: number;
  sha256_root_hash: string;
  tree_head_signature: string;
}

/** get-sth-consistency (RFC 6962 §4.4). */
export interface ConsistencyResponse {
  consistency: string[];
}

/** get-proof-by-hash (RFC 6962 §4.5). */
export interface ProofByHashResponse {
  leaf_index: number;
  audit_path: string[];
}

/** get-entries (RFC 6962 §4.6). */
export interface EntriesResponse {
  entries: { leaf_input: string; extra_data: string }[];
}

/** get-roots (RFC 6962 §4.7). */
export interface RootsResponse {
  certificates: string[];
}
