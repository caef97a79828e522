// The public surface of @sigstack/witness. Everything else is internal.

// The witness (C2SP tlog-witness add-checkpoint, cosignature/v1)
export { Witness } from './witness/witness.js';
export type { WitnessedLog, WitnessOptions } from './witness/witness.js';
export { openWitness } from './witness/open-witness.js';
export type { OpenWitnessOptions, WitnessInstance } from './witness/open-witness.js';
export { openWitnessIdentity, WITNESS_KEY_FILE, WITNESS_IDENTITY_FILE, WITNESS_STATE_FILE } from './witness/witness-identity.js';
export type { WitnessIdentity } from './witness/witness-identity.js';
export { WitnessState, MAX_FORK_RECORDS } from './witness/witness-state.js';
export type { WitnessedCheckpoint } from './witness/witness-state.js';
export { witnessRoutes, DEFAULT_WITNESS_BODY_LIMIT, TLOG_SIZE_CONTENT_TYPE } from './witness/witness-routes.js';
export type { WitnessRoutesOptions } from './witness/witness-routes.js';
export { buildWitnessApp } from './witness/witness-app.js';
export type { WitnessAppOptions } from './witness/witness-app.js';
export { parseAddCheckpointRequest, formatAddCheckpointRequest, MAX_PROOF_LINES } from './witness/add-checkpoint-request.js';
export type { AddCheckpointRequest } from './witness/add-checkpoint-request.js';
export { parseWitnessedLogSpec } from './witness/witnessed-log-spec.js';

// The log side: collecting cosignatures
export {
  createCheckpointCosigner,
  DEFAULT_WITNESS_TIMEOUT_MS,
  DEFAULT_WITNESS_POLL_MS,
  DEFAULT_WITNESS_RETRY_MS,
  MAX_WITNESS_RETRY_MS,
} from './cosigner/checkpoint-cosigner.js';
export type { CheckpointCosigner, CheckpointCosignerOptions, WitnessEndpoint, WitnessStatus, CosignerLogger } from './cosigner/checkpoint-cosigner.js';
export { MAX_WITNESS_RESPONSE_BYTES } from './cosigner/add-checkpoint-client.js';

// Errors
export { WitnessError, WITNESS_STATUS } from './errors.js';
export type { WitnessErrorCode } from './errors.js';
