// The fast verification path: fast-verifier.ts (one bundle, in-process) and batch-verify.ts (many, on worker threads).
export { FastBundleVerifier } from './fast-verifier.js';
export { VerifierPool, verifyBundles, DEFAULT_CHUNK_SIZE } from './batch-verify.js';
export type { BatchItem, BatchResult, BatchOptions } from './batch-verify.js';
