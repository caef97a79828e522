import { OID, sha256, type Signer } from '@sigstack/core';
import { leafHash, type Log } from '@sigstack/merkle';
import { CtLogError } from '../errors.js';
import { removeExtension } from './precert-tbs.js';
import type { ChainValidator } from './chain-validator.js';
import type { CtLeafExtra, CtStore } from '../store/ct-store.js';
import type { AddChainResponse, ConsistencyResponse, EntriesResponse, ProofByHashResponse, RootsResponse, SthResponse } from './ct-types.js';
import {
  decodeSct,
  encodeDigitallySigned,
  encodeMerkleTreeLeaf,
  encodeSct,
  encodeSignedEntry,
  encodeTimestampedEntry,
  encodeTreeHeadInput,
  ENTRY_TYPE,
  type EntryType,
} from './tls-structs.js';

/** Most entries one get-entries call returns (RFC 6962 §4.6 lets the log return fewer than asked). */
export const MAX_GET_ENTRIES = 256;

export interface CtLogServiceOptions {
  /** The merkle log holding MerkleTreeLeaf bytes as leaves. */
  log: Log;
  /** The side tables, written by the log's onSequenced hook. */
  store: CtStore;
  /** The log key (ECDSA P-256): signs SCTs and STHs here, checkpoints in the engine. */
  signer: Signer;
  validator: ChainValidator;
}

/**
 * The RFC 6962 personality over the merkle engine: validates submitted chains,
 * appends MerkleTreeLeafs, and signs SCTs and tree heads. Knows nothing about HTTP.
 * Structurally a `CtLogClient` of @sigstack/fulcio (addPreChain).
 */
export class CtLogService {
  /** SHA-256 of the log key's DER SPKI: the SCT `log_id` and the trusted root's `logId.keyId`. */
  readonly logId: Buffer;
  readonly publicKeyDer: Buffer;
  readonly #log: Log;
  readonly #store: CtStore;
  readonly #signer: Signer;
  readonly #validator: ChainValidator;
  #sth: { size: number; timestampMs: number; root: Buffer; json: SthResponse } | undefined;

  constructor(opts: CtLogServiceOptions) {
    this.#log = opts.log;
    this.#store = opts.store;
    this.#signer = opts.signer;
    this.#validator = opts.validator;
    this.publicKeyDer = opts.signer.publicKeyDer;
    this.logId = sha256(opts.signer.publicKeyDer);
  }

  /**
   * RFC 6962 §4.1 add-pre-chain: `[precertificate, issuer, ..., root]` (DER). Resolves,
   * once the entry is durable, to the TLS-encoded SignedCertificateTimestamp. The
   * signed TBS is the precertificate's with the poison extension removed, which is
   * what verifiers rebuild from the final certificate by removing the SCT list.
   */
  async addPreChain(chainDer: Buffer[]): Promise<Buffer> {
    const v = this.#validator.validate(chainDer, 'precert');
    const tbs = removeExtension(v.leafTbs, OID.ctPoison);
    const signedEntry = encodeSignedEntry(ENTRY_TYPE.precert, tbs, sha256(v.issuerSpki));
    return this.#add(ENTRY_TYPE.precert, signedEntry, { precert: v.leafDer, chain: v.chain });
  }

  /** RFC 6962 §4.1 add-chain: `[certificate, issuer, ..., root]` (DER); resolves to the TLS-encoded SCT. */
  async addChain(chainDer: Buffer[]): Promise<Buffer> {
    const v = this.#validator.validate(chainDer, 'x509');
    const signedEntry = encodeSignedEntry(ENTRY_TYPE.x509, v.leafDer);
    return this.#add(ENTRY_TYPE.x509, signedEntry, { chain: v.chain });
  }

  async #add(type: EntryType, signedEntry: Buffer, extra: CtLeafExtra): Promise<Buffer> {
    // Dedupe on the entry without its timestamp (what Trillian calls the identity
    // hash): a resubmission gets the original index and timestamp, so its new SCT
    // names the leaf that is in the tree.
    const typeBytes = Buffer.from([type >> 8, type & 0xff]);
    const identity = sha256(Buffer.concat([typeBytes, signedEntry]));
    const r = await this.#log.add({
      identity,
      leaf: (_index, timestampMs) => encodeMerkleTreeLeaf(timestampMs, type, signedEntry),
      extra,
    });
    // The SCT is derived data (timestamp + entry), so it is signed after the commit:
    // a crash here loses only an answer, and the retry is a duplicate with the same timestamp.
    const sig = await this.#sign(encodeTimestampedEntry(r.timestampMs, type, signedEntry));
    return encodeSct(this.logId, r.timestampMs, Buffer.alloc(0), encodeDigitallySigned(sig));
  }

  /** get-sth: the latest checkpoint as an RFC 6962 STH, signed once per tree head. */
  async getSth(): Promise<SthResponse> {
    const cp = this.#log.checkpoint();
    const c = this.#sth;
    if (c && c.size === cp.size && c.timestampMs === cp.timestampMs && c.root.equals(cp.rootHash)) return c.json;
    const sig = await this.#sign(encodeTreeHeadInput(cp.timestampMs, cp.size, cp.rootHash));
    const json: SthResponse = {
      tree_size: cp.size,
      timestamp: cp.timestampMs,
      sha256_root_hash: cp.rootHash.toString('base64'),
      tree_head_signature: encodeDigitallySigned(sig).toString('base64'),
    };
    this.#sth = { size: cp.size, timestampMs: cp.timestampMs, root: cp.rootHash, json };
    return json;
  }

  /** get-sth-consistency: 0 ≤ first ≤ second ≤ current size (first 0 or first = second: empty proof). */
  getSthConsistency(first: number, second: number): ConsistencyResponse {
    const size = this.#log.checkpoint().size;
    if (first > second) throw new CtLogError('INVALID_RANGE', `first (${first}) is greater than second (${second})`);
    if (second > size) throw new CtLogError('INVALID_RANGE', `second (${second}) is greater than the current tree size ${size}`);
    if (first === 0 || first === second) return { consistency: [] };
    return { consistency: this.#log.consistencyProof(first, second).map((h) => h.toString('base64')) };
  }

  /** get-proof-by-hash: the audit path of the leaf with this Merkle leaf hash in the tree of `treeSize`. */
  getProofByHash(hash: Buffer, treeSize: number): ProofByHashResponse {
    const size = this.#log.checkpoint().size;
    if (hash.length !== 32) throw new CtLogError('MALFORMED_REQUEST', `hash: a SHA-256 leaf hash is 32 bytes, got ${hash.length}`);
    if (treeSize < 1) throw new CtLogError('INVALID_RANGE', 'tree_size must be at least 1');
    if (treeSize > size) throw new CtLogError('INVALID_RANGE', `tree_size ${treeSize} is greater than the current tree size ${size}`);
    const index = this.#store.indexOf(hash);
    if (index === undefined || index >= treeSize) throw new CtLogError('NOT_FOUND', `no leaf with hash ${hash.toString('base64')} in the tree of size ${treeSize}`);
    return { leaf_index: index, audit_path: this.#log.inclusionProof(index, treeSize).map((h) => h.toString('base64')) };
  }

  /** get-entries: [start, end] inclusive, cut at the tree size and at MAX_GET_ENTRIES entries. */
  getEntries(start: number, end: number): EntriesResponse {
    const size = this.#log.checkpoint().size;
    if (start > end) throw new CtLogError('INVALID_RANGE', `start (${start}) is greater than end (${end})`);
    if (start >= size) throw new CtLogError('INVALID_RANGE', `start (${start}) is beyond the tree (size ${size})`);
    const last = Math.min(end, size - 1, start + MAX_GET_ENTRIES - 1);
    const entries: EntriesResponse['entries'] = [];
    for (let i = start; i <= last; i++) {
      const e = this.#log.entry(i);
      const x = this.#store.extra(i);
      if (!e || !x) throw new Error(`entry ${i} of the committed tree is missing from the store`);
      entries.push({ leaf_input: e.leaf.toString('base64'), extra_data: encodeExtraData(x).toString('base64') });
    }
    return { entries };
  }

  getRoots(): RootsResponse {
    return { certificates: this.#validator.roots.map((r) => r.toString('base64')) };
  }

  /** The latest tree size (for tests and metrics). */
  treeSize(): number {
    return this.#log.checkpoint().size;
  }

  // signSync where the backend has it (file keys): no thread-pool hop per SCT.
  async #sign(data: Buffer): Promise<Buffer> {
    return this.#signer.signSync ? this.#signer.signSync(data) : this.#signer.sign(data);
  }
}

/** The add-chain / add-pre-chain JSON (RFC 6962 §4.1) of a TLS-encoded SCT. */
export function toAddChainResponse(sct: Buffer): AddChainResponse {
  const s = decodeSct(sct);
  const ds = Buffer.alloc(4);
  ds[0] = s.hashAlgorithm;
  ds[1] = s.signatureAlgorithm;
  ds.writeUInt16BE(s.signature.length, 2);
  return {
    sct_version: s.version,
    id: s.logId.toString('base64'),
    timestamp: s.timestampMs,
    extensions: s.extensions.toString('base64'),
    signature: Buffer.concat([ds, s.signature]).toString('base64'),
  };
}

/**
 * extra_data (RFC 6962 §4.6): for a precert entry the whole PrecertChainEntry
 * { ASN.1Cert pre_certificate; ASN.1Cert precertificate_chain<0..2^24-1>; }, for an
 * x509 entry its certificate_chain<0..2^24-1>.
 */
export function encodeExtraData(x: CtLeafExtra): Buffer {
  const chain = Buffer.concat(x.chain.map((c) => Buffer.concat([u24(c.length), c])));
  const list = Buffer.concat([u24(chain.length), chain]);
  return x.precert ? Buffer.concat([u24(x.precert.length), x.precert, list]) : list;
}

function u24(n: number): Buffer {
  return Buffer.from([(n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
