// The engine's own proof verifiers, from the built package (the root workspace does
// not depend on @sigstack/merkle, and `pnpm test` builds before it runs the tests).
export { leafHash, verifyInclusion, verifyConsistency, verifyCheckpoint, createEd25519NoteVerifier } from '../../packages/merkle/dist/index.js';
// Signed notes and C2SP verifier keys: witness cosignatures on checkpoints, a forged fork.
export { parseNote, signNote, verifyNote, parseVerifierKey, createEd25519NoteSigner } from '../../packages/merkle/dist/index.js';
