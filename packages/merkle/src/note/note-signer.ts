import { createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { sha256, type Signer } from '@sigstack/core';
import { LogError } from '../errors.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './signed-note.js';
import { createCosignatureV1Verifier, NOTE_SIG_TYPE_COSIGNATURE_V1 } from './cosignature.js';

/** C2SP signed-note signature type bytes. */
export const NOTE_SIG_TYPE_ED25519 = 0x01;
export const NOTE_SIG_TYPE_ECDSA = 0x02;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Rekor v1 / Sigstore style checkpoint signer: key ID = SHA-256(DER SPKI) (the RFC 6962
 * log ID, no name in it), key hint = its first 4 bytes, signature = ECDSA ASN.1 DER
 * over the note text (protocols.md §6.6, §7.6).
 */
export function createEcdsaNoteSigner(name: string, signer: Signer): NoteSigner & { verifierKey: string } {
  checkName(name);
  if (signer.algorithm !== 'ecdsa-p256-sha256' && signer.algorithm !== 'ecdsa-p384-sha384')
    throw new LogError('INVALID_OPTIONS', `an ECDSA note signer needs an ECDSA key, got ${signer.algorithm}`);
  // C2SP vkey type 0x02 (what a witness configures for this log).
  return { ...noteKeyIdentity(name, sha256(signer.publicKeyDer), NOTE_SIG_TYPE_ECDSA, signer.publicKeyDer), sign: (msg) => signer.sign(msg) };
}

/**
 * C2SP Ed25519 checkpoint signer: key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte key),
 * key hint = its first 4 bytes, signature = 64 raw bytes (pure Ed25519 over the text).
 * `verifierKey` is the C2SP verifier key string `<name>+<hex hint>+<base64(0x01 ‖ key)>`.
 */
export function createEd25519NoteSigner(name: string, signer: Signer): NoteSigner & { verifierKey: string } {
  checkName(name);
  if (signer.algorithm !== 'ed25519') throw new LogError('INVALID_OPTIONS', `an Ed25519 note signer needs an Ed25519 key, got ${signer.algorithm}`);
  const raw = rawEd25519(signer.publicKeyDer);
  return { ...noteKeyIdentity(name, ed25519KeyId(name, raw), NOTE_SIG_TYPE_ED25519, raw), sign: (msg) => signer.sign(msg) };
}

/** Verifies checkpoints signed by createEcdsaNoteSigner (key: KeyObject or DER SPKI). */
export function createEcdsaNoteVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  checkName(name);
  const key = toPublicKey(publicKey);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'secp384r1'))
    throw new LogError('INVALID_OPTIONS', 'an ECDSA note verifier needs a P-256 or P-384 key');
  const digest = curve === 'prime256v1' ? 'sha256' : 'sha384';
  const keyId = sha256(key.export({ type: 'spki', format: 'der' }));
  return {
    name,
    keyId,
    keyHint: keyId.subarray(0, 4),
    verify: (msg, sig) => safeVerify(digest, msg, key, sig),
  };
}

/** Verifies checkpoints signed by createEd25519NoteSigner (key: KeyObject, DER SPKI or the raw 32 bytes). */
export function createEd25519NoteVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  checkName(name);
  const raw = ed25519RawKey(publicKey);
  const key = ed25519PublicKey(raw);
  const keyId = ed25519KeyId(name, raw);
  return {
    name,
    keyId,
    keyHint: keyId.subarray(0, 4),
    verify: (msg, sig) => sig.length === 64 && safeVerify(null, msg, key, sig),
  };
}

/**
 * Parses a C2SP verifier key `<name>+<hex key hint>+<base64(type ‖ key)>` (type 0x01
 * Ed25519 with a 32-byte key, 0x02 ECDSA with a DER SPKI, or 0x04 a witness's
 * cosignature/v1 Ed25519 key). Throws INVALID_NOTE if the hint does not match the key.
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey);
  if (!m) throw new LogError('INVALID_NOTE', 'malformed verifier key');
  const [, name, hint, b64] = m as unknown as [string, string, string, string];
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.toString('base64') !== b64 || bytes.length < 2) throw new LogError('INVALID_NOTE', 'verifier key is not canonical base64');
  let v: NoteVerifier;
  if (bytes[0] === NOTE_SIG_TYPE_ED25519 && bytes.length === 33) v = createEd25519NoteVerifier(name, bytes.subarray(1));
  else if (bytes[0] === NOTE_SIG_TYPE_ECDSA) v = createEcdsaNoteVerifier(name, bytes.subarray(1));
  else if (bytes[0] === NOTE_SIG_TYPE_COSIGNATURE_V1 && bytes.length === 33) v = createCosignatureV1Verifier(name, bytes.subarray(1));
  else throw new LogError('INVALID_NOTE', `unsupported verifier key type ${bytes[0]}`);
  if (v.keyHint.toString('hex') !== hint) throw new LogError('INVALID_NOTE', `verifier key hint ${hint} does not match the key`);
  return v;
}

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ raw Ed25519 key): the C2SP key ID. */
export function ed25519KeyId(name: string, raw: Uint8Array): Buffer {
  return sha256(Buffer.from(name, 'utf8'), Buffer.from([0x0a, NOTE_SIG_TYPE_ED25519]), raw);
}

/** `<name>+<hex key hint>+<base64(type ‖ key)>`. */
function formatVerifierKey(name: string, keyId: Buffer, typedKey: Buffer): string {
  return `${name}+${keyId.subarray(0, 4).toString('hex')}+${typedKey.toString('base64')}`;
}

/**
 * What every signer (and the cosignature verifier) shows of its key: name, key ID, the
 * 4-byte hint and the C2SP verifier key of `type ‖ key`. Internal (cosignature.ts).
 */
export function noteKeyIdentity(
  name: string,
  keyId: Buffer,
  type: number,
  key: Uint8Array,
): { name: string; keyId: Buffer; keyHint: Buffer; verifierKey: string } {
  return { name, keyId, keyHint: keyId.subarray(0, 4), verifierKey: formatVerifierKey(name, keyId, Buffer.concat([Buffer.from([type]), key])) };
}

/** The raw 32-byte Ed25519 key of a KeyObject, a DER SPKI or the raw key itself. Internal (cosignature.ts). */
export function ed25519RawKey(publicKey: KeyObject | Uint8Array): Buffer {
  return publicKey instanceof Uint8Array && publicKey.length === 32 ? Buffer.from(publicKey) : rawEd25519(spkiOf(publicKey));
}

/** The raw 32-byte key of an Ed25519 SPKI. Internal (cosignature.ts). */
export function rawEd25519(spki: Buffer): Buffer {
  if (spki.length !== 44 || !spki.subarray(0, 12).equals(ED25519_SPKI_PREFIX))
    throw new LogError('INVALID_OPTIONS', 'not an Ed25519 SubjectPublicKeyInfo');
  return spki.subarray(12);
}

/** A KeyObject for a raw 32-byte Ed25519 key. Internal (cosignature.ts). */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

function spkiOf(k: KeyObject | Uint8Array): Buffer {
  return toPublicKey(k).export({ type: 'spki', format: 'der' });
}

function toPublicKey(k: KeyObject | Uint8Array): KeyObject {
  if (!(k instanceof Uint8Array)) return k.type === 'private' ? createPublicKey(k) : k;
  try {
    return createPublicKey({ key: Buffer.from(k), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new LogError('INVALID_OPTIONS', 'public key is not a DER SubjectPublicKeyInfo', { cause });
  }
}

/** crypto.verify that answers false instead of throwing. Internal (cosignature.ts). */
export function safeVerify(digest: string | null, msg: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    return cryptoVerify(digest, msg, key, sig);
  } catch {
    return false;
  }
}

/** Internal (cosignature.ts). */
export function checkName(name: string): void {
  if (!isValidKeyName(name)) throw new LogError('INVALID_OPTIONS', `invalid note key name ${JSON.stringify(name)}: no spaces or '+'`);
}
