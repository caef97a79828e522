import type { KeyObject } from 'node:crypto';
import { sha256, systemClock, type Clock, type Signer } from '@sigstack/core';
import { LogError } from '../errors.js';
import type { NoteSigner, NoteVerifier } from './signed-note.js';
import { checkName, ed25519PublicKey, ed25519RawKey, noteKeyIdentity, rawEd25519, safeVerify } from './note-signer.js';

/**
 * C2SP tlog-cosignature, the Ed25519 `cosignature/v1` type (signed-note type 0x04): a
 * witness's statement that, as of `time`, this checkpoint is the largest consistent
 * tree it has seen for the origin.
 *
 *     key ID    = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte Ed25519 key)
 *     message   = "cosignature/v1\ntime <unix seconds>\n" ‖ <checkpoint body, with its final \n>
 *     signature = u64 big-endian timestamp ‖ 64-byte Ed25519 signature over the message
 *
 * Both plug into signNote/verifyNote as any other NoteSigner/NoteVerifier: the note
 * text handed to them is the checkpoint body, and they add the header lines.
 */

/** The signed-note signature type of Ed25519 cosignature/v1 (c2sp.org/signed-note). */
export const NOTE_SIG_TYPE_COSIGNATURE_V1 = 0x04;

const HEADER = 'cosignature/v1\ntime ';
/** C2SP: the timestamp MUST NOT exceed 2^63 − 1; seconds beyond 2^53 cannot be a real time anyway. */
const MAX_TIMESTAMP = BigInt(Number.MAX_SAFE_INTEGER);
const SIGNATURE_BYTES = 8 + 64;

/** SHA-256(name ‖ 0x0A ‖ 0x04 ‖ raw Ed25519 key): the cosigner's key ID. */
export function cosignatureV1KeyId(name: string, raw: Uint8Array): Buffer {
  return sha256(Buffer.from(name, 'utf8'), Buffer.from([0x0a, NOTE_SIG_TYPE_COSIGNATURE_V1]), raw);
}

/**
 * A witness's cosigner: signs checkpoint bodies with an Ed25519 key, stamping each
 * signature with `clock`'s time in whole seconds. `verifierKey` is the C2SP vkey
 * `<name>+<hex hint>+<base64(0x04 ‖ key)>` that logs and clients configure.
 */
export function createCosignatureV1Signer(name: string, signer: Signer, clock: Clock = systemClock): NoteSigner & { verifierKey: string } {
  checkName(name);
  if (signer.algorithm !== 'ed25519') throw new LogError('INVALID_OPTIONS', `a cosignature/v1 signer needs an Ed25519 key, got ${signer.algorithm}`);
  const raw = rawEd25519(signer.publicKeyDer);
  return {
    ...cosignerIdentity(name, raw),
    async sign(body) {
      // C2SP tlog-witness: the timestamp MUST NOT be zero.
      const seconds = Math.max(1, Math.floor(clock.now() / 1000));
      const sig = await signer.sign(cosignedMessage(body, BigInt(seconds)));
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(seconds));
      return Buffer.concat([ts, sig]);
    },
  };
}

/** Verifies cosignature/v1 signatures of one witness (key: KeyObject, DER SPKI or the raw 32 bytes). */
export function createCosignatureV1Verifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier & { verifierKey: string } {
  checkName(name);
  const raw = ed25519RawKey(publicKey);
  const key = ed25519PublicKey(raw);
  return {
    ...cosignerIdentity(name, raw),
    verify(body, sig) {
      const seconds = cosignatureTimestamp(sig);
      return seconds !== undefined && safeVerify(null, cosignedMessage(body, BigInt(seconds)), key, sig.subarray(8));
    },
  };
}

/**
 * The timestamp (Unix seconds) of a cosignature/v1 signature (the bytes after the key
 * hint), or undefined if it is not one (wrong length, zero or out-of-range time).
 */
export function cosignatureTimestamp(sig: Uint8Array): number | undefined {
  if (sig.length !== SIGNATURE_BYTES) return undefined;
  const ts = Buffer.from(sig.buffer, sig.byteOffset, 8).readBigUInt64BE(0);
  return ts === 0n || ts > MAX_TIMESTAMP ? undefined : Number(ts);
}

/** Name, key ID, hint and `0x04 ‖ key` verifier key: the same for a witness's signer and verifier. */
function cosignerIdentity(name: string, raw: Buffer): ReturnType<typeof noteKeyIdentity> {
  return noteKeyIdentity(name, cosignatureV1KeyId(name, raw), NOTE_SIG_TYPE_COSIGNATURE_V1, raw);
}

function cosignedMessage(body: Buffer, seconds: bigint): Buffer {
  return Buffer.concat([Buffer.from(`${HEADER}${seconds}\n`, 'utf8'), body]);
}
