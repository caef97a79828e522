import t from 'tap';
import * as merkle from '../src/index.js';

// Pins the public surface of @sigstack/merkle: an addition or removal must be deliberate.
t.test('public runtime exports', async (t) => {
  t.same(Object.keys(merkle).sort(), [
    'DEFAULT_MAX_BATCH_SIZE',
    'DEFAULT_MAX_BATCH_WAIT_MS',
    'DEFAULT_MAX_ENTRY_SIZE',
    'DEFAULT_MAX_PENDING',
    'DEFAULT_RANGE_CACHE_SIZE',
    'DEFAULT_TILE_CACHE_SIZE',
    'EMPTY_ROOT',
    'FULL_TILE_BYTES',
    'HASH_SIZE',
    'HashTile',
    'LOG_ERROR_STATUS',
    'Log',
    'LogError',
    'MAX_BUNDLE_ENTRY_SIZE',
    'MAX_IDENTITY_SIZE',
    'MAX_NOTE_BYTES',
    'MAX_NOTE_SIGNATURES',
    'MAX_ORIGIN_LENGTH',
    'MAX_PROOF_LENGTH',
    'MAX_TILE_LEVEL',
    'MemoryStore',
    'NOTE_SIG_TYPE_COSIGNATURE_V1',
    'NOTE_SIG_TYPE_ECDSA',
    'NOTE_SIG_TYPE_ED25519',
    'ProofBuilder',
    'STORE_VERSION',
    'SqliteStore',
    'TILE_HEIGHT',
    'TILE_WIDTH',
    'cosignatureTimestamp',
    'cosignatureV1KeyId',
    'createCosignatureV1Signer',
    'createCosignatureV1Verifier',
    'createEcdsaNoteSigner',
    'createEcdsaNoteVerifier',
    'createEd25519NoteSigner',
    'createEd25519NoteVerifier',
    'createLog',
    'decodeEntryBundle',
    'ed25519KeyId',
    'encodeEntryBundle',
    'encodeTileIndex',
    'entriesPath',
    'formatCheckpointBody',
    'formatNote',
    'fsck',
    'isLogBusy',
    'isValidKeyName',
    'leafHash',
    'logErrorReply',
    'nodeHash',
    'openLog',
    'parseCheckpointBody',
    'parseNote',
    'parseTilePath',
    'parseVerifierKey',
    'rootFromInclusion',
    'signCheckpoint',
    'signNote',
    'tilePath',
    'verifyCheckpoint',
    'verifyConsistency',
    'verifyInclusion',
    'verifyNote',
  ]);
});

t.test('LogError is a SigstackError with a code', async (t) => {
  const { isSigstackError } = await import('@sigstack/core');
  const e = new merkle.LogError('PUSHBACK', 'full');
  t.ok(isSigstackError(e));
  t.equal(e.code, 'PUSHBACK');
  t.equal(e.name, 'LogError');
});

t.test('logErrorReply: the one table from engine codes to HTTP (issue 10)', async (t) => {
  t.same(merkle.logErrorReply(new merkle.LogError('PUSHBACK', 'full')), { status: 503, message: 'full', retry: true });
  t.same(merkle.logErrorReply(new merkle.LogError('SHUTTING_DOWN', 'closing')), { status: 503, message: 'closing', retry: true });
  t.same(merkle.logErrorReply(new merkle.LogError('ENTRY_TOO_LARGE', 'big')), { status: 413, message: 'big', retry: false });
  t.equal(merkle.logErrorReply(new merkle.LogError('STORE_FAILED', 'disk')), undefined, 'internal codes are not for the client');
  t.equal(merkle.logErrorReply(Object.assign(new Error('x'), { code: 'PUSHBACK' })), undefined, 'a code string alone is not an engine error');
  t.ok(merkle.isLogBusy(new merkle.LogError('PUSHBACK', 'full')));
  t.notOk(merkle.isLogBusy(new merkle.LogError('INVALID_ENTRY', 'bad')));
});
