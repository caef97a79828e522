// The public surface of @sigstack/pkcs11: keys on an HSM behind core's Signer interface.
export { HsmError } from './errors.js';
export type { HsmErrorCode } from './errors.js';
export { Pkcs11Signer, DEFAULT_SESSIONS, DEFAULT_RECONNECT_INTERVAL_MS } from './pkcs11-signer.js';
export type { Pkcs11SignerOptions } from './pkcs11-signer.js';
export { generateTokenKey } from './generate-key.js';
export type { GenerateTokenKeyOptions, GeneratedTokenKey } from './generate-key.js';
export { parsePkcs11Uri, isPkcs11Uri, redactPkcs11Uri, resolvePin, resolveModulePath, PIN_ENV, MODULE_ENV } from './pkcs11-uri.js';
export type { Pkcs11Uri } from './pkcs11-uri.js';
export { toDerEcdsaSignature } from './ecdsa-signature.js';
