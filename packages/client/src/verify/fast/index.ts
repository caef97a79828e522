// The fast verification path: see fast-verifier.ts (one bundle, in-process) and batch-verify.ts (many, on worker threads).
export { FastBundleVerifier } from './fast-verifier.js';
