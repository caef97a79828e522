import t from 'tap';
import * as witness from '../src/index.js';

// Pins the public surface of @sigstack/witness: an addition or removal must be deliberate.
t.test('public runtime exports', async (t) => {
  t.same(Object.keys(witness).sort(), [
    'DEFAULT_WITNESS_BODY_LIMIT',
    'DEFAULT_WITNESS_POLL_MS',
    'DEFAULT_WITNESS_RETRY_MS',
    'DEFAULT_WITNESS_TIMEOUT_MS',
    'MAX_FORK_RECORDS',
    'MAX_PROOF_LINES',
    'MAX_WITNESS_RESPONSE_BYTES',
    'MAX_WITNESS_RETRY_MS',
    'TLOG_SIZE_CONTENT_TYPE',
    'WITNESS_IDENTITY_FILE',
    'WITNESS_KEY_FILE',
    'WITNESS_STATE_FILE',
    'WITNESS_STATUS',
    'Witness',
    'WitnessError',
    'WitnessState',
    'buildWitnessApp',
    'createCheckpointCosigner',
    'formatAddCheckpointRequest',
    'openWitness',
    'openWitnessIdentity',
    'parseAddCheckpointRequest',
    'parseWitnessedLogSpec',
    'witnessRoutes',
  ]);
});

t.test('WitnessError is a SigstackError with a code; every code has a status', async (t) => {
  const { isSigstackError } = await import('@sigstack/core');
  const e = new witness.WitnessError('FORK', 'fork');
  t.ok(isSigstackError(e));
  t.equal(e.name, 'WitnessError');
  t.equal(witness.WITNESS_STATUS.OLD_SIZE_MISMATCH, 409);
  t.equal(witness.WITNESS_STATUS.FORK, 422);
  t.equal(witness.WITNESS_STATUS.UNKNOWN_LOG, 404);
  t.equal(witness.WITNESS_STATUS.BAD_SIGNATURE, 403);
});
