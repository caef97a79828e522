// The public surface of @sigstack/merkle. Everything else is internal.

// Hashing (RFC 6962 / RFC 9162)
export { leafHash, nodeHash, EMPTY_ROOT, HASH_SIZE } from './hash.js';

// Proofs
export { verifyInclusion, rootFromInclusion, MAX_PROOF_LENGTH } from './proof/inclusion-proof.js';
export { verifyConsistency } from './proof/consistency-proof.js';
export { ProofBuilder, DEFAULT_RANGE_CACHE_SIZE } from './proof/proof-builder.js';
export type { NodeSource } from './proof/proof-builder.js';

// Tiles (C2SP tlog-tiles)
export { HashTile, TILE_HEIGHT, TILE_WIDTH, FULL_TILE_BYTES } from './tiles/hash-tile.js';
export { tilePath, entriesPath, encodeTileIndex, parseTilePath, MAX_TILE_LEVEL } from './tiles/tile-path.js';
export type { TileCoordinates } from './tiles/tile-path.js';
export { encodeEntryBundle, decodeEntryBundle, MAX_BUNDLE_ENTRY_SIZE } from './tiles/entry-bundle.js';
export { DEFAULT_TILE_CACHE_SIZE } from './tiles/tile-cache.js';

// Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint)
export { parseNote, formatNote, signNote, verifyNote, isValidKeyName, MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES } from './note/signed-note.js';
export type { NoteSigner, NoteVerifier, Note, NoteSignature, VerifiedNote } from './note/signed-note.js';
export { formatCheckpointBody, parseCheckpointBody, signCheckpoint, verifyCheckpoint, MAX_ORIGIN_LENGTH } from './note/checkpoint.js';
export type { CheckpointBody } from './note/checkpoint.js';
export {
  createEcdsaNoteSigner,
  createEd25519NoteSigner,
  createEcdsaNoteVerifier,
  createEd25519NoteVerifier,
  parseVerifierKey,
  ed25519KeyId,
  NOTE_SIG_TYPE_ED25519,
  NOTE_SIG_TYPE_ECDSA,
} from './note/note-signer.js';
export {
  createCosignatureV1Signer,
  createCosignatureV1Verifier,
  cosignatureTimestamp,
  cosignatureV1KeyId,
  NOTE_SIG_TYPE_COSIGNATURE_V1,
} from './note/cosignature.js';

// Storage
export { SqliteStore } from './store/sqlite/sqlite-store.js';
export type { SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export { MemoryStore } from './store/memory-store.js';
export type { Fault, FaultPoint } from './store/memory-store.js';
export { STORE_VERSION } from './store/store.js';
export type {
  LogStore,
  LogMeta,
  StoredCheckpoint,
  StoredState,
  StoredEntry,
  IndexedEntry,
  BatchEntry,
  BatchCommit,
  StoreStats,
  StoredTile,
  TileWrite,
} from './store/store.js';

// The log
export { createLog, openLog } from './open-log.js';
export { Log } from './log.js';
export {
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_BATCH_WAIT_MS,
  DEFAULT_MAX_PENDING,
  DEFAULT_MAX_ENTRY_SIZE,
  MAX_IDENTITY_SIZE,
} from './options.js';
export type { Checkpoint, AddCandidate, AddResult, SequencedEntry, LogOptions, OpenLogOptions, LogStats } from './log.types.js';
export { fsck } from './fsck.js';
export type { FsckOptions, FsckReport } from './fsck.js';

// Errors
export { LogError } from './errors.js';
export { LOG_ERROR_STATUS, logErrorReply, isLogBusy } from './log-error-status.js';
export type { LogErrorReply } from './log-error-status.js';
export type { LogErrorCode } from './errors.js';
