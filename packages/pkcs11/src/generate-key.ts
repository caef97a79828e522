import { randomBytes } from 'node:crypto';
import type { SigningAlgorithm } from '@sigstack/core';
import { HsmError } from './errors.js';
import { loadModule, pkcs11js } from './pkcs11-module.js';
import { openSession } from './pkcs11-signer.js';
import { parsePkcs11Uri, pctEncode, resolveModulePath, resolvePin } from './pkcs11-uri.js';
import { CKM_EC_EDWARDS_KEY_PAIR_GEN, EC_PARAMS, describeObject, findObjects, findSlot, findTokenKey, login } from './token-key.js';

export interface GenerateTokenKeyOptions {
  /** URI of the key to make: token, object (label) and/or id, module and PIN as for Pkcs11Signer. */
  uri: string;
  algorithm: SigningAlgorithm;
  env?: NodeJS.ProcessEnv;
}

export interface GeneratedTokenKey {
  algorithm: SigningAlgorithm;
  /** DER SubjectPublicKeyInfo of the new key. */
  publicKeyDer: Buffer;
  /** CKA_ID of the pair (the URI's, or 8 random bytes when it gave none). */
  id: Buffer;
  /** The URI with the id added, to put in the configuration. */
  uri: string;
}

/**
 * Generates a key pair on the token: private key sensitive, never extractable, for
 * signing only; public key with the same CKA_LABEL and CKA_ID. Refuses (HsmError
 * OBJECT_EXISTS) when a private key with that label or id exists: keys are never
 * replaced, since clients already trust them.
 */
export function generateTokenKey(opts: GenerateTokenKeyOptions): GeneratedTokenKey {
  const u = parsePkcs11Uri(opts.uri);
  const env = opts.env ?? process.env;
  const pin = resolvePin(u, env);
  const m = loadModule(resolveModulePath(u, env));
  const k = pkcs11js();
  try {
    const slot = findSlot(m, u);
    const session = openSession(m, slot, k.CKF_SERIAL_SESSION | k.CKF_RW_SESSION);
    try {
      login(m, slot, session, pin);
      for (const q of [u.object !== undefined ? { object: u.object } : undefined, u.id !== undefined ? { id: u.id } : undefined]) {
        if (q && findObjects(m, session, k.CKO_PRIVATE_KEY, q).length > 0) throw new HsmError('OBJECT_EXISTS', `a private key ${describeObject(q)} exists on the token already`);
      }
      const id = u.id ?? randomBytes(8);
      const common = [
        { type: k.CKA_TOKEN, value: true },
        { type: k.CKA_ID, value: id },
        ...(u.object !== undefined ? [{ type: k.CKA_LABEL, value: u.object }] : []),
      ];
      const ed = opts.algorithm === 'ed25519';
      try {
        m.p11.C_GenerateKeyPair(
          session,
          { mechanism: ed ? CKM_EC_EDWARDS_KEY_PAIR_GEN : k.CKM_EC_KEY_PAIR_GEN },
          [...common, { type: k.CKA_EC_PARAMS, value: EC_PARAMS[opts.algorithm] }, { type: k.CKA_VERIFY, value: true }],
          [
            ...common,
            { type: k.CKA_PRIVATE, value: true },
            { type: k.CKA_SENSITIVE, value: true },
            { type: k.CKA_EXTRACTABLE, value: false },
            { type: k.CKA_SIGN, value: true },
          ],
        );
      } catch (cause) {
        throw new HsmError('TOKEN_ERROR', `the token cannot generate a ${opts.algorithm} key: ${(cause as Error).message}`, { cause });
      }
      const info = findTokenKey(m, session, { id });
      const uri = u.id !== undefined ? opts.uri : addId(opts.uri, id);
      return { algorithm: info.algorithm, publicKeyDer: info.publicKeyDer, id, uri };
    } finally {
      try {
        m.p11.C_CloseSession(session);
      } catch {
        // nothing to undo
      }
    }
  } finally {
    m.release();
  }
}

/** Adds `;id=%..` to the URI's path part. */
function addId(uri: string, id: Buffer): string {
  const q = uri.indexOf('?');
  const path = q < 0 ? uri : uri.slice(0, q);
  return `${path}${path.endsWith(':') ? '' : ';'}id=${pctEncode(id)}${q < 0 ? '' : uri.slice(q)}`;
}
