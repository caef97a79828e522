import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '@sigstack/core';
import { HsmError } from './errors.js';
import { ckr, pkcs11js, type Handle, type LoadedModule } from './pkcs11-module.js';
import type { Pkcs11Uri } from './pkcs11-uri.js';

/** CKK_EC_EDWARDS and the EdDSA mechanisms (PKCS#11 3.0; pkcs11js has no constants for them). */
export const CKK_EC_EDWARDS = 0x40;
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
export const CKM_EDDSA = 0x1057;

/** DER of each curve's OID as CKA_EC_PARAMS carries it. */
export const EC_PARAMS: Record<SigningAlgorithm, Buffer> = {
  'ecdsa-p256-sha256': Buffer.from('06082a8648ce3d030107', 'hex'),
  'ecdsa-p384-sha384': Buffer.from('06052b81040022', 'hex'),
  ed25519: Buffer.from('06032b6570', 'hex'),
};
/** Ed25519 params as a PrintableString "edwards25519", which some tokens use instead of the OID. */
const ED25519_NAME = Buffer.from('130c656477617264733235353139', 'hex');

/** Finds the one slot whose token matches the URI's token attributes. */
export function findSlot(m: LoadedModule, u: Pkcs11Uri): Handle {
  const p11 = m.p11;
  let slots: Handle[];
  try {
    slots = p11.C_GetSlotList(true);
  } catch (cause) {
    throw new HsmError('TOKEN_ERROR', `${m.path}: cannot list slots: ${(cause as Error).message}`, { cause });
  }
  const matches = slots.filter((slot) => {
    if (u.slotId !== undefined && slotNumber(slot) !== u.slotId) return false;
    let info;
    try {
      info = p11.C_GetTokenInfo(slot);
    } catch {
      return false; // a token that cannot answer is not the one we want
    }
    return (
      (u.token === undefined || info.label.trimEnd() === u.token) &&
      (u.manufacturer === undefined || info.manufacturerID.trimEnd() === u.manufacturer) &&
      (u.serial === undefined || info.serialNumber.trimEnd() === u.serial) &&
      (u.model === undefined || info.model.trimEnd() === u.model)
    );
  });
  const which = [u.token !== undefined ? `token=${u.token}` : '', u.serial !== undefined ? `serial=${u.serial}` : '', u.slotId !== undefined ? `slot-id=${u.slotId}` : '']
    .filter(Boolean)
    .join(';');
  if (matches.length === 0) throw new HsmError('TOKEN_NOT_FOUND', `no token matching ${which || 'the URI'} in ${m.path}`);
  if (matches.length > 1) throw new HsmError('TOKEN_NOT_FOUND', `${matches.length} tokens match ${which || 'the URI'} in ${m.path}: name the token (token=, serial=)`);
  return matches[0]!;
}

function slotNumber(slot: Handle): number {
  return slot.length >= 8 ? Number(slot.readBigUInt64LE(0)) : slot.readUInt32LE(0);
}

/**
 * Logs the user in on `session`. Login is per token and process: when another key on
 * the token logged in already (CKR_USER_ALREADY_LOGGED_IN), the PIN must be the one it
 * logged in with, or the wrong PIN would go unnoticed until a restart.
 */
export function login(m: LoadedModule, slot: Handle, session: Handle, pin: string): void {
  const key = slot.toString('hex');
  try {
    m.p11.C_Login(session, pkcs11js().CKU_USER, pin);
    m.loggedIn.set(key, pin);
  } catch (cause) {
    const code = ckr(cause);
    if (code === 'CKR_USER_ALREADY_LOGGED_IN') {
      const known = m.loggedIn.get(key);
      if (known !== undefined && known !== pin) throw new HsmError('PIN_INCORRECT', 'the PIN differs from the one this process logged in to the token with', { cause });
      return;
    }
    if (code === 'CKR_PIN_INCORRECT' || code === 'CKR_PIN_LOCKED' || code === 'CKR_PIN_INVALID' || code === 'CKR_PIN_LEN_RANGE' || code === 'CKR_PIN_EXPIRED')
      throw new HsmError('PIN_INCORRECT', `the token refused the PIN (${code})`, { cause });
    throw new HsmError('TOKEN_ERROR', `login failed: ${(cause as Error).message}`, { cause });
  }
}

/** Handles of the objects of `cls` (CKO_*) carrying the URI's label and id. */
export function findObjects(m: LoadedModule, session: Handle, cls: number, u: Pick<Pkcs11Uri, 'object' | 'id'>): Handle[] {
  const { CKA_CLASS, CKA_LABEL, CKA_ID } = pkcs11js();
  const template: { type: number; value: number | string | Buffer }[] = [{ type: CKA_CLASS, value: cls }];
  if (u.object !== undefined) template.push({ type: CKA_LABEL, value: u.object });
  if (u.id !== undefined) template.push({ type: CKA_ID, value: u.id });
  m.p11.C_FindObjectsInit(session, template);
  try {
    return m.p11.C_FindObjects(session, 16);
  } finally {
    m.p11.C_FindObjectsFinal(session);
  }
}

/** What a key on a token is: its algorithm and public key. */
export interface TokenKeyInfo {
  privateKey: Handle;
  algorithm: SigningAlgorithm;
  publicKey: KeyObject;
  publicKeyDer: Buffer;
}

/**
 * Finds the private key the URI names and its public key object, and works out the
 * algorithm from CKA_KEY_TYPE and CKA_EC_PARAMS. HsmError OBJECT_NOT_FOUND,
 * OBJECT_AMBIGUOUS or KEY_TYPE, each naming the object.
 */
export function findTokenKey(m: LoadedModule, session: Handle, u: Pkcs11Uri): TokenKeyInfo {
  const { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKA_KEY_TYPE, CKA_EC_PARAMS, CKA_EC_POINT, CKA_ID, CKA_LABEL, CKK_EC } = pkcs11js();
  const name = describeObject(u);
  const priv = findObjects(m, session, CKO_PRIVATE_KEY, u);
  if (priv.length === 0) throw new HsmError('OBJECT_NOT_FOUND', `no private key ${name} on the token`);
  if (priv.length > 1) throw new HsmError('OBJECT_AMBIGUOUS', `${priv.length} private keys match ${name}: add id= to the URI`);
  const privateKey = priv[0]!;
  const [kt, id, label] = m.p11.C_GetAttributeValue(session, privateKey, [{ type: CKA_KEY_TYPE }, { type: CKA_ID }, { type: CKA_LABEL }]);
  const keyType = (kt?.value as Buffer | undefined)?.readUInt32LE(0);
  // CKA_EC_PARAMS exists on EC keys only (asking an RSA key for it is CKR_ATTRIBUTE_TYPE_INVALID).
  const ecParams =
    keyType === CKK_EC || keyType === CKK_EC_EDWARDS ? (m.p11.C_GetAttributeValue(session, privateKey, [{ type: CKA_EC_PARAMS }])[0]?.value as Buffer | undefined) : undefined;
  let algorithm: SigningAlgorithm | undefined;
  if (keyType === CKK_EC && ecParams) algorithm = ecParams.equals(EC_PARAMS['ecdsa-p256-sha256']) ? 'ecdsa-p256-sha256' : ecParams.equals(EC_PARAMS['ecdsa-p384-sha384']) ? 'ecdsa-p384-sha384' : undefined;
  else if (keyType === CKK_EC_EDWARDS && ecParams && (ecParams.equals(EC_PARAMS.ed25519) || ecParams.equals(ED25519_NAME))) algorithm = 'ed25519';
  if (!algorithm) throw new HsmError('KEY_TYPE', `private key ${name} is not an ECDSA P-256/P-384 or Ed25519 key (CKA_KEY_TYPE 0x${keyType?.toString(16) ?? '?'})`);
  // The public half: the public key object with the private key's CKA_ID (its pair), else its label.
  const idBytes = id?.value as Buffer | undefined;
  const pubQuery = idBytes && idBytes.length > 0 ? { id: idBytes } : { object: (label?.value as Buffer | undefined)?.toString('utf8') ?? u.object };
  const pub = findObjects(m, session, CKO_PUBLIC_KEY, pubQuery);
  if (pub.length !== 1) throw new HsmError('OBJECT_NOT_FOUND', `private key ${name} has ${pub.length === 0 ? 'no' : 'more than one'} public key object with its CKA_ID/label on the token`);
  const [point] = m.p11.C_GetAttributeValue(session, pub[0]!, [{ type: CKA_EC_POINT }]);
  const publicKey = publicKeyFromPoint(algorithm, point?.value as Buffer);
  return { privateKey, algorithm, publicKey, publicKeyDer: publicKey.export({ type: 'spki', format: 'der' }) };
}

export function describeObject(u: Pick<Pkcs11Uri, 'object' | 'id'>): string {
  return [u.object !== undefined ? `object=${u.object}` : '', u.id !== undefined ? `id=${u.id.toString('hex')}` : ''].filter(Boolean).join(';');
}

/**
 * A node public key from CKA_EC_POINT: the point is a DER OCTET STRING by the standard
 * (SoftHSM), some tokens give it bare; both are accepted.
 */
export function publicKeyFromPoint(algorithm: SigningAlgorithm, ecPoint: Buffer | undefined): KeyObject {
  if (!ecPoint) throw new HsmError('KEY_TYPE', 'the public key object has no CKA_EC_POINT');
  const size = algorithm === 'ecdsa-p256-sha256' ? 65 : algorithm === 'ecdsa-p384-sha384' ? 97 : 32;
  let point = ecPoint;
  if (point.length !== size && point[0] === 0x04 && point[1] === size && point.length === size + 2) point = point.subarray(2);
  if (point.length !== size || (algorithm !== 'ed25519' && point[0] !== 0x04)) throw new HsmError('KEY_TYPE', `CKA_EC_POINT is not an uncompressed ${algorithm} point`);
  const b64 = (b: Buffer) => b.toString('base64url');
  if (algorithm === 'ed25519') return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(point) }, format: 'jwk' });
  const n = (size - 1) / 2;
  return createPublicKey({
    key: { kty: 'EC', crv: algorithm === 'ecdsa-p256-sha256' ? 'P-256' : 'P-384', x: b64(point.subarray(1, 1 + n)), y: b64(point.subarray(1 + n)) },
    format: 'jwk',
  });
}
